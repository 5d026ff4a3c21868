#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Hourly work and contracts' threads over GraphQL: time logged within a day's 24 hours
//! and the week's limit (bad input refused on its field, nothing stored); a week
//! reviewed after it ends, approved and paid once through the ledger, disputed until
//! the following Friday, paid by the job when nobody acted (once, with two processes
//! at once); who may do what; the contract's thread going on from the proposal; and the
//! cost of a page of hourly contracts with their weeks.

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use domain::contracts::{ContractId, review_deadline, week_start};
use serde_json::{Value, json};
use tests::hiring::{
    Hire, accept, hire, hire_with, hourly, into_pipeline, log_back_then, log_back_then_as,
    make_offer, noon, posting, proposal, refused, started_days_ago, today,
};
use tests::payload::{errors, outcome};
use tests::{Setup, TestApp, setups, uuid_of};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

const WEEK: &str = "id weekStart weekEnd status minutes amount { amountMinor currency }
    reviewDeadline disputeReason approvedAutomatically payment { id kind amount { amountMinor } }
    days { date minutes } entries { id date minutes memo hourlyRate { amountMinor } }";

async fn log(
    app: &TestApp,
    token: &str,
    contract: &Value,
    date: NaiveDate,
    minutes: i32,
    memo: &str,
) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($i: LogTimeInput!) {{ logTime(input: $i) {{ timeEntry {{ id minutes }}
                timesheet {{ {WEEK} }} userErrors {{ field code message }} }} }}"
        ),
        json!({ "i": { "contractId": contract, "date": date, "minutes": minutes, "memo": memo } }),
    )
    .await
}

async fn week(app: &TestApp, token: &str, contract: &Value, of: NaiveDate) -> Value {
    let body = app
        .gql(
            Some(token),
            &format!("query($c: ID!, $d: NaiveDate) {{ contract(id: $c) {{ timesheet(weekOf: $d) {{ {WEEK} }} }} }}"),
            json!({ "c": contract, "d": of }),
        )
        .await;
    body["data"]["contract"]["timesheet"].clone()
}

async fn review(
    app: &TestApp,
    token: &str,
    mutation: &str,
    contract: &Value,
    monday: NaiveDate,
    extra: &str,
) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($c: ID!, $w: NaiveDate!) {{ {mutation}(input: {{ contractId: $c,
                weekStart: $w{extra} }}) {{ timesheet {{ {WEEK} }} userErrors {{ field code message }} }} }}"
        ),
        json!({ "c": contract, "w": monday }),
    )
    .await
}

async fn approve(
    app: &TestApp,
    token: &str,
    contract: &Value,
    monday: NaiveDate,
    key: &str,
) -> Value {
    review(
        app,
        token,
        "approveTimesheet",
        contract,
        monday,
        &format!(", idempotencyKey: \"{key}\""),
    )
    .await
}

async fn update(app: &TestApp, token: &str, entry: &Value, minutes: i32) -> Value {
    app.gql(
        Some(token),
        "mutation($e: ID!, $m: Int) { updateTimeEntry(input: { timeEntryId: $e, minutes: $m }) {
            timeEntry { minutes } timesheet { minutes status } userErrors { field code message } } }",
        json!({ "e": entry, "m": minutes }),
    )
    .await
}

async fn payments(app: &TestApp, token: &str, contract: &Value) -> Vec<Value> {
    let body = app
        .gql(
            Some(token),
            "query($c: ID!) { contract(id: $c) { payments(first: 50) { nodes { id kind amount { amountMinor } } } } }",
            json!({ "c": contract }),
        )
        .await;
    body["data"]["contract"]["payments"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

/// What the provider holds (charges not voided) is what the ledger says was paid for
/// hours: no charge left over, none missing.
async fn assert_charged_as_paid(app: &TestApp, h: &Hire) {
    let paid: Vec<i64> = payments(app, &h.client, &h.contract)
        .await
        .into_iter()
        .filter(|p| p["kind"] == "HOURS")
        .map(|p| p["amount"]["amountMinor"].as_i64().unwrap())
        .collect();
    let mut charged: Vec<i64> = app
        .sandbox
        .payments()
        .into_iter()
        .filter(|(key, _)| key.contains("approveTimesheet"))
        .map(|(_, m)| m.amount_minor)
        .collect();
    let mut paid = paid;
    paid.sort_unstable();
    charged.sort_unstable();
    assert_eq!(
        charged, paid,
        "live charges {charged:?}, paid weeks {paid:?}"
    );
}

#[tokio::test]
async fn time_is_logged_within_a_day_and_the_weekly_limit_and_bad_input_changes_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire_with(&app, "tl", hourly(6_000, 20, true)).await;
        let day = today();
        let body = log(&app, &h.freelancer, &h.contract, day, 120, "Set up the CI").await;
        assert_eq!(outcome(&body, "logTime"), "OK", "{body}");
        let w = &body["data"]["logTime"]["timesheet"];
        assert_eq!(w["status"], "OPEN");
        assert_eq!(w["minutes"], 120);
        assert_eq!(w["amount"]["amountMinor"], 12_000, "2 h at 60.00");
        assert_eq!(w["weekStart"], json!(week_start(day)));
        assert_eq!(w["days"], json!([{ "date": day, "minutes": 120 }]));
        let entry = w["entries"][0]["id"].clone();
        assert_eq!(w["entries"][0]["hourlyRate"]["amountMinor"], 6_000);

        let tomorrow = day + TimeDelta::days(1);
        for (date, minutes, memo, want) in [
            (day, 25 * 60, "A long day", vec!["VALIDATION@input.minutes"]),
            (day, 0, "Nothing", vec!["VALIDATION@input.minutes"]),
            (
                tomorrow,
                60,
                "Tomorrow's work",
                vec!["VALIDATION@input.date"],
            ),
            (day, 60, "", vec!["VALIDATION@input.memo"]),
            (
                day - TimeDelta::days(30),
                60,
                "Long ago",
                vec!["VALIDATION@input.date"],
            ),
            // 120 + 1,330 minutes is over a day's 24 hours.
            (day, 1_330, "Marathon", vec!["INVALID_STATE@input.minutes"]),
        ] {
            let body = log(&app, &h.freelancer, &h.contract, date, minutes, memo).await;
            assert_eq!(
                errors(&body, "logTime"),
                want,
                "{date} {minutes} {memo:?}: {body}"
            );
        }
        // 120 + 1,100 minutes fits the day but not the week's 20 hours.
        let body = log(&app, &h.freelancer, &h.contract, day, 1_100, "Sprint").await;
        assert_eq!(
            errors(&body, "logTime"),
            ["INVALID_STATE@input.minutes"],
            "{body}"
        );
        let message = body["data"]["logTime"]["userErrors"][0]["message"]
            .as_str()
            .unwrap();
        assert!(message.contains("weekly limit of 20 h"), "{message}");
        // Up to the limit exactly is fine.
        let body = log(&app, &h.freelancer, &h.contract, day, 1_080, "Sprint").await;
        assert_eq!(outcome(&body, "logTime"), "OK", "{body}");
        assert_eq!(body["data"]["logTime"]["timesheet"]["minutes"], 1_200);
        let sprint = body["data"]["logTime"]["timeEntry"]["id"].clone();

        // Only the freelancer logs; strangers learn nothing.
        let stranger = app.dev_token("tl-stranger", "freelancer").await;
        let body = log(&app, &h.client, &h.contract, day, 30, "By the client").await;
        assert_eq!(outcome(&body, "logTime"), "FORBIDDEN", "{body}");
        let body = log(&app, &stranger, &h.contract, day, 30, "By a stranger").await;
        assert_eq!(
            errors(&body, "logTime"),
            ["NOT_FOUND@input.contractId"],
            "{body}"
        );
        let body = update(&app, &stranger, &entry, 30).await;
        assert_eq!(
            errors(&body, "updateTimeEntry"),
            ["NOT_FOUND@input.timeEntryId"],
            "{body}"
        );
        let body = update(&app, &h.client, &entry, 30).await;
        assert_eq!(outcome(&body, "updateTimeEntry"), "FORBIDDEN", "{body}");
        // Nothing of the refusals was stored.
        let w = week(&app, &h.client, &h.contract, day).await;
        assert_eq!(w["minutes"], 1_200, "{w}");
        assert_eq!(w["entries"].as_array().unwrap().len(), 2, "{w}");

        // Changing an entry: within the limits again.
        let body = update(&app, &h.freelancer, &entry, 150).await;
        assert_eq!(
            errors(&body, "updateTimeEntry"),
            ["INVALID_STATE@input.minutes"],
            "{body}"
        );
        let body = update(&app, &h.freelancer, &entry, 90).await;
        assert_eq!(outcome(&body, "updateTimeEntry"), "OK", "{body}");
        assert_eq!(
            body["data"]["updateTimeEntry"]["timesheet"]["minutes"],
            1_170
        );
        let body = app
            .gql(
                Some(&h.freelancer),
                "mutation($e: ID!) { deleteTimeEntry(input: { timeEntryId: $e }) {
                    timesheet { minutes entries { id } } userErrors { field code message } } }",
                json!({ "e": sprint }),
            )
            .await;
        assert_eq!(outcome(&body, "deleteTimeEntry"), "OK", "{body}");
        assert_eq!(body["data"]["deleteTimeEntry"]["timesheet"]["minutes"], 90);

        // The week under way is not reviewed yet; weeks start on Monday.
        let monday = week_start(day);
        let body = approve(&app, &h.client, &h.contract, monday, "approve-early-1").await;
        assert_eq!(
            errors(&body, "approveTimesheet"),
            ["INVALID_STATE@input.weekStart"],
            "{body}"
        );
        let body = approve(
            &app,
            &h.client,
            &h.contract,
            monday + TimeDelta::days(2),
            "approve-early-2",
        )
        .await;
        assert_eq!(
            errors(&body, "approveTimesheet"),
            ["VALIDATION@input.weekStart"],
            "{body}"
        );
        let body = review(
            &app,
            &h.client,
            "disputeTimesheet",
            &h.contract,
            monday,
            ", reason: \"Too much\"",
        )
        .await;
        assert_eq!(
            errors(&body, "disputeTimesheet"),
            ["INVALID_STATE@input.weekStart"],
            "{body}"
        );

        // A fixed-price contract has no time; a contract without manual time takes none
        // by hand; a paused one takes none.
        let fixed = hire(&app, "tl-fixed", &[10_000]).await;
        let body = log(&app, &fixed.freelancer, &fixed.contract, day, 30, "Work").await;
        assert_eq!(
            errors(&body, "logTime"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        assert_eq!(
            week(&app, &fixed.client, &fixed.contract, day).await,
            Value::Null
        );
        let tracked = hire_with(&app, "tl-tracked", hourly(6_000, 20, false)).await;
        let body = log(
            &app,
            &tracked.freelancer,
            &tracked.contract,
            day,
            30,
            "Work",
        )
        .await;
        assert_eq!(
            errors(&body, "logTime"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        let body = app
            .gql(
                Some(&h.client),
                "mutation($c: ID!) { pauseContract(input: { contractId: $c }) { userErrors { code } } }",
                json!({ "c": h.contract }),
            )
            .await;
        assert_eq!(outcome(&body, "pauseContract"), "OK", "{body}");
        let body = log(&app, &h.freelancer, &h.contract, day, 30, "While paused").await;
        assert_eq!(
            errors(&body, "logTime"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        // Raising an entry adds time: not while paused, nor at an old rate; lowering is
        // fine.
        let body = update(&app, &h.freelancer, &entry, 100).await;
        assert_eq!(
            errors(&body, "updateTimeEntry"),
            ["INVALID_STATE@input.contractId"],
            "{body}"
        );
        let body = update(&app, &h.freelancer, &entry, 80).await;
        assert_eq!(outcome(&body, "updateTimeEntry"), "OK", "{body}");
        for mutation in [
            "resumeContract(input: { contractId: $c }) { userErrors { code } }",
            "changeContractTerms(input: { contractId: $c, hourlyRate: { amountMinor: 5000, currency: \"USD\" } }) { userErrors { code } }",
        ] {
            let body = app
                .gql(
                    Some(&h.client),
                    &format!("mutation($c: ID!) {{ {mutation} }}"),
                    json!({ "c": h.contract }),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
        }
        let body = update(&app, &h.freelancer, &entry, 100).await;
        assert_eq!(
            errors(&body, "updateTimeEntry"),
            ["INVALID_STATE@input.minutes"],
            "{body}"
        );
        let body = log(&app, &h.freelancer, &h.contract, day, 20, "At the new rate").await;
        assert_eq!(outcome(&body, "logTime"), "OK", "{body}");
        let w = &body["data"]["logTime"]["timesheet"];
        assert_eq!(w["minutes"], 100);
        // 80 min at 60.00 + 20 min at 50.00 = 80.00 + 16.67 (half up).
        assert_eq!(w["amount"]["amountMinor"], 9_667, "{w}");

        // A day holds at most 50 entries.
        let many = hire_with(&app, "tl-many", hourly(6_000, 40, true)).await;
        for i in 0..50 {
            let body = log(
                &app,
                &many.freelancer,
                &many.contract,
                day,
                1,
                &format!("Ping {i}"),
            )
            .await;
            assert_eq!(outcome(&body, "logTime"), "OK", "{body}");
        }
        let body = log(&app, &many.freelancer, &many.contract, day, 1, "One more").await;
        assert_eq!(
            errors(&body, "logTime"),
            ["INVALID_STATE@input.date"],
            "{body}"
        );

        // Weeks outside the contract's, and the calendar's far ends, are no panic.
        for (monday, key) in [
            (week_start(day) - TimeDelta::days(7), "before-start-1"),
            (week_start(day) + TimeDelta::days(7), "in-future-001"),
        ] {
            let body = approve(&app, &h.client, &h.contract, monday, key).await;
            assert_eq!(
                errors(&body, "approveTimesheet"),
                ["VALIDATION@input.weekStart"],
                "{body}"
            );
        }
        for far in [json!(NaiveDate::MAX), json!(NaiveDate::MIN)] {
            let body = app
                .gql(
                    Some(&h.client),
                    "query($c: ID!, $d: NaiveDate) { contract(id: $c) { timesheet(weekOf: $d) {
                        weekStart weekEnd status reviewDeadline } } }",
                    json!({ "c": h.contract, "d": far }),
                )
                .await;
            assert!(body["errors"].is_null(), "{far}: {body}");
            assert!(
                body["data"]["contract"]["timesheet"]["weekStart"].is_string(),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn an_ended_week_is_approved_once_and_paid_through_the_ledger() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire_with(&app, "ap", hourly(6_000, 40, true)).await;
        started_days_ago(&app, &h, 21).await;
        let last_monday = week_start(today()) - TimeDelta::days(7);
        let entry = log_back_then(&app, &h, last_monday + TimeDelta::days(1), 150).await;
        // Last week has ended: no more time for it.
        let body = log(&app, &h.freelancer, &h.contract, last_monday, 30, "Late").await;
        assert_eq!(
            errors(&body, "logTime"),
            ["INVALID_STATE@input.date"],
            "{body}"
        );
        let w = week(&app, &h.client, &h.contract, last_monday).await;
        assert_eq!(w["status"], "IN_REVIEW", "{w}");
        assert_eq!(
            w["reviewDeadline"],
            json!(review_deadline(last_monday).to_rfc3339())
        );

        let body = approve(
            &app,
            &h.freelancer,
            &h.contract,
            last_monday,
            "approve-by-dev",
        )
        .await;
        assert_eq!(outcome(&body, "approveTimesheet"), "FORBIDDEN", "{body}");
        let body = approve(&app, &h.client, &h.contract, last_monday, "approve-week-1").await;
        assert_eq!(outcome(&body, "approveTimesheet"), "OK", "{body}");
        let w = &body["data"]["approveTimesheet"]["timesheet"];
        assert_eq!(w["status"], "APPROVED");
        assert_eq!(w["approvedAutomatically"], false);
        assert_eq!(w["payment"]["kind"], "HOURS");
        assert_eq!(
            w["payment"]["amount"]["amountMinor"], 15_000,
            "2.5 h at 60.00"
        );
        let paid = w["payment"]["id"].clone();
        // The same key replays; another key finds it approved; money moved once.
        let again = approve(&app, &h.client, &h.contract, last_monday, "approve-week-1").await;
        assert_eq!(
            again["data"]["approveTimesheet"]["timesheet"]["payment"]["id"], paid,
            "{again}"
        );
        let reused = approve(
            &app,
            &h.client,
            &h.contract,
            last_monday - TimeDelta::days(7),
            "approve-week-1",
        )
        .await;
        assert_eq!(
            errors(&reused, "approveTimesheet"),
            ["CONFLICT@input.idempotencyKey"],
            "{reused}"
        );
        let other = approve(&app, &h.client, &h.contract, last_monday, "approve-week-2").await;
        assert_eq!(
            errors(&other, "approveTimesheet"),
            ["INVALID_STATE@input.weekStart"],
            "{other}"
        );
        let hours: Vec<Value> = payments(&app, &h.client, &h.contract)
            .await
            .into_iter()
            .filter(|p| p["kind"] == "HOURS")
            .collect();
        assert_eq!(hours.len(), 1, "{hours:?}");
        let body = app
            .gql(
                Some(&h.freelancer),
                "{ viewer { balances { account balance { amountMinor } } } }",
                json!({}),
            )
            .await;
        let earned: Vec<&Value> = body["data"]["viewer"]["balances"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["account"] == "EARNINGS")
            .collect();
        assert_eq!(
            earned[0]["balance"]["amountMinor"], 13_500,
            "less the 10% fee: {body}"
        );
        // An approved week's entries are final; the job has nothing left to do.
        let body = update(
            &app,
            &h.freelancer,
            &json!(tests::global_id("TimeEntry", entry.id.0)),
            60,
        )
        .await;
        assert_eq!(
            errors(&body, "updateTimeEntry"),
            ["INVALID_STATE@input.timeEntryId"],
            "{body}"
        );
        let run = app
            .services()
            .await
            .contracts
            .run_hours_approval(Utc::now() + TimeDelta::days(30))
            .await
            .unwrap();
        assert_eq!(run.approved, 0, "{run:?}");
        assert_eq!(payments(&app, &h.client, &h.contract).await.len(), 1);
    }
}

#[tokio::test]
async fn disputes_last_until_friday_and_the_job_pays_unreviewed_weeks_once() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire_with(&app, "dj", hourly(6_000, 40, true)).await;
        started_days_ago(&app, &h, 28).await;
        let this_monday = week_start(today());
        let [w3, w2, w1] = [21, 14, 7].map(|d| this_monday - TimeDelta::days(d));
        log_back_then(&app, &h, w3 + TimeDelta::days(2), 60).await;
        let disputed_entry = log_back_then(&app, &h, w2, 90).await;
        log_back_then(&app, &h, w1 + TimeDelta::days(4), 120).await;
        let services = app.services().await;
        let client = app.actor_of(&h.client).await;
        let contract = Some(ContractId(uuid_of(&h.contract)));

        // The client disputes a week until the end of the following Friday.
        let late = services
            .contracts
            .dispute_timesheet_at(&client, contract, w2, "Not agreed", review_deadline(w2))
            .await
            .unwrap_err();
        assert_eq!(
            late.field_errors()[0].code,
            domain::ErrorCode::InvalidState,
            "{late}"
        );
        let thursday = w2 + TimeDelta::days(10);
        let disputed = services
            .contracts
            .dispute_timesheet_at(
                &client,
                contract,
                w2,
                "We agreed on one hour",
                noon(thursday),
            )
            .await
            .unwrap();
        assert_eq!(
            disputed.dispute_reason.as_deref(),
            Some("We agreed on one hour")
        );
        let body = review(
            &app,
            &h.client,
            "disputeTimesheet",
            &h.contract,
            w2,
            ", reason: \"Again\"",
        )
        .await;
        assert_eq!(
            errors(&body, "disputeTimesheet"),
            ["INVALID_STATE@input.weekStart"],
            "{body}"
        );
        // Over GraphQL: last week is disputable until Friday ends (today may be later).
        let body = review(
            &app,
            &h.client,
            "disputeTimesheet",
            &h.contract,
            w1,
            ", reason: \"Which feature?\"",
        )
        .await;
        let w1_disputed = Utc::now() < review_deadline(w1);
        if w1_disputed {
            assert_eq!(outcome(&body, "disputeTimesheet"), "OK", "{body}");
            let w = &body["data"]["disputeTimesheet"]["timesheet"];
            assert_eq!(w["status"], "DISPUTED");
            assert_eq!(w["disputeReason"], "Which feature?");
        } else {
            assert_eq!(
                errors(&body, "disputeTimesheet"),
                ["INVALID_STATE@input.weekStart"],
                "{body}"
            );
        }

        // The freelancer may lower a disputed week's entries, not raise them.
        let entry = json!(tests::global_id("TimeEntry", disputed_entry.id.0));
        let body = update(&app, &h.freelancer, &entry, 120).await;
        assert_eq!(
            errors(&body, "updateTimeEntry"),
            ["INVALID_STATE@input.minutes"],
            "{body}"
        );
        let body = update(&app, &h.freelancer, &entry, 60).await;
        assert_eq!(outcome(&body, "updateTimeEntry"), "OK", "{body}");
        assert_eq!(
            body["data"]["updateTimeEntry"]["timesheet"]["status"],
            "DISPUTED"
        );

        // Two processes run the job at once: each unreviewed week is paid once; the
        // disputed ones wait.
        // The client approves the due week at that moment too: one of the three pays it,
        // the others' charges (if any) are voided.
        let other = app.services().await;
        let now = Utc::now();
        let (a, b, by_client) = tokio::join!(
            services.contracts.run_hours_approval(now),
            other.contracts.run_hours_approval(now),
            approve(&app, &h.client, &h.contract, w3, "race-w3-0001")
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a.failed.is_empty() && b.failed.is_empty(), "{a:?} {b:?}");
        let client_won = outcome(&by_client, "approveTimesheet") == "OK";
        if !client_won {
            let refused = errors(&by_client, "approveTimesheet");
            assert!(
                refused == ["INVALID_STATE@input.weekStart"]
                    || refused == ["CONFLICT@input.weekStart"],
                "{by_client}"
            );
        }
        let w1_due = !w1_disputed && now >= review_deadline(w1);
        assert_eq!(
            a.approved + b.approved + u32::from(client_won),
            1 + u32::from(w1_due),
            "{a:?} {b:?} {by_client}"
        );
        let w = week(&app, &h.freelancer, &h.contract, w3).await;
        assert_eq!(w["status"], "APPROVED", "{w}");
        assert_eq!(w["approvedAutomatically"], !client_won);
        assert_eq!(w["payment"]["amount"]["amountMinor"], 6_000);
        assert_charged_as_paid(&app, &h).await;
        assert_eq!(
            week(&app, &h.client, &h.contract, w2).await["status"],
            "DISPUTED"
        );
        let again = services.contracts.run_hours_approval(now).await.unwrap();
        assert_eq!(again.approved, 0, "{again:?}");

        // The client settles the dispute by approving what is left.
        let body = approve(&app, &h.client, &h.contract, w2, "settle-w2-0001").await;
        assert_eq!(outcome(&body, "approveTimesheet"), "OK", "{body}");
        assert_eq!(
            body["data"]["approveTimesheet"]["timesheet"]["payment"]["amount"]["amountMinor"],
            6_000
        );
        let hours = payments(&app, &h.client, &h.contract)
            .await
            .into_iter()
            .filter(|p| p["kind"] == "HOURS")
            .count();
        assert_eq!(hours, 2 + usize::from(w1_due));
        assert_charged_as_paid(&app, &h).await;
        // A week without time has nothing to review.
        let empty = this_monday - TimeDelta::days(28);
        let body = approve(&app, &h.client, &h.contract, empty, "approve-empty-1").await;
        assert_eq!(
            errors(&body, "approveTimesheet"),
            ["INVALID_STATE@input.weekStart"],
            "{body}"
        );
        assert_eq!(empty.weekday(), chrono::Weekday::Mon);
    }
}

#[tokio::test]
async fn a_contract_thread_goes_on_from_its_proposal_for_its_parties_only() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire(&app, "th", &[5_000]).await;
        let send = |token: String, body: &'static str| {
            let app = &app;
            let contract = h.contract.clone();
            async move {
                app.gql(
                    Some(&token),
                    "mutation($c: ID!, $b: String!) { sendContractMessage(input: { contractId: $c, body: $b }) {
                        message { id body side mine } userErrors { field code message } } }",
                    json!({ "c": contract, "b": body }),
                )
                .await
            }
        };
        // The proposal's thread (the proposal is HIRED) and the contract's are one.
        let body = app
            .gql(
                Some(&h.client),
                "mutation($p: ID!) { sendProposalMessage(input: { proposalId: $p, body: \"Welcome aboard\" }) {
                    message { id } userErrors { field code message } } }",
                json!({ "p": h.proposal }),
            )
            .await;
        assert_eq!(outcome(&body, "sendProposalMessage"), "OK", "{body}");
        let body = send(h.freelancer.clone(), "Thanks! Starting today.").await;
        assert_eq!(outcome(&body, "sendContractMessage"), "OK", "{body}");
        assert_eq!(
            body["data"]["sendContractMessage"]["message"]["side"],
            "FREELANCER"
        );
        let last = body["data"]["sendContractMessage"]["message"]["id"].clone();
        let stranger = app.dev_token("th-stranger", "client").await;
        let body = send(stranger.clone(), "Hello?").await;
        assert_eq!(
            errors(&body, "sendContractMessage"),
            ["NOT_FOUND@input.contractId"],
            "{body}"
        );
        let body = send(h.client.clone(), "   ").await;
        assert_eq!(
            errors(&body, "sendContractMessage"),
            ["VALIDATION@input.body"],
            "{body}"
        );

        let read = "query($c: ID!) { contract(id: $c) { unreadMessageCount lastMessage { body }
            messages(first: 10) { nodes { body side mine } } } }";
        let body = app
            .gql(Some(&h.client), read, json!({ "c": h.contract }))
            .await;
        let c = &body["data"]["contract"];
        assert_eq!(c["unreadMessageCount"], 1, "{body}");
        assert_eq!(c["lastMessage"]["body"], "Thanks! Starting today.");
        let bodies: Vec<&str> = c["messages"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies, ["Thanks! Starting today.", "Welcome aboard"]);
        let body = app
            .gql(Some(&stranger), read, json!({ "c": h.contract }))
            .await;
        assert_eq!(body["data"]["contract"], Value::Null, "{body}");

        let body = app
            .gql(
                Some(&h.client),
                "mutation($c: ID!, $m: ID!) { markContractMessagesRead(input: { contractId: $c, upTo: $m }) {
                    contract { unreadMessageCount } userErrors { field code message } } }",
                json!({ "c": h.contract, "m": last }),
            )
            .await;
        assert_eq!(outcome(&body, "markContractMessagesRead"), "OK", "{body}");
        assert_eq!(
            body["data"]["markContractMessagesRead"]["contract"]["unreadMessageCount"],
            0
        );

        // An ended contract's thread still takes messages (final payments, reviews).
        let body = app
            .gql(
                Some(&h.freelancer),
                "mutation($c: ID!) { endContract(input: { contractId: $c, reason: \"Done\" }) { userErrors { code } } }",
                json!({ "c": h.contract }),
            )
            .await;
        assert_eq!(outcome(&body, "endContract"), "OK", "{body}");
        let body = send(h.client.clone(), "Thank you, great work.").await;
        assert_eq!(outcome(&body, "sendContractMessage"), "OK", "{body}");
    }
}

#[tokio::test]
async fn a_page_of_hourly_contracts_with_weeks_and_threads_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme-h", "client").await;
        let query = "{ viewer { contracts(first: 5) { nodes { id timesheets(first: 2) { nodes {
                minutes status days { minutes } payment { id amount { amountMinor } }
                entries { id hourlyRate { amountMinor } } } }
                timesheet { minutes entries { id } } unreadMessageCount lastMessage { body }
                messages(first: 3) { nodes { body } } freelancer { id } } } } }";
        let mut costs = Vec::new();
        let mut hired = 0;
        for target in [2, 5] {
            while hired < target {
                let posting = posting(&app, &acme, 1).await;
                let (dev, prop) = proposal(&app, &format!("hdev{hired}"), &posting).await;
                into_pipeline(&app, &acme, &posting, &prop).await;
                let body = make_offer(&app, &acme, &prop, hourly(5_000, 30, true)).await;
                let offer = body["data"]["makeOffer"]["offer"]["id"].clone();
                let body = accept(&app, &dev, &offer).await;
                assert_eq!(outcome(&body, "acceptOffer"), "OK", "{body}");
                let contract = body["data"]["acceptOffer"]["contract"]["id"].clone();
                let body = log(&app, &dev, &contract, today(), 60, "Kick-off").await;
                assert_eq!(outcome(&body, "logTime"), "OK", "{body}");
                // Last week, approved and paid, so the page loads payments too.
                let id = app.sql_uuid(uuid_of(&contract));
                app.backdate("contracts", "started_at", &format!("id = {id}"), 14)
                    .await;
                let last_monday = week_start(today()) - TimeDelta::days(7);
                log_back_then_as(&app, &dev, &contract, last_monday, 30).await;
                let body = approve(
                    &app,
                    &acme,
                    &contract,
                    last_monday,
                    &format!("n1-key-{hired:04}"),
                )
                .await;
                assert_eq!(outcome(&body, "approveTimesheet"), "OK", "{body}");
                hired += 1;
            }
            app.gql(Some(&acme), query, json!({})).await;
            let before = app.statements.get();
            let body = app.gql(Some(&acme), query, json!({})).await;
            let cost = app.statements.get() - before;
            let nodes = body["data"]["viewer"]["contracts"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"));
            assert_eq!(nodes.len(), target, "{body}");
            assert!(
                nodes
                    .iter()
                    .all(|n| n["timesheets"]["nodes"][0]["minutes"] == 60
                        && n["timesheets"]["nodes"][1]["payment"]["amount"]["amountMinor"]
                            == 2_500),
                "{body}"
            );
            assert!(
                nodes
                    .iter()
                    .all(|n| n["timesheet"]["entries"].as_array().unwrap().len() == 1)
            );
            costs.push(cost);
        }
        assert_eq!(
            costs[0], costs[1],
            "statements for 2 and 5 contracts: {costs:?}"
        );
    }
}

#[tokio::test]
async fn who_may_log_review_and_message_on_an_hourly_contract() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire_with(&app, "wh", hourly(6_000, 40, true)).await;
        let body = log(&app, &h.freelancer, &h.contract, today(), 60, "Kick-off").await;
        assert_eq!(outcome(&body, "logTime"), "OK", "{body}");
        let entry = body["data"]["logTime"]["timeEntry"]["id"].clone();
        let stranger = app.dev_token("wh-stranger", "freelancer").await;
        let other_client = app.dev_token("wh-other-client", "client").await;
        let admin = app.dev_token("wh-ops", "").await;
        app.database()
            .execute("UPDATE users SET is_admin = TRUE WHERE display_name = 'wh-ops'")
            .await;
        let outsiders: [(&str, Option<&str>); 4] = [
            ("anonymous", None),
            ("stranger", Some(&stranger)),
            ("other client", Some(&other_client)),
            ("admin", Some(&admin)),
        ];
        let last_monday = week_start(today()) - TimeDelta::days(7);
        let client_only: [(&str, String, Value); 2] = [
            (
                "approveTimesheet",
                format!(
                    "contractId: $id, weekStart: \"{last_monday}\", idempotencyKey: \"auth-week-01\""
                ),
                h.contract.clone(),
            ),
            (
                "disputeTimesheet",
                format!("contractId: $id, weekStart: \"{last_monday}\", reason: \"No\""),
                h.contract.clone(),
            ),
        ];
        let mut callers = outsiders.to_vec();
        callers.push(("freelancer", Some(&h.freelancer)));
        refused(&app, &client_only, &callers, "freelancer").await;
        let freelancer_only: [(&str, String, Value); 3] = [
            (
                "logTime",
                format!(
                    "contractId: $id, date: \"{}\", minutes: 30, memo: \"Work\"",
                    today()
                ),
                h.contract.clone(),
            ),
            (
                "updateTimeEntry",
                "timeEntryId: $id, minutes: 30".into(),
                entry.clone(),
            ),
            ("deleteTimeEntry", "timeEntryId: $id".into(), entry.clone()),
        ];
        let mut callers = outsiders.to_vec();
        callers.push(("client", Some(&h.client)));
        refused(&app, &freelancer_only, &callers, "client").await;
        let body = app
            .gql(
                Some(&h.client),
                "mutation($c: ID!) { sendContractMessage(input: { contractId: $c, body: \"Welcome\" }) {
                    message { id } userErrors { code } } }",
                json!({ "c": h.contract }),
            )
            .await;
        assert_eq!(outcome(&body, "sendContractMessage"), "OK", "{body}");
        let message = body["data"]["sendContractMessage"]["message"]["id"].clone();
        let either: [(&str, String, Value); 2] = [
            (
                "sendContractMessage",
                "contractId: $id, body: \"Hello\"".into(),
                h.contract.clone(),
            ),
            (
                "markContractMessagesRead",
                format!("contractId: $id, upTo: {message}"),
                h.contract.clone(),
            ),
        ];
        refused(&app, &either, &outsiders, "").await;
        // Nothing changed: the one entry, no payment, the client's message only.
        let w = week(&app, &h.client, &h.contract, today()).await;
        assert_eq!(w["minutes"], 60, "{w}");
        assert_eq!(w["entries"].as_array().unwrap().len(), 1, "{w}");
        assert!(payments(&app, &h.client, &h.contract).await.is_empty());
        let body = app
            .gql(
                Some(&h.client),
                "query($c: ID!) { contract(id: $c) { lastMessage { body } } }",
                json!({ "c": h.contract }),
            )
            .await;
        assert_eq!(
            body["data"]["contract"]["lastMessage"]["body"], "Welcome",
            "{body}"
        );
    }
}

#[tokio::test]
async fn concurrent_entries_cannot_both_take_a_weeks_last_hours() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire_with(&app, "race", hourly(6_000, 2, true)).await;
        let tries = (0..6).map(|i| {
            let (app, h) = (&app, &h);
            async move {
                log(
                    app,
                    &h.freelancer,
                    &h.contract,
                    today(),
                    60,
                    &format!("Hour {i}"),
                )
                .await
            }
        });
        let bodies = futures_util::future::join_all(tries).await;
        let mut outcomes: Vec<String> = bodies.iter().map(|b| outcome(b, "logTime")).collect();
        outcomes.sort();
        assert_eq!(
            outcomes,
            [
                "INVALID_STATE",
                "INVALID_STATE",
                "INVALID_STATE",
                "INVALID_STATE",
                "OK",
                "OK"
            ],
            "{bodies:?}"
        );
        let w = week(&app, &h.client, &h.contract, today()).await;
        assert_eq!(w["minutes"], 120, "{w}");
        assert_eq!(w["entries"].as_array().unwrap().len(), 2, "{w}");
    }
}

#[tokio::test]
async fn provider_failures_while_paying_a_week_leave_one_charge_per_paid_week() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire_with(&app, "pf", hourly(6_000, 40, true)).await;
        started_days_ago(&app, &h, 28).await;
        let this_monday = week_start(today());
        let [w3, w2] = [21, 14].map(|d| this_monday - TimeDelta::days(d));
        log_back_then(&app, &h, w3, 60).await;
        log_back_then(&app, &h, w2, 90).await;

        // The client's approval: a decline and a timeout before charging change nothing;
        // a timeout after charging asks for a retry with the same key, which completes
        // with the payment already made.
        app.sandbox
            .fail_next(&[domain::contracts::SandboxFailure::Decline]);
        let body = approve(&app, &h.client, &h.contract, w2, "pf-w2-00001").await;
        assert_eq!(
            outcome(&body, "approveTimesheet"),
            "INVALID_STATE",
            "{body}"
        );
        app.sandbox
            .fail_next(&[domain::contracts::SandboxFailure::TimeoutBeforeCharging]);
        let body = approve(&app, &h.client, &h.contract, w2, "pf-w2-00001").await;
        assert_eq!(outcome(&body, "approveTimesheet"), "UNAVAILABLE", "{body}");
        assert_eq!(
            week(&app, &h.client, &h.contract, w2).await["status"],
            "IN_REVIEW"
        );
        assert!(app.sandbox.payments().is_empty());
        app.sandbox
            .fail_next(&[domain::contracts::SandboxFailure::TimeoutAfterCharging]);
        let body = approve(&app, &h.client, &h.contract, w2, "pf-w2-00001").await;
        assert_eq!(outcome(&body, "approveTimesheet"), "UNAVAILABLE", "{body}");
        assert_eq!(app.sandbox.payments().len(), 1, "charged, not recorded");
        let body = approve(&app, &h.client, &h.contract, w2, "pf-w2-00001").await;
        assert_eq!(outcome(&body, "approveTimesheet"), "OK", "{body}");
        assert_eq!(
            body["data"]["approveTimesheet"]["timesheet"]["payment"]["amount"]["amountMinor"],
            9_000
        );
        assert_charged_as_paid(&app, &h).await;

        // The job charges the due week and times out; the client then approves it: the
        // job's charge is voided, one payment stays.
        let services = app.services().await;
        app.sandbox
            .fail_next(&[domain::contracts::SandboxFailure::TimeoutAfterCharging]);
        let run = services
            .contracts
            .run_hours_approval(Utc::now())
            .await
            .unwrap();
        assert_eq!((run.approved, run.failed.len()), (0, 1), "{run:?}");
        let body = approve(&app, &h.client, &h.contract, w3, "pf-w3-00001").await;
        assert_eq!(outcome(&body, "approveTimesheet"), "OK", "{body}");
        assert_charged_as_paid(&app, &h).await;
        let run = services
            .contracts
            .run_hours_approval(Utc::now())
            .await
            .unwrap();
        assert_eq!((run.approved, run.failed.len()), (0, 0), "{run:?}");
    }
}

#[tokio::test]
async fn the_job_pays_a_week_whose_first_attempt_timed_out_once() {
    for setup in setups() {
        let app = app(&setup).await;
        let h = hire_with(&app, "jt", hourly(6_000, 40, true)).await;
        started_days_ago(&app, &h, 21).await;
        let w2 = week_start(today()) - TimeDelta::days(14);
        log_back_then(&app, &h, w2 + TimeDelta::days(3), 45).await;
        let services = app.services().await;
        // A declined payment and a timeout before charging leave the week for later.
        for failure in [
            domain::contracts::SandboxFailure::Decline,
            domain::contracts::SandboxFailure::TimeoutBeforeCharging,
        ] {
            app.sandbox.fail_next(&[failure]);
            let run = services
                .contracts
                .run_hours_approval(Utc::now())
                .await
                .unwrap();
            assert_eq!(
                (run.approved, run.failed.len()),
                (0, 1),
                "{failure:?}: {run:?}"
            );
            assert!(app.sandbox.payments().is_empty(), "{failure:?}");
        }
        assert_eq!(
            week(&app, &h.client, &h.contract, w2).await["status"],
            "IN_REVIEW"
        );
        app.sandbox
            .fail_next(&[domain::contracts::SandboxFailure::TimeoutAfterCharging]);
        let run = services
            .contracts
            .run_hours_approval(Utc::now())
            .await
            .unwrap();
        assert_eq!((run.approved, run.failed.len()), (0, 1), "{run:?}");
        // The next run asks with the same key, finds the payment made and records it.
        let run = services
            .contracts
            .run_hours_approval(Utc::now())
            .await
            .unwrap();
        assert_eq!((run.approved, run.failed.len()), (1, 0), "{run:?}");
        let w = week(&app, &h.client, &h.contract, w2).await;
        assert_eq!(w["status"], "APPROVED", "{w}");
        assert_eq!(w["payment"]["amount"]["amountMinor"], 4_500);
        assert_charged_as_paid(&app, &h).await;
    }
}

#[tokio::test]
async fn a_week_worth_nothing_is_approved_without_a_payment_and_a_repeat_returns_it() {
    for setup in setups() {
        let app = app(&setup).await;
        // 0.20 an hour: one minute is worth a third of a cent, rounded to nothing.
        let h = hire_with(&app, "zero", hourly(20, 40, true)).await;
        started_days_ago(&app, &h, 14).await;
        let last_monday = week_start(today()) - TimeDelta::days(7);
        log_back_then(&app, &h, last_monday, 1).await;
        for _ in 0..2 {
            let body = approve(&app, &h.client, &h.contract, last_monday, "zero-week-01").await;
            assert_eq!(outcome(&body, "approveTimesheet"), "OK", "{body}");
            let w = &body["data"]["approveTimesheet"]["timesheet"];
            assert_eq!(w["status"], "APPROVED", "{w}");
            assert_eq!(w["amount"]["amountMinor"], 0);
            assert_eq!(w["payment"], Value::Null);
        }
        assert!(payments(&app, &h.client, &h.contract).await.is_empty());
        assert!(app.sandbox.payments().is_empty());
    }
}
