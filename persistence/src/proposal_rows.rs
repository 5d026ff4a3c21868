//! Proposals between the domain and their rows: the proposal, its answers, milestones,
//! stage and history entries, and reading whole proposals back (four statements for any
//! number of them).

use std::collections::HashMap;

use domain::actor::UserId;
use domain::agencies::AgencyId;
use domain::money::{Currency, Money};
use domain::postings::{PostingId, QuestionKind};
use domain::proposals::{
    Answer, AnswerValue, ChangeKind, Milestone, Proposal, ProposalChange, ProposalId,
    ProposalStatus, ProposalTerms, StageId,
};
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::entities::{proposal, proposal_answer, proposal_change, proposal_milestone};
use crate::errors::internal;
use crate::posting_rows::{
    budget_kind_key, parse_budget_kind, parse_question_kind, question_kind_key,
};
use crate::search_sql::Sql;

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored proposal is invalid: {what}"))
}

/// The proposal's own row (its lists are rows of their own).
pub(crate) fn row(p: &Proposal) -> proposal::ActiveModel {
    proposal::ActiveModel {
        id: Set(p.id.0),
        posting_id: Set(p.posting_id.0),
        freelancer_id: Set(p.freelancer_id.0),
        agency_id: Set(p.agency_id.map(|a| a.0)),
        status: Set(p.status.key().to_owned()),
        bid_amount_minor: Set(p.terms.bid.amount_minor),
        bid_currency: Set(p.terms.bid.currency.code().to_owned()),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
        bid_kind: Set(budget_kind_key(p.terms.bid_kind).to_owned()),
        cover_letter: Set(p.terms.cover_letter.clone()),
        duration_days: Set(p.terms.duration_days),
        status_reason: Set(p.status_reason.clone()),
        first_viewed_at: Set(p.first_viewed_at),
        match_score: Set(i16::from(p.match_score)),
        scorecard_score: Set(p.scorecard_score),
        version: Set(p.version),
    }
}

/// The rows of a proposal's answers and milestones.
pub(crate) fn list_rows(
    p: &Proposal,
) -> (
    Vec<proposal_answer::ActiveModel>,
    Vec<proposal_milestone::ActiveModel>,
) {
    let answers = p
        .terms
        .answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (kind, text, yes, link) = match &a.value {
                AnswerValue::Text(t) => (QuestionKind::Text, Some(t.clone()), None, None),
                AnswerValue::YesNo(y) => (QuestionKind::YesNo, None, Some(*y), None),
                AnswerValue::Link(l) => (QuestionKind::Link, None, None, Some(l.clone())),
            };
            proposal_answer::ActiveModel {
                proposal_id: Set(p.id.0),
                position: Set(i as i32),
                question_id: Set(a.question_id),
                prompt: Set(a.prompt.clone()),
                kind: Set(question_kind_key(kind).to_owned()),
                text_value: Set(text),
                yes_value: Set(yes),
                link_value: Set(link),
            }
        })
        .collect();
    let milestones = p
        .terms
        .milestones
        .iter()
        .enumerate()
        .map(|(i, m)| proposal_milestone::ActiveModel {
            proposal_id: Set(p.id.0),
            position: Set(i as i32),
            title: Set(m.title.clone()),
            amount_minor: Set(m.amount.amount_minor),
        })
        .collect();
    (answers, milestones)
}

/// Writes a proposal's answers and milestones (after deleting those it had, when
/// `replace`).
pub(crate) async fn write_lists(
    db: &impl ConnectionTrait,
    p: &Proposal,
    replace: bool,
) -> DomainResult<()> {
    if replace {
        proposal_answer::Entity::delete_many()
            .filter(proposal_answer::Column::ProposalId.eq(p.id.0))
            .exec(db)
            .await
            .map_err(internal)?;
        proposal_milestone::Entity::delete_many()
            .filter(proposal_milestone::Column::ProposalId.eq(p.id.0))
            .exec(db)
            .await
            .map_err(internal)?;
    }
    let (answers, milestones) = list_rows(p);
    if !answers.is_empty() {
        proposal_answer::Entity::insert_many(answers)
            .exec_without_returning(db)
            .await
            .map_err(internal)?;
    }
    if !milestones.is_empty() {
        proposal_milestone::Entity::insert_many(milestones)
            .exec_without_returning(db)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

pub(crate) fn change_row(c: &ProposalChange) -> proposal_change::ActiveModel {
    proposal_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        proposal_id: Set(c.proposal_id.0),
        at: Set(c.at),
        actor_id: Set(c.actor.map(|a| a.0)),
        kind: Set(c.kind.key().to_owned()),
        status: Set(c.status.key().to_owned()),
        stage_id: Set(c.status.stage().map(|s| s.0)),
        stage_name: Set(c.stage_name.clone()),
        reason: Set(c.reason.clone()),
    }
}

pub(crate) fn to_change(row: proposal_change::Model) -> DomainResult<ProposalChange> {
    let kind = ChangeKind::from_key(&row.kind).ok_or_else(|| corrupt("change kind"))?;
    let status = ProposalStatus::from_parts(&row.status, row.stage_id.map(StageId))
        .ok_or_else(|| corrupt("change status"))?;
    Ok(ProposalChange {
        proposal_id: ProposalId(row.proposal_id),
        at: row.at,
        actor: row.actor_id.map(UserId),
        kind,
        status,
        stage_name: row.stage_name,
        reason: row.reason,
    })
}

/// A proposal's status and stage, read in one statement.
#[derive(FromQueryResult)]
struct StatusRow {
    id: Uuid,
    status: String,
    stage_id: Option<Uuid>,
}

/// Reads `rows` back as proposals, with their answers, milestones and stages: three
/// more statements for any number, in the order of `rows`. The status and stage are
/// those of the last of these statements (a proposal that moved meanwhile reads as
/// it is now; writes compare its version, so they notice).
pub(crate) async fn assemble(
    db: &impl ConnectionTrait,
    rows: Vec<proposal::Model>,
) -> DomainResult<Vec<Proposal>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut answers: HashMap<Uuid, Vec<Answer>> = HashMap::new();
    for a in proposal_answer::Entity::find()
        .filter(proposal_answer::Column::ProposalId.is_in(ids.clone()))
        .order_by_asc(proposal_answer::Column::ProposalId)
        .order_by_asc(proposal_answer::Column::Position)
        .all(db)
        .await
        .map_err(internal)?
    {
        let kind = parse_question_kind(&a.kind).ok_or_else(|| corrupt("answer kind"))?;
        let value = match (kind, a.text_value, a.yes_value, a.link_value) {
            (QuestionKind::Text, Some(t), None, None) => AnswerValue::Text(t),
            (QuestionKind::YesNo, None, Some(y), None) => AnswerValue::YesNo(y),
            (QuestionKind::Link, None, None, Some(l)) => AnswerValue::Link(l),
            _ => return Err(corrupt("answer value")),
        };
        answers.entry(a.proposal_id).or_default().push(Answer {
            question_id: a.question_id,
            prompt: a.prompt,
            value,
        });
    }
    let mut milestones: HashMap<Uuid, Vec<(i32, String, i64)>> = HashMap::new();
    for m in proposal_milestone::Entity::find()
        .filter(proposal_milestone::Column::ProposalId.is_in(ids.clone()))
        .order_by_asc(proposal_milestone::Column::ProposalId)
        .order_by_asc(proposal_milestone::Column::Position)
        .all(db)
        .await
        .map_err(internal)?
    {
        milestones
            .entry(m.proposal_id)
            .or_default()
            .push((m.position, m.title, m.amount_minor));
    }
    // A proposal's status and its stage (another table) are read together, in one
    // statement: read apart, a move between the two reads (OFFERED to HIRED drops the
    // stage) would pair a status with another moment's stage.
    let mut sql = Sql::new(db.get_database_backend());
    let list = sql.list(&ids);
    sql.push(&format!(
        "SELECT p.id, p.status, s.stage_id FROM proposals p \
         LEFT JOIN proposal_stages s ON s.proposal_id = p.id WHERE p.id IN ({list})"
    ));
    let states: HashMap<Uuid, (String, Option<Uuid>)> =
        StatusRow::find_by_statement(sql.statement())
            .all(db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|s| (s.id, (s.status, s.stage_id)))
            .collect();
    rows.into_iter()
        .map(|r| {
            let currency = Currency::parse(&r.bid_currency).map_err(|_| corrupt("currency"))?;
            let (status, stage) = states
                .get(&r.id)
                .map_or((r.status.as_str(), None), |(s, st)| (s.as_str(), *st));
            let status = ProposalStatus::from_parts(status, stage.map(StageId))
                .ok_or_else(|| corrupt("status"))?;
            Ok(Proposal {
                id: ProposalId(r.id),
                posting_id: PostingId(r.posting_id),
                freelancer_id: UserId(r.freelancer_id),
                agency_id: r.agency_id.map(AgencyId),
                status,
                status_reason: r.status_reason,
                terms: ProposalTerms {
                    cover_letter: r.cover_letter,
                    bid: Money {
                        amount_minor: r.bid_amount_minor,
                        currency,
                    },
                    bid_kind: parse_budget_kind(&r.bid_kind).ok_or_else(|| corrupt("bid kind"))?,
                    duration_days: r.duration_days,
                    answers: answers.remove(&r.id).unwrap_or_default(),
                    milestones: milestones
                        .remove(&r.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(_, title, amount_minor)| Milestone {
                            title,
                            amount: Money {
                                amount_minor,
                                currency,
                            },
                        })
                        .collect(),
                },
                match_score: u8::try_from(r.match_score).map_err(|_| corrupt("match score"))?,
                scorecard_score: r.scorecard_score,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
                first_viewed_at: r.first_viewed_at,
            })
        })
        .collect()
}

/// The proposal row's columns a change writes (not its identity or creation; the first
/// view only when the change records it, never clearing one).
pub(crate) fn changed_columns(p: &Proposal, version: i64) -> proposal::ActiveModel {
    proposal::ActiveModel {
        id: NotSet,
        posting_id: NotSet,
        freelancer_id: NotSet,
        agency_id: NotSet,
        created_at: NotSet,
        // Kept by the scorecards' writes alone.
        scorecard_score: NotSet,
        version: Set(version),
        ..row(p)
    }
}
