//! The contract repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set:
//! offers read back whole, one PENDING offer per proposal, twenty concurrent accepts
//! making one contract, the last position filling the posting (its other proposals
//! closed, their offers withdrawn), a withdrawal declining its offer, milestone money
//! through escrow (stale writes, taken keys and overdrafts writing nothing, the
//! database's own CHECK), concurrent escrow writers numbered without gaps, contracts
//! not ending while money is held, ledger pages newest first, balances in one
//! statement, and the migration going down and up again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, TimeDelta, Utc};
use domain::UserId;
use domain::contracts::{
    AcceptOutcome, AcceptWrite, Account, Contract, ContractChange, ContractChangeKind, ContractId,
    ContractRepository, ContractStatus, ContractWrite, FeeRate, IdempotencyKey, KeyRecord,
    LedgerTransaction, Milestone, MilestoneAdd, MilestoneId, MilestonePlan, MilestoneStatus,
    MilestoneWrite, MoneyWrite, Movement, Offer, OfferId, OfferStatus, ProposalStep, Terms,
    TransactionId, TransactionKind,
};
use domain::money::{Currency, Money};
use domain::pagination::PageRequest;
use domain::postings::{
    Budget, CloseReason, Posting, PostingEvent, PostingRepository, PostingStatus,
};
use domain::proposals::{
    ChangeKind, Proposal, ProposalChange, ProposalId, ProposalRepository, ProposalStatus, Stage,
    StageId,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use crate::contract_rows::{contract_at_rest, milestone_at_rest, offer_at_rest};
use crate::entities::contract;
use crate::interviews_repo_tests::stored_stages;
use crate::postings_repo_tests::{client, full_posting};
use crate::proposal_messages_repo_tests::proposal_row;
use crate::search_sql::Sql;
use crate::testing::{TestDatabase, backends};
use crate::{Db, SeaContractRepository, SeaPostingRepository, SeaProposalRepository};

pub(crate) fn usd(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: Currency::parse("USD").unwrap(),
    }
}

/// An open fixed-price posting of a new client's for `positions` people, with its
/// pipeline stored: the posting (as stored), its client and its stages.
pub(crate) async fn posting_with(db: &Db, positions: u16) -> (Posting, UserId, Vec<Stage>) {
    let owner = client(db, "owner").await;
    let posting = Posting {
        deadline: None,
        positions,
        ..full_posting(owner, Budget::Fixed(usd(500_000)))
    };
    let repo = SeaPostingRepository::new(db);
    repo.create(&posting).await.unwrap();
    let stages = stored_stages(db, &posting).await;
    let stored = repo.by_ids(&[posting.id]).await.unwrap().remove(0);
    (stored, owner, stages)
}

async fn proposal(db: &Db, id: ProposalId) -> Proposal {
    SeaProposalRepository::new(db)
        .by_ids(&[id])
        .await
        .unwrap()
        .remove(0)
}

/// `p` moved to `status` as the services would store it: the proposal, the version it
/// was read at and the history entry.
fn step(p: &Proposal, status: ProposalStatus, kind: ChangeKind, actor: UserId) -> ProposalStep {
    let now = Utc::now();
    ProposalStep {
        proposal: Proposal {
            status,
            updated_at: now,
            ..p.clone()
        },
        expected: p.version,
        change: ProposalChange {
            proposal_id: p.id,
            at: now,
            actor: Some(actor),
            kind,
            status,
            stage_name: None,
            reason: None,
        },
    }
}

/// A new freelancer's proposal on `posting`, in `stage`.
pub(crate) async fn in_stage(db: &Db, posting: &Posting, stage: &Stage, name: &str) -> Proposal {
    let freelancer = client(db, name).await;
    let p = proposal(db, proposal_row(db, posting, freelancer).await).await;
    let s = step(
        &p,
        ProposalStatus::InEvaluation(stage.id),
        ChangeKind::Moved,
        posting.client_id,
    );
    SeaProposalRepository::new(db)
        .save(&s.proposal, s.expected, &s.change, false)
        .await
        .unwrap()
        .unwrap()
}

/// A fixed-price offer of 1,000.00 USD in two milestones on `p`, made from `stage`.
pub(crate) fn fixed_offer(posting: &Posting, p: &Proposal, stage: StageId) -> Offer {
    let now = Utc::now();
    let plan = |title: &str, amount, due_on| MilestonePlan {
        title: title.into(),
        description: Some(format!("{title}: the whole of it")),
        amount: usd(amount),
        due_on,
    };
    Offer {
        id: OfferId(Uuid::now_v7()),
        proposal_id: p.id,
        posting_id: posting.id,
        client_id: posting.client_id,
        freelancer_id: p.freelancer_id,
        agency_id: None,
        stage_id: stage,
        title: "Payments ledger in Rust".into(),
        message: Some("Looking forward to it.".into()),
        terms: Terms::Fixed {
            total: usd(100_000),
        },
        milestones: vec![
            plan("Design", 40_000, NaiveDate::from_ymd_opt(2030, 1, 31)),
            plan("Build", 60_000, None),
        ],
        status: OfferStatus::Pending,
        status_reason: None,
        expires_at: now + TimeDelta::days(7),
        created_at: now,
        updated_at: now,
        contract_id: None,
    }
}

/// Makes `offer` on `p` (in its stage): the proposal as stored after it.
pub(crate) async fn make_offer(db: &Db, p: &Proposal, offer: &Offer) -> Proposal {
    let s = step(
        p,
        ProposalStatus::Offered(offer.stage_id),
        ChangeKind::Offered,
        offer.client_id,
    );
    let repo = SeaContractRepository::new(db);
    assert!(repo.create_offer(offer, &s).await.unwrap(), "offer made");
    proposal(db, p.id).await
}

/// What accepting `offer` (its proposal at `p`) writes, as the service builds it.
pub(crate) fn accept_write(offer: &Offer, p: &Proposal, positions: u16) -> AcceptWrite {
    let now = Utc::now();
    let id = ContractId(Uuid::now_v7());
    let contract = Contract {
        id,
        offer_id: offer.id,
        proposal_id: offer.proposal_id,
        posting_id: offer.posting_id,
        client_id: offer.client_id,
        freelancer_id: offer.freelancer_id,
        agency_id: offer.agency_id,
        title: offer.title.clone(),
        terms: offer.terms.clone(),
        next_weekly_limit: None,
        status: ContractStatus::Active,
        end_reason: None,
        ended_by: None,
        version: 1,
        started_at: now,
        updated_at: now,
        ended_at: None,
    };
    let milestones = offer
        .milestones
        .iter()
        .zip(1..)
        .map(|(plan, position)| Milestone {
            id: MilestoneId(Uuid::now_v7()),
            contract_id: id,
            position,
            title: plan.title.clone(),
            description: plan.description.clone(),
            amount: plan.amount,
            due_on: plan.due_on,
            status: MilestoneStatus::Pending,
            submission_note: None,
            changes_requested: None,
            refund_reason: None,
            funded_at: None,
            submitted_at: None,
            released_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    AcceptWrite {
        offer: Offer {
            status: OfferStatus::Accepted,
            updated_at: now,
            contract_id: Some(id),
            ..offer.clone()
        },
        proposal: step(
            p,
            ProposalStatus::Hired,
            ChangeKind::Hired,
            offer.freelancer_id,
        ),
        contract,
        milestones,
        change: ContractChange {
            contract_id: id,
            at: now,
            actor: Some(offer.freelancer_id),
            kind: ContractChangeKind::Started,
            status: ContractStatus::Active,
            detail: None,
        },
        positions,
        now,
    }
}

/// A contract from an accepted fixed-price offer with a milestone per amount (in
/// cents): the contract and its milestones.
pub(crate) async fn hired(db: &Db, amounts: &[i64]) -> (Contract, Vec<Milestone>) {
    let (posting, _, stages) = posting_with(db, 2).await;
    let p = in_stage(db, &posting, &stages[1], "fay").await;
    let mut offer = fixed_offer(&posting, &p, stages[1].id);
    offer.terms = Terms::Fixed {
        total: usd(amounts.iter().sum()),
    };
    offer.milestones = amounts
        .iter()
        .map(|a| MilestonePlan {
            title: format!("Part worth {a}"),
            description: None,
            amount: usd(*a),
            due_on: None,
        })
        .collect();
    let p = make_offer(db, &p, &offer).await;
    let write = accept_write(&offer, &p, 2);
    let outcome = SeaContractRepository::new(db)
        .accept_offer(&write)
        .await
        .unwrap();
    let AcceptOutcome::Accepted { contract, .. } = outcome else {
        panic!("not accepted: {outcome:?}");
    };
    let milestones = write.milestones.iter().map(milestone_at_rest).collect();
    (*contract, milestones)
}

pub(crate) fn movement(c: &Contract, m: Option<&Milestone>) -> Movement {
    Movement {
        id: TransactionId(Uuid::now_v7()),
        contract_id: c.id,
        milestone_id: m.map(|m| m.id),
        actor: Some(c.client_id),
        provider_reference: Some(format!("sandbox-{}", Uuid::now_v7().simple())),
        memo: None,
        at: Utc::now(),
    }
}

pub(crate) fn key(user: UserId, name: &str, target: Uuid, t: &LedgerTransaction) -> KeyRecord {
    KeyRecord {
        user_id: user,
        key: IdempotencyKey::parse(name).unwrap(),
        fingerprint: format!("fund\u{1f}{target}"),
        target,
        transaction_id: t.id,
        created_at: Utc::now(),
    }
}

/// `m` moved to `status` (version + 1), with its money and key.
fn moved(
    m: &Milestone,
    status: MilestoneStatus,
    transaction: Option<LedgerTransaction>,
    key: Option<KeyRecord>,
) -> MilestoneWrite {
    let now = Utc::now();
    MilestoneWrite {
        milestone: Milestone {
            status,
            funded_at: if status == MilestoneStatus::Funded {
                Some(now)
            } else {
                m.funded_at
            },
            submitted_at: if status == MilestoneStatus::Submitted {
                Some(now)
            } else {
                m.submitted_at
            },
            released_at: if status == MilestoneStatus::Released {
                Some(now)
            } else {
                m.released_at
            },
            version: m.version + 1,
            updated_at: now,
            ..m.clone()
        },
        expected: m.version,
        contract_in: vec![ContractStatus::Active, ContractStatus::Paused],
        transaction,
        key,
    }
}

/// Funds `m` with key `name`: the milestone as stored and the transaction.
async fn fund(
    repo: &SeaContractRepository,
    c: &Contract,
    m: &Milestone,
    name: &str,
) -> (Milestone, LedgerTransaction) {
    let t = movement(c, Some(m)).fund(c.client_id, m.amount);
    let write = moved(
        m,
        MilestoneStatus::Funded,
        Some(t.clone()),
        Some(key(c.client_id, name, m.id.0, &t)),
    );
    assert_eq!(
        repo.save_milestone(&write).await.unwrap(),
        MoneyWrite::Written
    );
    (milestone_at_rest(&write.milestone), t)
}

/// The balance of `account` among `owners`' (0 without entries).
pub(crate) async fn balance(
    repo: &SeaContractRepository,
    owners: &[Uuid],
    account: Account,
) -> i64 {
    repo.balances(owners)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.account == account)
        .map_or(0, |b| b.amount_minor)
}

/// The numbers of rows of the money tables: transactions, entries, keys, accounts.
pub(crate) async fn money_rows(guard: &TestDatabase) -> [i64; 4] {
    [
        guard
            .count("SELECT COUNT(*) FROM ledger_transactions")
            .await,
        guard.count("SELECT COUNT(*) FROM ledger_entries").await,
        guard.count("SELECT COUNT(*) FROM idempotency_keys").await,
        guard.count("SELECT COUNT(*) FROM ledger_accounts").await,
    ]
}

#[tokio::test]
async fn an_offer_reads_back_whole_and_a_proposal_has_one_pending_offer_at_a_time() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (posting, owner, stages) = posting_with(&db, 2).await;
        let stage = stages[1].id;
        let p = in_stage(&db, &posting, &stages[1], "fay").await;
        let other = in_stage(&db, &posting, &stages[1], "gus").await;
        let first = fixed_offer(&posting, &p, stage);
        let offered = make_offer(&db, &p, &first).await;
        assert_eq!(offered.status, ProposalStatus::Offered(stage));
        assert_eq!(offered.version, p.version + 1);
        let read = repo
            .offers(&[first.id, OfferId(Uuid::now_v7())])
            .await
            .unwrap();
        assert_eq!(
            read,
            vec![offer_at_rest(&first)],
            "{backend:?}: read as written"
        );
        let history = SeaProposalRepository::new(&db)
            .histories(&[p.id])
            .await
            .unwrap();
        assert_eq!(
            history[&p.id].last().map(|c| c.kind),
            Some(ChangeKind::Offered)
        );

        // A second PENDING offer on the proposal: refused by the partial unique index,
        // the proposal's step rolled back with it.
        let second = fixed_offer(&posting, &offered, stage);
        let s = step(
            &offered,
            ProposalStatus::Offered(stage),
            ChangeKind::Offered,
            owner,
        );
        assert!(
            !repo.create_offer(&second, &s).await.unwrap(),
            "{backend:?}"
        );
        assert_eq!(guard.count("SELECT COUNT(*) FROM offers").await, 1);
        assert_eq!(proposal(&db, p.id).await.version, offered.version);
        // A step from a version that moved on: refused as well.
        let stale = step(
            &p,
            ProposalStatus::Offered(stage),
            ChangeKind::Offered,
            owner,
        );
        let third = fixed_offer(&posting, &p, stage);
        assert!(!repo.create_offer(&third, &stale).await.unwrap());

        // The client withdraws it: the proposal is back in its stage.
        let withdrawn = Offer {
            status: OfferStatus::Withdrawn,
            status_reason: Some("budget moved".into()),
            updated_at: Utc::now(),
            ..first.clone()
        };
        let back = step(
            &offered,
            ProposalStatus::InEvaluation(stage),
            ChangeKind::OfferEnded,
            owner,
        );
        assert!(repo.end_offer(&withdrawn, &back).await.unwrap());
        assert!(
            !repo.end_offer(&withdrawn, &back).await.unwrap(),
            "once only"
        );
        let returned = proposal(&db, p.id).await;
        assert_eq!(returned.status, ProposalStatus::InEvaluation(stage));
        assert_eq!(
            repo.offers(&[first.id]).await.unwrap(),
            vec![offer_at_rest(&withdrawn)]
        );
        // With none PENDING, a new one may be made; the proposal's offers newest first,
        // in two statements for any number of proposals.
        let again = fixed_offer(&posting, &returned, stage);
        make_offer(&db, &returned, &again).await;
        let (counting, counter) = guard.counting_pool().await;
        let before = counter.get();
        let found = SeaContractRepository::new(&counting)
            .offers_of_proposals(&[p.id, other.id, ProposalId(Uuid::now_v7())])
            .await
            .unwrap();
        assert_eq!(counter.get() - before, 2, "{backend:?}");
        let ids: Vec<OfferId> = found[&p.id].iter().map(|o| o.id).collect();
        assert_eq!(ids, [again.id, first.id]);
        assert_eq!(found[&p.id][1].milestones.len(), 2);
        assert!(!found.contains_key(&other.id));
    }
}

#[tokio::test]
async fn an_expired_offer_is_found_by_the_job_and_cannot_be_accepted() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (posting, _, stages) = posting_with(&db, 2).await;
        let p = in_stage(&db, &posting, &stages[1], "fay").await;
        let offer = Offer {
            expires_at: Utc::now() - TimeDelta::minutes(1),
            ..fixed_offer(&posting, &p, stages[1].id)
        };
        let p = make_offer(&db, &p, &offer).await;
        let due = repo.expired_offers(Utc::now(), 10).await.unwrap();
        assert_eq!(due, vec![offer_at_rest(&offer)], "{backend:?}");
        assert!(
            repo.expired_offers(offer.expires_at - TimeDelta::seconds(1), 10)
                .await
                .unwrap()
                .is_empty()
        );
        let write = accept_write(&offer, &p, 2);
        assert_eq!(
            repo.accept_offer(&write).await.unwrap(),
            AcceptOutcome::Stale
        );
        assert_eq!(guard.count("SELECT COUNT(*) FROM contracts").await, 0);
        assert_eq!(proposal(&db, p.id).await.status, p.status, "rolled back");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_accepts_of_one_offer_make_one_contract() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (posting, _, stages) = posting_with(&db, 2).await;
        let p = in_stage(&db, &posting, &stages[1], "fay").await;
        let offer = fixed_offer(&posting, &p, stages[1].id);
        let p = make_offer(&db, &p, &offer).await;
        // Each attempt as its own service call builds it: a contract ID of its own.
        let writes: Vec<AcceptWrite> = (0..20).map(|_| accept_write(&offer, &p, 2)).collect();
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(writes.len()));
        let racers: Vec<_> = writes
            .into_iter()
            .map(|w| {
                let (repo, start) = (repo.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    repo.accept_offer(&w).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for racer in racers {
            results.push(racer.await.unwrap());
        }
        let winners: Vec<&Contract> = results
            .iter()
            .filter_map(|r| match r {
                Ok(AcceptOutcome::Accepted {
                    contract,
                    posting_filled: false,
                }) => Some(contract.as_ref()),
                _ => None,
            })
            .collect();
        let stale = results
            .iter()
            .filter(|r| matches!(r, Ok(AcceptOutcome::Stale)))
            .count();
        assert_eq!((winners.len(), stale), (1, 19), "{backend:?}: {results:?}");
        assert_eq!(guard.count("SELECT COUNT(*) FROM contracts").await, 1);
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM contract_milestones")
                .await,
            2
        );
        assert_eq!(
            guard.count("SELECT COUNT(*) FROM contract_changes").await,
            1
        );
        let contract = winners[0];
        assert_eq!(
            repo.contracts(&[contract.id]).await.unwrap(),
            vec![contract.clone()],
            "read as returned"
        );
        let stored = repo.offers(&[offer.id]).await.unwrap().remove(0);
        assert_eq!(
            (stored.status, stored.contract_id),
            (OfferStatus::Accepted, Some(contract.id))
        );
        assert_eq!(proposal(&db, p.id).await.status, ProposalStatus::Hired);
        let milestones = repo.milestones_of(&[contract.id]).await.unwrap();
        let positions: Vec<u32> = milestones[&contract.id]
            .iter()
            .map(|m| m.position)
            .collect();
        assert_eq!(positions, [1, 2]);
        let history = repo.histories(&[contract.id]).await.unwrap();
        assert_eq!(history[&contract.id].len(), 1);
        assert_eq!(history[&contract.id][0].kind, ContractChangeKind::Started);
    }
}

#[tokio::test]
async fn the_last_position_fills_the_posting_closing_its_proposals_and_their_offers() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (posting, owner, stages) = posting_with(&db, 1).await;
        let p1 = in_stage(&db, &posting, &stages[1], "fay").await;
        let p2 = in_stage(&db, &posting, &stages[1], "gus").await;
        let p3 = proposal(
            &db,
            proposal_row(&db, &posting, client(&db, "hal").await).await,
        )
        .await;
        let o1 = fixed_offer(&posting, &p1, stages[1].id);
        let o2 = fixed_offer(&posting, &p2, stages[1].id);
        let p1 = make_offer(&db, &p1, &o1).await;
        make_offer(&db, &p2, &o2).await;
        let outcome = repo.accept_offer(&accept_write(&o1, &p1, 1)).await.unwrap();
        assert!(
            matches!(
                outcome,
                AcceptOutcome::Accepted {
                    posting_filled: true,
                    ..
                }
            ),
            "{backend:?}: {outcome:?}"
        );
        let postings = SeaPostingRepository::new(&db);
        let filled = postings.by_ids(&[posting.id]).await.unwrap().remove(0);
        assert_eq!(filled.status, PostingStatus::Closed(CloseReason::Filled));
        assert_eq!(filled.version, posting.version + 1);
        let revisions = postings.revisions(&[posting.id]).await.unwrap();
        let last = revisions[&posting.id].last().unwrap();
        assert_eq!(
            (last.event, last.actor, last.version),
            (
                Some(PostingEvent::Close(CloseReason::Filled)),
                Some(owner),
                posting.version
            )
        );
        assert_eq!(last.before, posting, "the posting as it was");
        assert_eq!(proposal(&db, p1.id).await.status, ProposalStatus::Hired);
        let histories = SeaProposalRepository::new(&db)
            .histories(&[p2.id, p3.id])
            .await
            .unwrap();
        for p in [p2.id, p3.id] {
            assert_eq!(proposal(&db, p).await.status, ProposalStatus::Closed);
            let last = histories[&p].last().unwrap();
            assert_eq!((last.kind, last.actor), (ChangeKind::Closed, Some(owner)));
        }
        let ended = repo.offers(&[o2.id]).await.unwrap().remove(0);
        assert_eq!(
            (ended.status, ended.status_reason.as_deref()),
            (OfferStatus::Withdrawn, Some("the posting closed"))
        );
    }
}

#[tokio::test]
async fn withdrawing_a_proposal_declines_its_pending_offer() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (posting, _, stages) = posting_with(&db, 2).await;
        let p = in_stage(&db, &posting, &stages[1], "fay").await;
        let offer = fixed_offer(&posting, &p, stages[1].id);
        let p = make_offer(&db, &p, &offer).await;
        let mut s = step(
            &p,
            ProposalStatus::Withdrawn,
            ChangeKind::Withdrawn,
            p.freelancer_id,
        );
        s.proposal.status_reason = Some("took another job".into());
        SeaProposalRepository::new(&db)
            .save(&s.proposal, s.expected, &s.change, false)
            .await
            .unwrap()
            .unwrap();
        let ended = repo.offers(&[offer.id]).await.unwrap().remove(0);
        assert_eq!(
            (ended.status, ended.status_reason.as_deref()),
            (OfferStatus::Declined, Some("took another job")),
            "{backend:?}"
        );
        assert_eq!(
            ended.updated_at,
            crate::posting_rows::at_rest(s.proposal.updated_at)
        );
    }
}

#[tokio::test]
async fn milestone_money_moves_through_escrow_once_and_never_below_zero() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (c, ms) = hired(&db, &[40_000, 60_000]).await;
        let (m1, m2) = (&ms[0], &ms[1]);
        let usd_ = m1.amount.currency;
        let escrow = Account::escrow(c.id, usd_);
        let funding = Account::client_funding(c.client_id, usd_);

        // Fund: balanced, escrow holds the amount, the client paid it in.
        let (m1, t) = fund(&repo, &c, m1, "fund-m1-key").await;
        let stored = repo.transactions(&[t.id]).await.unwrap();
        assert_eq!(
            stored,
            vec![LedgerTransaction {
                at: crate::posting_rows::at_rest(t.at),
                ..t.clone()
            }],
            "{backend:?}"
        );
        assert_eq!(stored[0].sum(), 0);
        assert_eq!(balance(&repo, &[c.id.0], escrow).await, 40_000);
        assert_eq!(balance(&repo, &[c.client_id.0], funding).await, -40_000);
        assert_eq!(repo.milestones(&[m1.id]).await.unwrap(), vec![m1.clone()]);
        let after_fund = money_rows(&guard).await;
        assert_eq!(after_fund, [1, 2, 1, 2]);

        // The same change again, from the version that moved on: stale, nothing written.
        let again = movement(&c, Some(&ms[0])).fund(c.client_id, ms[0].amount);
        let stale = moved(
            &ms[0],
            MilestoneStatus::Funded,
            Some(again.clone()),
            Some(key(c.client_id, "fund-m1-retry", ms[0].id.0, &again)),
        );
        assert_eq!(
            repo.save_milestone(&stale).await.unwrap(),
            MoneyWrite::Stale
        );
        assert_eq!(money_rows(&guard).await, after_fund);

        // The key again, for another milestone: taken, and nothing of it written.
        let other = movement(&c, Some(m2)).fund(c.client_id, m2.amount);
        let taken = moved(
            m2,
            MilestoneStatus::Funded,
            Some(other.clone()),
            Some(key(c.client_id, "fund-m1-key", m2.id.0, &other)),
        );
        assert_eq!(
            repo.save_milestone(&taken).await.unwrap(),
            MoneyWrite::KeyTaken
        );
        assert_eq!(money_rows(&guard).await, after_fund);
        assert_eq!(repo.milestones(&[m2.id]).await.unwrap(), vec![m2.clone()]);
        let record = repo
            .key_record(c.client_id, &IdempotencyKey::parse("fund-m1-key").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((record.target, record.transaction_id), (m1.id.0, t.id));

        // Submitted (no money), found by the automatic release, then released: escrow
        // empty, the freelancer earns the amount less the fee.
        let submitted = moved(&m1, MilestoneStatus::Submitted, None, None);
        assert_eq!(
            repo.save_milestone(&submitted).await.unwrap(),
            MoneyWrite::Written
        );
        let m1 = milestone_at_rest(&submitted.milestone);
        let at = m1.submitted_at.unwrap();
        assert_eq!(
            repo.submitted_before(at, 10).await.unwrap(),
            vec![m1.clone()]
        );
        assert!(
            repo.submitted_before(at - TimeDelta::seconds(1), 10)
                .await
                .unwrap()
                .is_empty()
        );
        let release = movement(&c, Some(&m1)).release(
            TransactionKind::Release,
            c.freelancer_id,
            m1.amount,
            FeeRate::default(),
        );
        let released = moved(
            &m1,
            MilestoneStatus::Released,
            Some(release.clone()),
            Some(key(c.client_id, "approve-m1-key", m1.id.0, &release)),
        );
        assert_eq!(
            repo.save_milestone(&released).await.unwrap(),
            MoneyWrite::Written
        );
        let owners = [c.id.0, c.freelancer_id.0];
        assert_eq!(balance(&repo, &owners, escrow).await, 0);
        assert_eq!(
            balance(&repo, &owners, Account::earnings(c.freelancer_id, usd_)).await,
            36_000
        );
        let fee = Account::platform_fee(usd_);
        assert_eq!(
            guard
                .count(&format!(
                    "SELECT COUNT(*) FROM ledger_accounts WHERE key = '{}'",
                    fee.key()
                ))
                .await,
            1
        );
        // Escrow entries numbered 1, 2 with the balance after each; others unnumbered.
        assert_eq!(
            guard
                .count(
                    "SELECT COUNT(*) FROM ledger_entries WHERE (escrow_seq = 1 AND \
                     escrow_balance_after = 40000) OR (escrow_seq = 2 AND \
                     escrow_balance_after = 0)"
                )
                .await,
            2
        );
        assert_eq!(
            guard
                .count("SELECT COUNT(*) FROM ledger_entries WHERE escrow_seq IS NULL")
                .await,
            3
        );

        // A forged debit of escrow beyond its balance: refused, nothing written.
        fund(&repo, &c, m2, "fund-m2-key").await;
        let before = money_rows(&guard).await;
        let forged = movement(&c, None).refund(c.client_id, usd(60_001));
        let record = key(c.client_id, "forged-key", c.id.0, &forged);
        let refused = repo
            .record_payment(&forged, &record, &[ContractStatus::Active])
            .await;
        assert!(refused.is_err(), "{backend:?}: {refused:?}");
        assert_eq!(money_rows(&guard).await, before);
        assert_eq!(balance(&repo, &[c.id.0], escrow).await, 60_000);
        // ... and an unbalanced one is refused before anything is read.
        let mut unbalanced = movement(&c, None).fund(c.client_id, usd(10));
        unbalanced.entries[1].amount_minor = 9;
        let record = key(c.client_id, "unbalanced-key", c.id.0, &unbalanced);
        assert!(
            repo.record_payment(&unbalanced, &record, &[ContractStatus::Active])
                .await
                .is_err()
        );
        assert_eq!(money_rows(&guard).await, before);

        // The database itself refuses a negative escrow balance: the same row with a
        // balance of 0 goes in (and is rolled back), with -1 it does not.
        let insert = |after: i64| {
            let mut sql = Sql::new(db.connection().get_database_backend());
            let values = [
                sql.bind(Uuid::now_v7()),
                sql.bind(t.id.0),
                sql.bind(escrow.id()),
                sql.bind(-1_i64),
                sql.bind(99_i64),
                sql.bind(after),
                sql.bind(0_i16),
            ]
            .join(", ");
            sql.push(&format!(
                "INSERT INTO ledger_entries (id, transaction_id, account_id, amount_minor, \
                 escrow_seq, escrow_balance_after, position) VALUES ({values})"
            ));
            sql.statement()
        };
        let txn = db.connection().begin().await.unwrap();
        txn.execute_raw(insert(0)).await.unwrap();
        txn.rollback().await.unwrap();
        let err = db
            .connection()
            .execute_raw(insert(-1))
            .await
            .unwrap_err()
            .to_string()
            .to_lowercase();
        assert!(err.contains("check"), "{backend:?}: {err}");
        assert_eq!(money_rows(&guard).await, before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_funds_of_one_contract_number_its_escrow_without_gaps() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let amounts: Vec<i64> = (1..=10).map(|i| i * 1_000).collect();
        let (c, ms) = hired(&db, &amounts).await;
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(ms.len()));
        let racers: Vec<_> = ms
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let (repo, start, c, m) = (repo.clone(), start.clone(), c.clone(), m.clone());
                tokio::spawn(async move {
                    let t = movement(&c, Some(&m)).fund(c.client_id, m.amount);
                    let record = key(c.client_id, &format!("fund-key-{i}"), m.id.0, &t);
                    let write = moved(&m, MilestoneStatus::Funded, Some(t), Some(record));
                    start.wait().await;
                    repo.save_milestone(&write).await
                })
            })
            .collect();
        for racer in racers {
            assert_eq!(
                racer.await.unwrap().unwrap(),
                MoneyWrite::Written,
                "{backend:?}"
            );
        }
        let escrow = Account::escrow(c.id, ms[0].amount.currency);
        assert_eq!(
            balance(&repo, &[c.id.0], escrow).await,
            amounts.iter().sum::<i64>()
        );
        assert_eq!(
            guard
                .count(
                    "SELECT COUNT(DISTINCT escrow_seq) FROM ledger_entries \
                     WHERE escrow_seq BETWEEN 1 AND 10"
                )
                .await,
            10
        );
        assert_eq!(
            guard
                .count("SELECT escrow_balance_after FROM ledger_entries WHERE escrow_seq = 10")
                .await,
            amounts.iter().sum::<i64>(),
            "the last number holds the whole"
        );
    }
}

#[tokio::test]
async fn a_contract_does_not_end_while_money_is_held_and_ending_cancels_pending_milestones() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (c, ms) = hired(&db, &[40_000, 60_000]).await;
        // A third milestone, added at the end.
        let now = Utc::now();
        let extra = Milestone {
            id: MilestoneId(Uuid::now_v7()),
            position: 0,
            title: "Docs".into(),
            amount: usd(5_000),
            created_at: now,
            updated_at: now,
            ..ms[1].clone()
        };
        let change = |kind, status| ContractChange {
            contract_id: c.id,
            at: Utc::now(),
            actor: Some(c.client_id),
            kind,
            status,
            detail: None,
        };
        let added = repo
            .add_milestone(
                &extra,
                &change(ContractChangeKind::MilestoneAdded, ContractStatus::Active),
            )
            .await
            .unwrap();
        let MilestoneAdd::Added(added) = added else {
            panic!("{backend:?}: not added: {added:?}");
        };
        assert_eq!(added.position, 3, "{backend:?}");
        assert_eq!(repo.milestones(&[extra.id]).await.unwrap(), vec![*added]);

        let (m1, _) = fund(&repo, &c, &ms[0], "fund-m1-key").await;
        let ended = Contract {
            status: ContractStatus::Ended,
            end_reason: Some("done early".into()),
            ended_by: Some(c.client_id),
            ended_at: Some(Utc::now()),
            updated_at: Utc::now(),
            ..c.clone()
        };
        let end = change(ContractChangeKind::Ended, ContractStatus::Ended);
        assert_eq!(
            repo.save_contract(&ended, c.version, &end).await.unwrap(),
            ContractWrite::MoneyHeld(1)
        );
        assert_eq!(repo.contracts(&[c.id]).await.unwrap(), vec![c.clone()]);

        // Refunded, it ends; its PENDING milestones are cancelled with it.
        let refund = movement(&c, Some(&m1)).refund(c.client_id, m1.amount);
        let write = moved(
            &m1,
            MilestoneStatus::Refunded,
            Some(refund.clone()),
            Some(key(c.client_id, "refund-m1-key", m1.id.0, &refund)),
        );
        assert_eq!(
            repo.save_milestone(&write).await.unwrap(),
            MoneyWrite::Written
        );
        let written = repo.save_contract(&ended, c.version, &end).await.unwrap();
        let expected = Contract {
            version: c.version + 1,
            ..contract_at_rest(&ended)
        };
        assert_eq!(written, ContractWrite::Written(Box::new(expected.clone())));
        assert_eq!(repo.contracts(&[c.id]).await.unwrap(), vec![expected]);
        assert_eq!(
            repo.save_contract(&ended, c.version, &end).await.unwrap(),
            ContractWrite::Stale
        );
        let all = repo
            .milestones_of(&[c.id])
            .await
            .unwrap()
            .remove(&c.id)
            .unwrap();
        let states: Vec<(MilestoneStatus, i64)> =
            all.iter().map(|m| (m.status, m.version)).collect();
        assert_eq!(
            states,
            [
                (MilestoneStatus::Refunded, 3),
                (MilestoneStatus::Cancelled, 2),
                (MilestoneStatus::Cancelled, 2)
            ]
        );
        let kinds: Vec<ContractChangeKind> = repo.histories(&[c.id]).await.unwrap()[&c.id]
            .iter()
            .map(|h| h.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                ContractChangeKind::Started,
                ContractChangeKind::MilestoneAdded,
                ContractChangeKind::Ended
            ]
        );
        // Nothing is added to, nor paid on, an ended contract.
        let late = Milestone {
            id: MilestoneId(Uuid::now_v7()),
            ..extra.clone()
        };
        assert_eq!(
            repo.add_milestone(
                &late,
                &change(ContractChangeKind::MilestoneAdded, ContractStatus::Ended)
            )
            .await
            .unwrap(),
            MilestoneAdd::NotOpen
        );
        let bonus = movement(&c, None).pay(
            TransactionKind::Bonus,
            c.client_id,
            c.freelancer_id,
            usd(1_000),
            FeeRate::default(),
        );
        let record = key(c.client_id, "bonus-late-key", c.id.0, &bonus);
        assert_eq!(
            repo.record_payment(&bonus, &record, &[ContractStatus::Active])
                .await
                .unwrap(),
            MoneyWrite::Stale
        );
    }
}

#[tokio::test]
async fn ledger_pages_read_newest_first_and_balances_take_one_statement() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (c, ms) = hired(&db, &[40_000, 60_000]).await;
        let (_, funded) = fund(&repo, &c, &ms[0], "fund-m1-key").await;
        let mut bonuses = Vec::new();
        for i in 1..=5 {
            let t = movement(&c, None).pay(
                TransactionKind::Bonus,
                c.client_id,
                c.freelancer_id,
                usd(i * 1_000),
                FeeRate::default(),
            );
            let record = key(c.client_id, &format!("bonus-key-{i}"), c.id.0, &t);
            assert_eq!(
                repo.record_payment(&t, &record, &[ContractStatus::Active])
                    .await
                    .unwrap(),
                MoneyWrite::Written
            );
            bonuses.push(t.id);
        }
        let newest_first = |mut ids: Vec<TransactionId>| {
            ids.sort();
            ids.reverse();
            ids
        };
        // Every page of `first`, following the cursors: the IDs in order and the pages'
        // sizes.
        async fn pages<F, Fut>(first: i64, read: F) -> (Vec<TransactionId>, Vec<usize>)
        where
            F: Fn(PageRequest<TransactionId>) -> Fut,
            Fut: std::future::Future<
                    Output = domain::DomainResult<domain::pagination::Page<LedgerTransaction>>,
                >,
        {
            let (mut ids, mut sizes, mut after) = (Vec::new(), Vec::new(), None);
            loop {
                let page = read(PageRequest::new(Some(first), after).unwrap())
                    .await
                    .unwrap();
                sizes.push(page.items.len());
                ids.extend(page.items.iter().map(|t| t.id));
                after = ids.last().copied();
                if !page.has_next_page {
                    return (ids, sizes);
                }
            }
        }
        let (ids, sizes) = pages(2, |p| {
            let (repo, owner) = (repo.clone(), c.freelancer_id.0);
            async move { repo.transactions_of_owner(owner, &p).await }
        })
        .await;
        assert_eq!(ids, newest_first(bonuses.clone()), "{backend:?}");
        assert_eq!(sizes, [2, 2, 1]);
        let mut all = bonuses.clone();
        all.push(funded.id);
        let (ids, _) = pages(4, |p| {
            let (repo, owner) = (repo.clone(), c.client_id.0);
            async move { repo.transactions_of_owner(owner, &p).await }
        })
        .await;
        assert_eq!(ids, newest_first(all.clone()));
        let (ids, sizes) = pages(4, |p| {
            let (repo, contract) = (repo.clone(), c.id);
            async move { repo.transactions_of_contract(contract, &p).await }
        })
        .await;
        assert_eq!(ids, newest_first(all));
        assert_eq!(sizes, [4, 2]);
        let (ids, _) = pages(4, |p| {
            let (repo, owner) = (repo.clone(), c.id.0);
            async move { repo.transactions_of_owner(owner, &p).await }
        })
        .await;
        assert_eq!(ids, [funded.id], "escrow's owner is the contract");

        let (counting, counter) = guard.counting_pool().await;
        let counted = SeaContractRepository::new(&counting);
        let before = counter.get();
        let found = counted
            .balances(&[c.client_id.0, c.freelancer_id.0, c.id.0, Uuid::now_v7()])
            .await
            .unwrap();
        assert_eq!(counter.get() - before, 1, "{backend:?}: one statement");
        let paid: i64 = (1..=5).map(|i| i * 1_000).sum();
        let earned: i64 = (1..=5).map(|i| i * 1_000 - i * 100).sum();
        let usd_ = ms[0].amount.currency;
        let mut expected = vec![
            (Account::client_funding(c.client_id, usd_), -(paid + 40_000)),
            (Account::earnings(c.freelancer_id, usd_), earned),
            (Account::escrow(c.id, usd_), 40_000),
        ];
        let mut got: Vec<(Account, i64)> =
            found.iter().map(|b| (b.account, b.amount_minor)).collect();
        expected.sort_by_key(|(a, _)| a.id());
        got.sort_by_key(|(a, _)| a.id());
        assert_eq!(got, expected);
        assert!(counted.balances(&[]).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn contracts_of_a_user_page_newest_first_by_party_agency_and_status() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let (first, _) = hired(&db, &[10_000]).await;
        let (second, _) = hired(&db, &[20_000]).await;
        let page = |first: i64, after| PageRequest::new(Some(first), after).unwrap();
        for user in [first.client_id, first.freelancer_id] {
            let mine = repo
                .contracts_of_user(user, None, &[], &page(10, None))
                .await
                .unwrap();
            assert_eq!(mine.items, vec![first.clone()], "{backend:?}");
        }
        // One user party to both: as the client of one, the freelancer of the other.
        contract::Entity::update_many()
            .col_expr(
                contract::Column::FreelancerId,
                Expr::value(first.client_id.0),
            )
            .filter(contract::Column::Id.eq(second.id.0))
            .exec(db.connection())
            .await
            .unwrap();
        let both = repo
            .contracts_of_user(first.client_id, None, &[], &page(1, None))
            .await
            .unwrap();
        assert_eq!(
            both.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            [second.id]
        );
        assert!(both.has_next_page);
        let rest = repo
            .contracts_of_user(first.client_id, None, &[], &page(1, Some(second.id)))
            .await
            .unwrap();
        assert_eq!(
            rest.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            [first.id]
        );
        assert!(!rest.has_next_page);
        let ended = repo
            .contracts_of_user(
                first.client_id,
                None,
                &[ContractStatus::Ended],
                &page(10, None),
            )
            .await
            .unwrap();
        assert!(ended.items.is_empty());
        let stranger = client(&db, "stranger").await;
        let none = repo
            .contracts_of_user(
                stranger,
                Some(domain::agencies::AgencyId(Uuid::now_v7())),
                &[],
                &page(10, None),
            )
            .await
            .unwrap();
        assert!(none.items.is_empty());
    }
}

/// The number of `names` among this database's tables.
async fn tables(guard: &TestDatabase, backend: crate::Backend, names: &str) -> i64 {
    let sql = match backend {
        crate::Backend::Sqlite => {
            format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ({names})")
        }
        crate::Backend::Postgres => format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = \
             current_schema() AND table_name IN ({names})"
        ),
    };
    guard.count(&sql).await
}

/// 000023 (contracts), 000024 (timesheets, on top of it) and 000025 (reviews, on top of
/// both): each goes down (the reviews' alone first, then the timesheets', leaving the
/// contracts and their rows) and up again.
#[tokio::test]
async fn the_contracts_migration_goes_down_and_up_again() {
    const HOURS: &str = "'timesheets', 'time_entries'";
    const REVIEWS: &str = "'reviews'";
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let (c, _) = hired(&db, &[10_000]).await;
        crate::timesheets_repo_tests::logged(&db, &c).await;
        crate::reviews_repo_tests::reviewed(&db, &c).await;
        let status = db.migration_status().await.unwrap();
        let at = |name: &str| {
            status
                .iter()
                .position(|(n, _)| n == name)
                .expect("registered")
        };
        // Down to before 000025 drops the reviews (with their rows) and nothing else ...
        let steps = status.len() - at("m20261130_000025_reviews");
        db.migrate_down(u32::try_from(steps).unwrap())
            .await
            .unwrap();
        assert_eq!(tables(&guard, backend, REVIEWS).await, 0, "{backend:?}");
        assert_eq!(tables(&guard, backend, HOURS).await, 2, "{backend:?}");
        assert_eq!(guard.count("SELECT COUNT(*) FROM time_entries").await, 1);
        // ... down to before 000024 drops its tables (with their rows) and nothing else ...
        let steps = at("m20261130_000025_reviews") - at("m20261130_000024_timesheets");
        db.migrate_down(u32::try_from(steps).unwrap())
            .await
            .unwrap();
        assert_eq!(tables(&guard, backend, HOURS).await, 0, "{backend:?}");
        assert_eq!(guard.count("SELECT COUNT(*) FROM contracts").await, 1);
        // ... down to before 000023 drops every table it made ...
        let steps = at("m20261130_000024_timesheets") - at("m20261130_000023_contracts");
        db.migrate_down(u32::try_from(steps).unwrap())
            .await
            .unwrap();
        let status = db.migration_status().await.unwrap();
        assert_eq!(
            status.iter().filter(|(_, done)| !*done).count(),
            status.len() - at("m20261130_000023_contracts"),
            "{backend:?}"
        );
        assert_eq!(
            tables(&guard, backend, "'contracts', 'ledger_entries'").await,
            0
        );
        // ... and up makes them again, empty and working.
        db.migrate_up().await.unwrap();
        assert_eq!(guard.count("SELECT COUNT(*) FROM contracts").await, 0);
        assert_eq!(tables(&guard, backend, HOURS).await, 2, "{backend:?}");
        assert_eq!(tables(&guard, backend, REVIEWS).await, 1, "{backend:?}");
        let (c, _) = hired(&db, &[10_000]).await;
        crate::timesheets_repo_tests::logged(&db, &c).await;
        crate::reviews_repo_tests::reviewed(&db, &c).await;
        assert_eq!(guard.count("SELECT COUNT(*) FROM contracts").await, 1);
        assert_eq!(guard.count("SELECT COUNT(*) FROM time_entries").await, 1);
        assert_eq!(guard.count("SELECT COUNT(*) FROM reviews").await, 1);
    }
}

/// The escrow numbering's unique index is the last word: two writers that both read
/// the account before either committed (which the contract's row prevents through the
/// repository) cannot both append its next number; the later one is told it is stale,
/// not an error. PostgreSQL only: SQLite's write lock never lets two writers overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_unserialised_escrow_writers_cannot_both_append_the_same_number() {
    use crate::ledger_repo::{Appended, append};
    if !backends().contains(&crate::Backend::Postgres) {
        return;
    }
    let (guard, db) = TestDatabase::migrated(crate::Backend::Postgres).await;
    let (c, _) = hired(&db, &[10_000]).await;
    let first = movement(&c, None).fund(c.client_id, usd(1_000));
    let second = movement(&c, None).fund(c.client_id, usd(2_000));
    let a = db.connection().begin().await.unwrap();
    assert_eq!(append(&a, &first).await.unwrap(), Appended::Written);
    let b = db.connection().begin().await.unwrap();
    let later = tokio::spawn(async move {
        let appended = append(&b, &second).await;
        b.rollback().await.unwrap();
        appended
    });
    // B has read the account (nothing committed on it yet) and waits on A's rows.
    let (watcher, _) = guard.counting_pool().await;
    let mut waiting = 0;
    for _ in 0..500 {
        let row = watcher
            .connection()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND query LIKE 'INSERT INTO \"ledger_%'",
            ))
            .await
            .unwrap()
            .unwrap();
        waiting = row.try_get_by_index::<i64>(0).unwrap();
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(waiting, 1, "the second writer waits on the first");
    a.commit().await.unwrap();
    assert_eq!(later.await.unwrap().unwrap(), Appended::Stale);
    let escrow = Account::escrow(c.id, usd(1).currency);
    let repo = SeaContractRepository::new(&db);
    assert_eq!(balance(&repo, &[c.id.0], escrow).await, 1_000);
}
