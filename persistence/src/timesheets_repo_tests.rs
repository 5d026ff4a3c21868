//! The timesheet repository on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set:
//! a week stored with its first entry and read back whole, a second first entry of the
//! week (sequential or concurrent) stale and writing nothing, stale versions and
//! contract states, entries changed and deleted only in their own week, a week's
//! approval paid in its transaction (a taken key rolling the week back), pages of weeks
//! per contract in one statement, the approval job's weeks, the database's own CHECKs,
//! and stored values the domain cannot take back reported as errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use domain::contracts::{
    AcceptOutcome, Account, Contract, ContractId, ContractRepository, ContractStatus, EntryChange,
    FeeRate, MoneyWrite, Terms, TimeEntry, TimeEntryId, Timesheet, TimesheetId,
    TimesheetRepository, TimesheetStatus, TimesheetWrite, TransactionKind, review_deadline,
};
use sea_orm::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use crate::contracts_repo_tests::{
    accept_write, balance, fixed_offer, in_stage, key, make_offer, money_rows, movement,
    posting_with, usd,
};
use crate::entities::{time_entry, timesheet};
use crate::search_sql::Sql;
use crate::testing::{TestDatabase, backends};
use crate::timesheets_repo::{entry_at_rest, timesheet_at_rest, to_entry, to_timesheet};
use crate::{Db, SeaContractRepository};

/// 2026-11-02, a Monday.
fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
}

/// The Monday `weeks` after [`monday`].
fn week(weeks: i64) -> NaiveDate {
    monday() + TimeDelta::weeks(weeks)
}

/// A contract from an accepted hourly offer at 60.00 USD an hour, 40 hours a week.
async fn hired_hourly(db: &Db) -> Contract {
    let (posting, _, stages) = posting_with(db, 2).await;
    let p = in_stage(db, &posting, &stages[1], "fay").await;
    let mut offer = fixed_offer(&posting, &p, stages[1].id);
    offer.terms = Terms::Hourly {
        rate: usd(6_000),
        weekly_limit_hours: 40,
        manual_time: true,
    };
    offer.milestones.clear();
    let p = make_offer(db, &p, &offer).await;
    let outcome = SeaContractRepository::new(db)
        .accept_offer(&accept_write(&offer, &p, 2))
        .await
        .unwrap();
    let AcceptOutcome::Accepted { contract, .. } = outcome else {
        panic!("not accepted: {outcome:?}");
    };
    *contract
}

fn open() -> Vec<ContractStatus> {
    vec![ContractStatus::Active, ContractStatus::Paused]
}

/// An entry of `minutes` on `day` of `week`, at the contract's rate (60.00 an hour).
fn entry(c: &Contract, week: &Timesheet, day: NaiveDate, minutes: u32) -> TimeEntry {
    let now = Utc::now();
    TimeEntry {
        id: TimeEntryId(Uuid::now_v7()),
        timesheet_id: week.id,
        contract_id: c.id,
        work_date: day,
        minutes,
        memo: format!("{minutes} minutes of ledger work"),
        rate_minor: 6_000,
        author_id: c.freelancer_id,
        created_at: now,
        updated_at: now,
    }
}

/// `week` changed by `change`, to be stored over the version it was read at (a new
/// week when it has none).
fn write(
    week: &Timesheet,
    entry: Option<EntryChange>,
    change: impl FnOnce(&mut Timesheet),
) -> TimesheetWrite {
    let expected = (week.version > 0).then_some(week.version);
    let mut next = Timesheet {
        version: week.version + 1,
        updated_at: Utc::now(),
        ..week.clone()
    };
    change(&mut next);
    TimesheetWrite {
        timesheet: next,
        expected,
        entry,
        contract_in: open(),
        transaction: None,
        key: None,
    }
}

/// `week` with `e` added to it.
fn adding(week: &Timesheet, e: &TimeEntry) -> TimesheetWrite {
    write(week, Some(EntryChange::Add(e.clone())), |t| {
        t.minutes += e.minutes;
        t.value += e.value();
    })
}

/// Stores `w` (it must be written): the week and its entry as storage keeps them.
async fn saved(repo: &SeaContractRepository, w: &TimesheetWrite) -> Timesheet {
    assert_eq!(
        repo.save_timesheet(w).await.unwrap(),
        MoneyWrite::Written,
        "{w:?}"
    );
    timesheet_at_rest(&w.timesheet)
}

/// The week of `day` stored with a first entry of `minutes` on that day.
async fn first_entry(
    repo: &SeaContractRepository,
    c: &Contract,
    day: NaiveDate,
    minutes: u32,
) -> (Timesheet, TimeEntry) {
    let empty = Timesheet::empty(c.id, day, usd(1).currency, Utc::now());
    let e = entry(c, &empty, day, minutes);
    let stored = saved(repo, &adding(&empty, &e)).await;
    (stored, entry_at_rest(&e))
}

/// A week of `c`'s stored with one entry of 90 minutes (for other modules' tests).
pub(crate) async fn logged(db: &Db, c: &Contract) -> (Timesheet, TimeEntry) {
    first_entry(&SeaContractRepository::new(db), c, monday(), 90).await
}

/// The numbers of rows of the hours tables: weeks, entries.
async fn hours_rows(guard: &TestDatabase) -> [i64; 2] {
    [
        guard.count("SELECT COUNT(*) FROM timesheets").await,
        guard.count("SELECT COUNT(*) FROM time_entries").await,
    ]
}

#[tokio::test]
async fn timesheets_a_new_week_is_stored_with_its_first_entry_and_only_once() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let c = hired_hourly(&db).await;
        let wednesday = monday() + TimeDelta::days(2);
        let (week, e) = first_entry(&repo, &c, wednesday, 90).await;
        assert_eq!(week.id, TimesheetId::of(c.id, monday()), "{backend:?}");
        assert_eq!(
            (week.week_start, week.status, week.version),
            (monday(), TimesheetStatus::Open, 1)
        );
        assert_eq!((week.minutes, week.value), (90, 90 * 6_000));
        assert_eq!(week.amount(), usd(9_000));

        // Read back as written, unknown IDs left out.
        let unknown = TimesheetId(Uuid::now_v7());
        assert_eq!(
            repo.timesheets(&[week.id, unknown]).await.unwrap(),
            vec![week.clone()],
            "{backend:?}"
        );
        assert_eq!(
            repo.time_entries(&[e.id, TimeEntryId(Uuid::now_v7())])
                .await
                .unwrap(),
            vec![e.clone()]
        );
        let entries = repo.entries_of(&[week.id, unknown]).await.unwrap();
        assert_eq!(entries[&week.id], vec![e.clone()]);
        assert_eq!(entries[&unknown], vec![], "every week asked for has a list");
        assert!(repo.timesheets(&[]).await.unwrap().is_empty());
        assert!(repo.entries_of(&[]).await.unwrap().is_empty());

        // A second first entry of the week (read before the first was stored): stale,
        // and neither the week nor its entry is written.
        let empty = Timesheet::empty(c.id, monday(), usd(1).currency, Utc::now());
        let other = entry(&c, &empty, monday(), 30);
        assert_eq!(
            repo.save_timesheet(&adding(&empty, &other)).await.unwrap(),
            MoneyWrite::Stale,
            "{backend:?}"
        );
        assert_eq!(hours_rows(&guard).await, [1, 1]);
        assert!(repo.time_entries(&[other.id]).await.unwrap().is_empty());
        assert_eq!(
            repo.timesheets(&[week.id]).await.unwrap(),
            vec![week.clone()]
        );

        // A later entry of the week, added to it at its version.
        let later = entry(&c, &week, monday(), 45);
        let week = saved(&repo, &adding(&week, &later)).await;
        assert_eq!((week.minutes, week.version), (135, 2));
        // By day, then time logged.
        let days: Vec<TimeEntryId> = repo.entries_of(&[week.id]).await.unwrap()[&week.id]
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(days, [later.id, e.id]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timesheets_ten_concurrent_first_entries_of_a_week_store_one() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let c = hired_hourly(&db).await;
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(10));
        let racers: Vec<_> = (0..10)
            .map(|i| {
                let (repo, start) = (repo.clone(), start.clone());
                let empty = Timesheet::empty(c.id, monday(), usd(1).currency, Utc::now());
                let w = adding(&empty, &entry(&c, &empty, monday(), 10 + i));
                tokio::spawn(async move {
                    start.wait().await;
                    repo.save_timesheet(&w).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for racer in racers {
            results.push(racer.await.unwrap().unwrap());
        }
        let written = results
            .iter()
            .filter(|r| **r == MoneyWrite::Written)
            .count();
        let stale = results.iter().filter(|r| **r == MoneyWrite::Stale).count();
        assert_eq!((written, stale), (1, 9), "{backend:?}: {results:?}");
        assert_eq!(hours_rows(&guard).await, [1, 1]);
    }
}

#[tokio::test]
async fn timesheets_stale_versions_and_contract_states_write_nothing() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let c = hired_hourly(&db).await;
        let (week, _) = first_entry(&repo, &c, monday(), 60).await;

        // From a version that moved on: stale, the entry not added.
        let late = entry(&c, &week, monday(), 30);
        let mut stale = adding(&week, &late);
        stale.expected = Some(week.version + 5);
        stale.timesheet.version = week.version + 6;
        assert_eq!(
            repo.save_timesheet(&stale).await.unwrap(),
            MoneyWrite::Stale,
            "{backend:?}"
        );
        assert_eq!(hours_rows(&guard).await, [1, 1]);
        assert_eq!(
            repo.timesheets(&[week.id]).await.unwrap(),
            vec![week.clone()]
        );

        // The contract in none of the states the write allows (or none allowed): stale.
        for allowed in [vec![ContractStatus::Paused, ContractStatus::Ended], vec![]] {
            let mut w = adding(&week, &late);
            w.contract_in = allowed;
            assert_eq!(
                repo.save_timesheet(&w).await.unwrap(),
                MoneyWrite::Stale,
                "{backend:?}"
            );
        }
        // ... and on a contract of another's (it does not exist): stale as well.
        let stranger = ContractId(Uuid::now_v7());
        let empty = Timesheet::empty(stranger, monday(), usd(1).currency, Utc::now());
        let mut orphan = entry(&c, &empty, monday(), 30);
        orphan.contract_id = stranger;
        assert_eq!(
            repo.save_timesheet(&adding(&empty, &orphan)).await.unwrap(),
            MoneyWrite::Stale
        );
        assert_eq!(hours_rows(&guard).await, [1, 1]);
        assert_eq!(
            repo.timesheets(&[week.id]).await.unwrap(),
            vec![week.clone()]
        );

        // A write the domain never builds (a version that does not follow): an error,
        // nothing written.
        let mut skipped = adding(&week, &late);
        skipped.timesheet.version = week.version + 2;
        assert!(repo.save_timesheet(&skipped).await.is_err());
        let mut in_review = adding(&week, &late);
        in_review.timesheet.status = TimesheetStatus::InReview;
        assert!(repo.save_timesheet(&in_review).await.is_err());
        assert_eq!(hours_rows(&guard).await, [1, 1]);
    }
}

#[tokio::test]
async fn timesheets_entries_change_and_go_only_in_their_own_week() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let c = hired_hourly(&db).await;
        let (week, e) = first_entry(&repo, &c, monday(), 120).await;
        let (next, other) = first_entry(&repo, &c, week_after(), 30).await;

        // Lowered to 50 minutes with a new memo: the entry and the week's totals.
        let now = Utc::now();
        let lowered = TimeEntry {
            minutes: 50,
            memo: "only the review".into(),
            updated_at: now,
            ..e.clone()
        };
        let w = write(&week, Some(EntryChange::Update(lowered.clone())), |t| {
            t.minutes = 50;
            t.value = 50 * 6_000;
        });
        let week = saved(&repo, &w).await;
        assert_eq!(
            repo.time_entries(&[e.id]).await.unwrap(),
            vec![entry_at_rest(&lowered)],
            "{backend:?}"
        );
        assert_eq!(
            repo.timesheets(&[week.id]).await.unwrap(),
            vec![week.clone()]
        );

        // Another week's entry named as this week's: stale, neither changes.
        let foreign = TimeEntry {
            minutes: 10,
            timesheet_id: week.id,
            ..other.clone()
        };
        let w = write(&week, Some(EntryChange::Update(foreign)), |_| {});
        assert_eq!(repo.save_timesheet(&w).await.unwrap(), MoneyWrite::Stale);
        let w = write(&week, Some(EntryChange::Delete(other.id)), |_| {});
        assert_eq!(repo.save_timesheet(&w).await.unwrap(), MoneyWrite::Stale);
        // ... and an unknown entry: stale too.
        let w = write(
            &week,
            Some(EntryChange::Delete(TimeEntryId(Uuid::now_v7()))),
            |_| {},
        );
        assert_eq!(repo.save_timesheet(&w).await.unwrap(), MoneyWrite::Stale);
        assert_eq!(repo.time_entries(&[other.id]).await.unwrap(), vec![other]);
        assert_eq!(repo.timesheets(&[week.id, next.id]).await.unwrap().len(), 2);
        assert_eq!(
            repo.timesheets(&[week.id]).await.unwrap(),
            vec![week.clone()]
        );

        // Deleted: the week stays, at 0 minutes.
        let w = write(&week, Some(EntryChange::Delete(e.id)), |t| {
            t.minutes = 0;
            t.value = 0;
        });
        let week = saved(&repo, &w).await;
        assert!(repo.time_entries(&[e.id]).await.unwrap().is_empty());
        assert_eq!(repo.entries_of(&[week.id]).await.unwrap()[&week.id], vec![]);
        assert_eq!(
            (week.minutes, week.version),
            (0, 3),
            "{backend:?}: the stale writes left the version alone"
        );
        assert_eq!(hours_rows(&guard).await, [2, 1]);
    }
}

fn week_after() -> NaiveDate {
    week(1)
}

#[tokio::test]
async fn timesheets_an_approved_week_is_paid_with_it_and_a_taken_key_rolls_it_back() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let c = hired_hourly(&db).await;
        let (first, _) = first_entry(&repo, &c, monday(), 90).await;
        let (second, _) = first_entry(&repo, &c, week_after(), 30).await;
        let before = money_rows(&guard).await;

        // The client approves the first week: paid in the same transaction.
        let approve = |week: &Timesheet, name: &str| {
            let t = movement(&c, None).pay(
                TransactionKind::Hours,
                c.client_id,
                c.freelancer_id,
                week.amount(),
                FeeRate::default(),
            );
            let record = key(c.client_id, name, week.id.0, &t);
            let now = Utc::now();
            let mut w = write(week, None, |s| {
                s.status = TimesheetStatus::Approved;
                s.approved_at = Some(now);
                s.approved_by = Some(c.client_id);
                s.transaction_id = Some(t.id);
            });
            w.contract_in = vec![
                ContractStatus::Active,
                ContractStatus::Paused,
                ContractStatus::Ended,
            ];
            w.transaction = Some(t);
            w.key = Some(record);
            w
        };
        let paid = approve(&first, "approve-week-1");
        let first = saved(&repo, &paid).await;
        let t = paid.transaction.clone().unwrap();
        assert_eq!(first.transaction_id, Some(t.id), "{backend:?}");
        assert_eq!(
            repo.timesheets(&[first.id]).await.unwrap(),
            vec![first.clone()]
        );
        let stored = repo.transactions(&[t.id]).await.unwrap();
        assert_eq!(stored[0].kind, TransactionKind::Hours);
        let earnings = Account::earnings(c.freelancer_id, usd(1).currency);
        assert_eq!(
            balance(&repo, &[c.freelancer_id.0], earnings).await,
            9_000 - 900,
            "90 minutes at 60.00, less the fee"
        );
        let [transactions, entries, keys, _] = money_rows(&guard).await;
        assert_eq!(
            [transactions, entries, keys],
            [before[0] + 1, before[1] + 3, before[2] + 1]
        );

        // The same key for the second week: taken, and the week's approval rolled back
        // with its payment.
        let after_first = money_rows(&guard).await;
        let taken = approve(&second, "approve-week-1");
        assert_eq!(
            repo.save_timesheet(&taken).await.unwrap(),
            MoneyWrite::KeyTaken,
            "{backend:?}"
        );
        assert_eq!(money_rows(&guard).await, after_first);
        assert_eq!(
            repo.timesheets(&[second.id]).await.unwrap(),
            vec![second.clone()]
        );
        // With a key of its own it is paid.
        let second = saved(&repo, &approve(&second, "approve-week-2")).await;
        assert_eq!(second.status, TimesheetStatus::Approved);
    }
}

#[tokio::test]
async fn timesheets_of_contracts_page_newest_first_in_one_statement() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let a = hired_hourly(&db).await;
        let b = hired_hourly(&db).await;
        let none = hired_hourly(&db).await;
        let mut of_a = Vec::new();
        for w in 0..4 {
            of_a.push(first_entry(&repo, &a, week(w), 60).await.0);
        }
        let b_week = first_entry(&repo, &b, week(1), 60).await.0;
        let newest_first = |weeks: &[Timesheet]| weeks.iter().rev().cloned().collect::<Vec<_>>();

        let (counting, counter) = guard.counting_pool().await;
        let counted = SeaContractRepository::new(&counting);
        let start = counter.get();
        let pages = counted
            .timesheets_of(&[a.id, b.id, none.id], None, 2)
            .await
            .unwrap();
        assert_eq!(counter.get() - start, 1, "{backend:?}: one statement");
        assert_eq!(pages[&a.id], newest_first(&of_a[2..]), "{backend:?}");
        assert_eq!(pages[&b.id], vec![b_week.clone()]);
        assert_eq!(
            pages[&none.id],
            vec![],
            "every contract asked for has a list"
        );

        // The next page: weeks before the last one read.
        let next = repo
            .timesheets_of(&[a.id, b.id], Some(week(2)), 2)
            .await
            .unwrap();
        assert_eq!(next[&a.id], newest_first(&of_a[..2]));
        assert_eq!(next[&b.id], vec![b_week.clone()]);
        let last = repo
            .timesheets_of(&[a.id, b.id], Some(week(0)), 2)
            .await
            .unwrap();
        assert_eq!((last[&a.id].len(), last[&b.id].len()), (0, 0));
        let all = repo.timesheets_of(&[a.id], None, 100).await.unwrap();
        assert_eq!(all[&a.id], newest_first(&of_a));
        assert!(repo.timesheets_of(&[], None, 2).await.unwrap().is_empty());

        // A contract's entries in one statement too.
        let start = counter.get();
        let weeks: Vec<TimesheetId> = of_a.iter().map(|w| w.id).collect();
        let entries = counted.entries_of(&weeks).await.unwrap();
        assert_eq!(counter.get() - start, 1, "{backend:?}: one statement");
        assert!(weeks.iter().all(|w| entries[w].len() == 1));
    }
}

#[tokio::test]
async fn timesheets_unreviewed_past_their_deadline_are_found_oldest_first() {
    for backend in backends() {
        let (_guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let c = hired_hourly(&db).await;
        let other = hired_hourly(&db).await;
        let (oldest, _) = first_entry(&repo, &c, week(0), 60).await;
        let (disputed, _) = first_entry(&repo, &c, week(1), 60).await;
        let (of_other, _) = first_entry(&repo, &other, week(1), 60).await;
        let (approved, _) = first_entry(&repo, &c, week(2), 60).await;
        let (due, _) = first_entry(&repo, &c, week(3), 60).await;
        let (running, _) = first_entry(&repo, &c, week(4), 60).await;
        let now = Utc::now();
        saved(
            &repo,
            &write(&disputed, None, |t| {
                t.status = TimesheetStatus::Disputed;
                t.dispute_reason = Some("Tuesday was a holiday".into());
                t.disputed_at = Some(now);
            }),
        )
        .await;
        saved(
            &repo,
            &write(&approved, None, |t| {
                t.status = TimesheetStatus::Approved;
                t.approved_at = Some(now);
                t.approved_by = Some(c.client_id);
            }),
        )
        .await;
        let ids = |weeks: Vec<Timesheet>| weeks.into_iter().map(|w| w.id).collect::<Vec<_>>();
        // At the deadline of the week of `due` (the Saturday after the following Friday).
        let deadline: DateTime<Utc> = review_deadline(due.week_start);
        assert_eq!(deadline, due.review_deadline());
        assert_eq!(
            ids(repo.unreviewed_before(deadline, 10).await.unwrap()),
            [oldest.id, of_other.id, due.id],
            "{backend:?}"
        );
        assert_eq!(
            repo.unreviewed_before(deadline, 10).await.unwrap()[0],
            oldest,
            "read back whole"
        );
        assert_eq!(
            ids(repo.unreviewed_before(deadline, 2).await.unwrap()),
            [oldest.id, of_other.id]
        );
        // A second before it, the week of `due` is still in review.
        assert_eq!(
            ids(repo
                .unreviewed_before(deadline - TimeDelta::seconds(1), 10)
                .await
                .unwrap()),
            [oldest.id, of_other.id]
        );
        assert_eq!(
            ids(repo
                .unreviewed_before(review_deadline(running.week_start), 10)
                .await
                .unwrap()),
            [oldest.id, of_other.id, due.id, running.id]
        );
        assert!(
            repo.unreviewed_before(review_deadline(week(0)) - TimeDelta::seconds(1), 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn timesheets_the_database_refuses_minutes_and_states_out_of_range() {
    for backend in backends() {
        let (guard, db) = TestDatabase::migrated(backend).await;
        let repo = SeaContractRepository::new(&db);
        let c = hired_hourly(&db).await;
        let (week, _) = first_entry(&repo, &c, monday(), 60).await;
        let conn = db.connection();
        let entry_insert = |minutes: i32| {
            let mut sql = Sql::new(conn.get_database_backend());
            let values = [
                sql.bind(Uuid::now_v7()),
                sql.bind(week.id.0),
                sql.bind(c.id.0),
                sql.bind(monday()),
                sql.bind(minutes),
                sql.bind("memo"),
                sql.bind(6_000_i64),
                sql.bind(c.freelancer_id.0),
                sql.bind(Utc::now()),
                sql.bind(Utc::now()),
            ]
            .join(", ");
            sql.push(&format!(
                "INSERT INTO time_entries (id, timesheet_id, contract_id, work_date, minutes, \
                 memo, rate_minor, author_id, created_at, updated_at) VALUES ({values})"
            ));
            sql.statement()
        };
        // A whole day goes in (and is rolled back); a minute more, or none, does not.
        let txn = conn.begin().await.unwrap();
        txn.execute_raw(entry_insert(1_440)).await.unwrap();
        txn.rollback().await.unwrap();
        for minutes in [1_441, 0] {
            let err = conn
                .execute_raw(entry_insert(minutes))
                .await
                .unwrap_err()
                .to_string()
                .to_lowercase();
            assert!(err.contains("check"), "{backend:?}: {minutes}: {err}");
        }
        // A week over 168 hours, below zero in value, or stored IN_REVIEW: refused.
        for set in [
            "minutes = 10081",
            "minutes = -1",
            "value = -1",
            "status = 'IN_REVIEW'",
        ] {
            let err = conn
                .execute_unprepared(&format!("UPDATE timesheets SET {set}"))
                .await
                .unwrap_err()
                .to_string()
                .to_lowercase();
            assert!(err.contains("check"), "{backend:?}: {set}: {err}");
        }
        conn.execute_unprepared("UPDATE timesheets SET minutes = 10080")
            .await
            .unwrap();
        assert_eq!(hours_rows(&guard).await, [1, 1]);

        // A currency the domain does not know: an error on reading, not a panic.
        conn.execute_unprepared("UPDATE timesheets SET currency = 'ZZZ'")
            .await
            .unwrap();
        let err = repo.timesheets(&[week.id]).await.unwrap_err();
        assert!(err.to_string().contains("currency"), "{backend:?}: {err}");
    }
}

/// Rows the CHECKs would refuse (written before them, or by hand) come back as errors.
#[test]
fn timesheets_stored_values_the_domain_cannot_take_back_are_errors() {
    let now = Utc::now();
    let row = timesheet::Model {
        id: Uuid::now_v7(),
        contract_id: Uuid::now_v7(),
        week_start: monday(),
        status: "OPEN".into(),
        minutes: 60,
        value: 360_000,
        currency: "USD".into(),
        dispute_reason: None,
        disputed_at: None,
        approved_at: None,
        approved_by: None,
        transaction_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    assert!(to_timesheet(row.clone()).is_ok());
    for bad in [
        timesheet::Model {
            status: "IN_REVIEW".into(),
            ..row.clone()
        },
        timesheet::Model {
            status: "LOST".into(),
            ..row.clone()
        },
        timesheet::Model {
            minutes: -1,
            ..row.clone()
        },
        timesheet::Model {
            minutes: 10_081,
            ..row.clone()
        },
        timesheet::Model {
            value: -1,
            ..row.clone()
        },
        timesheet::Model {
            currency: "??".into(),
            ..row.clone()
        },
    ] {
        let err = to_timesheet(bad.clone()).unwrap_err();
        assert!(err.to_string().contains("invalid"), "{bad:?}: {err}");
    }
    let entry = time_entry::Model {
        id: Uuid::now_v7(),
        timesheet_id: row.id,
        contract_id: row.contract_id,
        work_date: monday(),
        minutes: 60,
        memo: "work".into(),
        rate_minor: 6_000,
        author_id: Uuid::now_v7(),
        created_at: now,
        updated_at: now,
    };
    assert!(to_entry(entry.clone()).is_ok());
    for bad in [
        time_entry::Model {
            minutes: 0,
            ..entry.clone()
        },
        time_entry::Model {
            minutes: -5,
            ..entry.clone()
        },
        time_entry::Model {
            minutes: 1_441,
            ..entry.clone()
        },
        time_entry::Model {
            rate_minor: 0,
            ..entry.clone()
        },
    ] {
        assert!(to_entry(bad.clone()).is_err(), "{bad:?}");
    }
}
