//! Offers, contracts, milestones and history entries between the domain and their rows:
//! the terms as six columns, the storage keys of the states, and reading offers back with
//! their milestone plans (one more statement for any number of offers). Timestamps are
//! written as storage keeps them (to the microsecond, see `posting_rows`), so what a
//! write returns is what a later read returns.

use std::collections::HashMap;

use domain::actor::UserId;
use domain::agencies::AgencyId;
use domain::contracts::{
    Contract, ContractChange, ContractChangeKind, ContractId, ContractStatus, Milestone,
    MilestoneId, MilestonePlan, MilestoneStatus, Offer, OfferId, OfferStatus, Terms,
};
use domain::money::{Currency, Money};
use domain::postings::PostingId;
use domain::proposals::{ProposalId, StageId};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::{contract, contract_change, contract_milestone, offer, offer_milestone};
use crate::errors::internal;
use crate::posting_rows::at_rest;

pub(crate) fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored contract data is invalid: {what}"))
}

fn currency(code: &str) -> DomainResult<Currency> {
    Currency::parse(code).map_err(|_| corrupt("currency"))
}

/// Terms as stored: kind, currency, total (FIXED), rate, weekly limit and manual time
/// (HOURLY).
pub(crate) struct TermsColumns {
    pub(crate) kind: &'static str,
    pub(crate) currency: &'static str,
    pub(crate) total_minor: Option<i64>,
    pub(crate) rate_minor: Option<i64>,
    pub(crate) weekly_limit_hours: Option<i16>,
    pub(crate) manual_time: Option<bool>,
}

impl TermsColumns {
    pub(crate) fn of(t: &Terms) -> Self {
        let (total, rate, hours, manual) = match *t {
            Terms::Fixed { total } => (Some(total.amount_minor), None, None, None),
            Terms::Hourly {
                rate,
                weekly_limit_hours,
                manual_time,
            } => (
                None,
                Some(rate.amount_minor),
                Some(i16::from(weekly_limit_hours)),
                Some(manual_time),
            ),
        };
        Self {
            kind: t.kind_key(),
            currency: t.currency().code(),
            total_minor: total,
            rate_minor: rate,
            weekly_limit_hours: hours,
            manual_time: manual,
        }
    }
}

/// The terms stored as these columns; an error for columns storage never writes.
fn to_terms(
    kind: &str,
    code: &str,
    total_minor: Option<i64>,
    rate_minor: Option<i64>,
    weekly_limit_hours: Option<i16>,
    manual_time: Option<bool>,
) -> DomainResult<Terms> {
    let currency = currency(code)?;
    match (
        kind,
        total_minor,
        rate_minor,
        weekly_limit_hours,
        manual_time,
    ) {
        ("FIXED", Some(amount_minor), None, None, None) => Ok(Terms::Fixed {
            total: Money {
                amount_minor,
                currency,
            },
        }),
        ("HOURLY", None, Some(amount_minor), Some(hours), Some(manual_time)) => Ok(Terms::Hourly {
            rate: Money {
                amount_minor,
                currency,
            },
            weekly_limit_hours: u8::try_from(hours).map_err(|_| corrupt("weekly limit"))?,
            manual_time,
        }),
        _ => Err(corrupt("terms")),
    }
}

/// `o` with every timestamp as storage keeps it.
pub(crate) fn offer_at_rest(o: &Offer) -> Offer {
    Offer {
        expires_at: at_rest(o.expires_at),
        created_at: at_rest(o.created_at),
        updated_at: at_rest(o.updated_at),
        ..o.clone()
    }
}

pub(crate) fn offer_row(o: &Offer) -> offer::ActiveModel {
    let o = offer_at_rest(o);
    let terms = TermsColumns::of(&o.terms);
    offer::ActiveModel {
        id: Set(o.id.0),
        proposal_id: Set(o.proposal_id.0),
        posting_id: Set(o.posting_id.0),
        client_id: Set(o.client_id.0),
        freelancer_id: Set(o.freelancer_id.0),
        agency_id: Set(o.agency_id.map(|a| a.0)),
        stage_id: Set(o.stage_id.0),
        title: Set(o.title.clone()),
        message: Set(o.message.clone()),
        kind: Set(terms.kind.to_owned()),
        currency: Set(terms.currency.to_owned()),
        total_minor: Set(terms.total_minor),
        rate_minor: Set(terms.rate_minor),
        weekly_limit_hours: Set(terms.weekly_limit_hours),
        manual_time: Set(terms.manual_time),
        status: Set(o.status.key().to_owned()),
        status_reason: Set(o.status_reason.clone()),
        expires_at: Set(o.expires_at),
        created_at: Set(o.created_at),
        updated_at: Set(o.updated_at),
        contract_id: Set(o.contract_id.map(|c| c.0)),
    }
}

/// The rows of an offer's milestone plans, positions from 1.
pub(crate) fn plan_rows(o: &Offer) -> Vec<offer_milestone::ActiveModel> {
    o.milestones
        .iter()
        .zip(1..)
        .map(|(m, position)| offer_milestone::ActiveModel {
            offer_id: Set(o.id.0),
            position: Set(position),
            title: Set(m.title.clone()),
            description: Set(m.description.clone()),
            amount_minor: Set(m.amount.amount_minor),
            due_on: Set(m.due_on),
        })
        .collect()
}

fn to_offer(r: offer::Model, plans: Vec<offer_milestone::Model>) -> DomainResult<Offer> {
    let terms = to_terms(
        &r.kind,
        &r.currency,
        r.total_minor,
        r.rate_minor,
        r.weekly_limit_hours,
        r.manual_time,
    )?;
    let currency = terms.currency();
    Ok(Offer {
        id: OfferId(r.id),
        proposal_id: ProposalId(r.proposal_id),
        posting_id: PostingId(r.posting_id),
        client_id: UserId(r.client_id),
        freelancer_id: UserId(r.freelancer_id),
        agency_id: r.agency_id.map(AgencyId),
        stage_id: StageId(r.stage_id),
        title: r.title,
        message: r.message,
        terms,
        milestones: plans
            .into_iter()
            .map(|m| MilestonePlan {
                title: m.title,
                description: m.description,
                amount: Money {
                    amount_minor: m.amount_minor,
                    currency,
                },
                due_on: m.due_on,
            })
            .collect(),
        status: OfferStatus::parse(&r.status).ok_or_else(|| corrupt("offer status"))?,
        status_reason: r.status_reason,
        expires_at: r.expires_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
        contract_id: r.contract_id.map(ContractId),
    })
}

/// Reads `rows` back as offers with their milestone plans, in the order of `rows`: one
/// more statement for any number.
pub(crate) async fn assemble_offers(
    db: &impl ConnectionTrait,
    rows: Vec<offer::Model>,
) -> DomainResult<Vec<Offer>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut plans: HashMap<Uuid, Vec<offer_milestone::Model>> = HashMap::new();
    for m in offer_milestone::Entity::find()
        .filter(offer_milestone::Column::OfferId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(offer_milestone::Column::OfferId)
        .order_by_asc(offer_milestone::Column::Position)
        .all(db)
        .await
        .map_err(internal)?
    {
        plans.entry(m.offer_id).or_default().push(m);
    }
    rows.into_iter()
        .map(|r| {
            let own = plans.remove(&r.id).unwrap_or_default();
            to_offer(r, own)
        })
        .collect()
}

/// `c` with every timestamp as storage keeps it.
pub(crate) fn contract_at_rest(c: &Contract) -> Contract {
    Contract {
        started_at: at_rest(c.started_at),
        updated_at: at_rest(c.updated_at),
        ended_at: c.ended_at.map(at_rest),
        ..c.clone()
    }
}

pub(crate) fn contract_row(c: &Contract) -> contract::ActiveModel {
    let c = contract_at_rest(c);
    let terms = TermsColumns::of(&c.terms);
    contract::ActiveModel {
        id: Set(c.id.0),
        offer_id: Set(c.offer_id.0),
        proposal_id: Set(c.proposal_id.0),
        posting_id: Set(c.posting_id.0),
        client_id: Set(c.client_id.0),
        freelancer_id: Set(c.freelancer_id.0),
        agency_id: Set(c.agency_id.map(|a| a.0)),
        title: Set(c.title.clone()),
        kind: Set(terms.kind.to_owned()),
        currency: Set(terms.currency.to_owned()),
        total_minor: Set(terms.total_minor),
        rate_minor: Set(terms.rate_minor),
        weekly_limit_hours: Set(terms.weekly_limit_hours),
        manual_time: Set(terms.manual_time),
        next_weekly_limit_hours: Set(c.next_weekly_limit.map(|(h, _)| i16::from(h))),
        next_weekly_limit_from: Set(c.next_weekly_limit.map(|(_, from)| from)),
        status: Set(c.status.key().to_owned()),
        end_reason: Set(c.end_reason.clone()),
        ended_by: Set(c.ended_by.map(|u| u.0)),
        version: Set(c.version),
        started_at: Set(c.started_at),
        updated_at: Set(c.updated_at),
        ended_at: Set(c.ended_at),
    }
}

/// The contract row's columns a change writes (not its parties or start), at `version`.
pub(crate) fn contract_changed_columns(c: &Contract, version: i64) -> contract::ActiveModel {
    contract::ActiveModel {
        id: NotSet,
        offer_id: NotSet,
        proposal_id: NotSet,
        posting_id: NotSet,
        client_id: NotSet,
        freelancer_id: NotSet,
        agency_id: NotSet,
        started_at: NotSet,
        version: Set(version),
        ..contract_row(c)
    }
}

pub(crate) fn to_contract(r: contract::Model) -> DomainResult<Contract> {
    let next_weekly_limit = match (r.next_weekly_limit_hours, r.next_weekly_limit_from) {
        (None, None) => None,
        (Some(hours), Some(from)) => Some((
            u8::try_from(hours).map_err(|_| corrupt("next weekly limit"))?,
            from,
        )),
        _ => return Err(corrupt("next weekly limit")),
    };
    Ok(Contract {
        id: ContractId(r.id),
        offer_id: OfferId(r.offer_id),
        proposal_id: ProposalId(r.proposal_id),
        posting_id: PostingId(r.posting_id),
        client_id: UserId(r.client_id),
        freelancer_id: UserId(r.freelancer_id),
        agency_id: r.agency_id.map(AgencyId),
        title: r.title,
        terms: to_terms(
            &r.kind,
            &r.currency,
            r.total_minor,
            r.rate_minor,
            r.weekly_limit_hours,
            r.manual_time,
        )?,
        next_weekly_limit,
        status: ContractStatus::parse(&r.status).ok_or_else(|| corrupt("contract status"))?,
        end_reason: r.end_reason,
        ended_by: r.ended_by.map(UserId),
        version: r.version,
        started_at: r.started_at,
        updated_at: r.updated_at,
        ended_at: r.ended_at,
    })
}

/// `m` with every timestamp as storage keeps it.
pub(crate) fn milestone_at_rest(m: &Milestone) -> Milestone {
    Milestone {
        funded_at: m.funded_at.map(at_rest),
        submitted_at: m.submitted_at.map(at_rest),
        released_at: m.released_at.map(at_rest),
        created_at: at_rest(m.created_at),
        updated_at: at_rest(m.updated_at),
        ..m.clone()
    }
}

pub(crate) fn milestone_row(m: &Milestone) -> DomainResult<contract_milestone::ActiveModel> {
    let m = milestone_at_rest(m);
    Ok(contract_milestone::ActiveModel {
        id: Set(m.id.0),
        contract_id: Set(m.contract_id.0),
        position: Set(i32::try_from(m.position)
            .map_err(|_| DomainError::internal("a milestone position out of range"))?),
        title: Set(m.title.clone()),
        description: Set(m.description.clone()),
        amount_minor: Set(m.amount.amount_minor),
        currency: Set(m.amount.currency.code().to_owned()),
        due_on: Set(m.due_on),
        status: Set(m.status.key().to_owned()),
        submission_note: Set(m.submission_note.clone()),
        changes_requested: Set(m.changes_requested.clone()),
        refund_reason: Set(m.refund_reason.clone()),
        funded_at: Set(m.funded_at),
        submitted_at: Set(m.submitted_at),
        released_at: Set(m.released_at),
        version: Set(m.version),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
    })
}

/// The milestone row's columns a change writes (not its contract, place or creation),
/// at `version`.
pub(crate) fn milestone_changed_columns(
    m: &Milestone,
    version: i64,
) -> DomainResult<contract_milestone::ActiveModel> {
    Ok(contract_milestone::ActiveModel {
        id: NotSet,
        contract_id: NotSet,
        position: NotSet,
        created_at: NotSet,
        version: Set(version),
        ..milestone_row(m)?
    })
}

pub(crate) fn to_milestone(r: contract_milestone::Model) -> DomainResult<Milestone> {
    Ok(Milestone {
        id: MilestoneId(r.id),
        contract_id: ContractId(r.contract_id),
        position: u32::try_from(r.position).map_err(|_| corrupt("milestone position"))?,
        title: r.title,
        description: r.description,
        amount: Money {
            amount_minor: r.amount_minor,
            currency: currency(&r.currency)?,
        },
        due_on: r.due_on,
        status: MilestoneStatus::parse(&r.status).ok_or_else(|| corrupt("milestone status"))?,
        submission_note: r.submission_note,
        changes_requested: r.changes_requested,
        refund_reason: r.refund_reason,
        funded_at: r.funded_at,
        submitted_at: r.submitted_at,
        released_at: r.released_at,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

pub(crate) fn change_row(c: &ContractChange) -> contract_change::ActiveModel {
    contract_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        contract_id: Set(c.contract_id.0),
        at: Set(at_rest(c.at)),
        actor_id: Set(c.actor.map(|a| a.0)),
        kind: Set(c.kind.key().to_owned()),
        status: Set(c.status.key().to_owned()),
        detail: Set(c.detail.clone()),
    }
}

pub(crate) fn to_change(r: contract_change::Model) -> DomainResult<ContractChange> {
    Ok(ContractChange {
        contract_id: ContractId(r.contract_id),
        at: r.at,
        actor: r.actor_id.map(UserId),
        kind: ContractChangeKind::parse(&r.kind).ok_or_else(|| corrupt("change kind"))?,
        status: ContractStatus::parse(&r.status).ok_or_else(|| corrupt("change status"))?,
        detail: r.detail,
    })
}
