#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Interviews and coding tasks on proposals over GraphQL: an interview scheduled,
//! confirmed, rescheduled (the confirmation reset) and cancelled; overlapping
//! interviews of an interviewer refused with the interviewer's path; bad input refused
//! on its field with nothing changed; a coding task submitted on time, replaced, and
//! marked late after its due time; who may do what; and the cost of a page of
//! proposals with their interviews and coding tasks.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};
use tests::payload::{errors, outcome};
use tests::{Setup, TestApp, setups};

async fn app(setup: &Setup) -> TestApp {
    TestApp::spawn_with(setup, |s| s.dev_login = true).await
}

/// A published fixed-price posting of `token`'s with no questions: its ID.
async fn posting(app: &TestApp, token: &str) -> Value {
    let category =
        app.query("{ categories { id } }", json!({})).await["categories"][0]["id"].clone();
    let fields = json!({
        "title": "Senior Rust engineer",
        "description": "Build and run our payments API in Rust on PostgreSQL, with care and tests.",
        "categoryId": category,
        "skills": [{ "skill": "rust" }],
        "hireType": "FREELANCE_SHORT_TERM",
        "budget": { "kind": "FIXED", "min": { "amountMinor": 500000, "currency": "USD" } },
        "experienceLevel": "EXPERT",
        "duration": "ONE_TO_THREE_MONTHS",
    });
    let body = app
        .gql(
            Some(token),
            "mutation($p: PostingFields!) { createPosting(input: { posting: $p }) { posting { id } } }",
            json!({ "p": fields }),
        )
        .await;
    let id = body["data"]["createPosting"]["posting"]["id"].clone();
    assert!(id.is_string(), "{body}");
    let body = app
        .gql(
            Some(token),
            "mutation($id: ID!) { publishPosting(input: { postingId: $id, expectedVersion: 1 }) {
                userErrors { message } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["publishPosting"]["userErrors"],
        json!([]),
        "{body}"
    );
    id
}

const SUBMIT: &str = "mutation($p: ID!, $a: ID, $m: ID) { submitProposal(input: { postingId: $p,
    agencyId: $a, memberId: $m, bid: { amountMinor: 450000, currency: \"USD\" }, durationDays: 40,
    coverLetter: \"I have built payment ledgers in Rust for six years; here is how I would start.\" }) {
    proposal { id } userErrors { field code message } } }";

/// `token`'s proposal on `posting`: its ID.
async fn propose(app: &TestApp, token: &str, posting: &Value) -> Value {
    let body = app.gql(Some(token), SUBMIT, json!({ "p": posting })).await;
    let id = body["data"]["submitProposal"]["proposal"]["id"].clone();
    assert!(id.is_string(), "{body}");
    id
}

/// A new freelancer's proposal on `posting`: their token and the proposal's ID.
async fn proposal(app: &TestApp, handle: &str, posting: &Value) -> (String, Value) {
    let token = app.dev_token(handle, "freelancer").await;
    let id = propose(app, &token, posting).await;
    (token, id)
}

async fn user_id(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), "{ viewer { id } }", json!({})).await["data"]["viewer"]["id"].clone()
}

async fn display_name(app: &TestApp, token: &str) -> String {
    app.gql(Some(token), "{ viewer { displayName } }", json!({}))
        .await["data"]["viewer"]["displayName"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The posting's stages (its client asks): (ID, name) in order.
async fn stages(app: &TestApp, client: &str, posting: &Value) -> Vec<(Value, String)> {
    let body = app
        .gql(
            Some(client),
            "query($id: ID!) { posting(id: $id) { pipeline { id name } } }",
            json!({ "id": posting }),
        )
        .await;
    body["data"]["posting"]["pipeline"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| (s["id"].clone(), s["name"].as_str().unwrap().to_owned()))
        .collect()
}

async fn add_evaluator(app: &TestApp, client: &str, posting: &Value, user: &Value) {
    let body = app
        .gql(
            Some(client),
            "mutation($p: ID!, $u: ID!) { addPostingEvaluator(input: { postingId: $p, userId: $u }) {
                userErrors { field code message } } }",
            json!({ "p": posting, "u": user }),
        )
        .await;
    assert_eq!(outcome(&body, "addPostingEvaluator"), "OK", "{body}");
}

/// A time `days` from now at `hour`:`minute` UTC, as the API writes it.
fn at(days: i64, hour: i64, minute: i64) -> String {
    let day = Utc::now().date_naive() + TimeDelta::days(days);
    let t = day.and_hms_opt(0, 0, 0).unwrap().and_utc()
        + TimeDelta::hours(hour)
        + TimeDelta::minutes(minute);
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(
        value
            .as_str()
            .unwrap_or_else(|| panic!("not a time: {value}")),
    )
    .unwrap()
    .with_timezone(&Utc)
}

const INTERVIEW: &str = "id status startsAt endsAt durationMinutes timeZone meetingLink confirmedAt
    interviewerCount interviewerNames cancelReason cancelledAt stage { id name kind position }";

fn schedule_query() -> String {
    format!(
        "mutation($p: ID!, $s: ID!, $at: DateTime!, $d: Int!, $tz: String!, $link: String, $who: [ID!]!) {{
        scheduleInterview(input: {{ proposalId: $p, stageId: $s, startsAt: $at, durationMinutes: $d,
            timeZone: $tz, meetingLink: $link, interviewerIds: $who }}) {{
        interview {{ {INTERVIEW} }} userErrors {{ field code message }} }} }}"
    )
}

/// Schedule variables: a good hour-long interview unless `change` says otherwise.
fn schedule_vars(proposal: &Value, stage: &Value, starts: &str, who: Vec<Value>) -> Value {
    json!({ "p": proposal, "s": stage, "at": starts, "d": 60, "tz": "Europe/Berlin",
            "link": "https://meet.example.com/fay", "who": who })
}

async fn schedule(app: &TestApp, token: Option<&str>, vars: Value) -> Value {
    app.gql(token, &schedule_query(), vars).await
}

/// Schedules and expects success: the interview.
async fn scheduled(app: &TestApp, token: &str, vars: Value) -> Value {
    let body = schedule(app, Some(token), vars).await;
    assert_eq!(outcome(&body, "scheduleInterview"), "OK", "{body}");
    body["data"]["scheduleInterview"]["interview"].clone()
}

fn reschedule_query(with_link: bool) -> String {
    let (var, field) = if with_link {
        (", $link: String", ", meetingLink: $link")
    } else {
        ("", "")
    };
    format!(
        "mutation($id: ID!, $at: DateTime!, $d: Int!, $tz: String!{var}) {{
        rescheduleInterview(input: {{ interviewId: $id, startsAt: $at, durationMinutes: $d, timeZone: $tz{field} }}) {{
        interview {{ {INTERVIEW} }} userErrors {{ field code message }} }} }}"
    )
}

fn confirm_query() -> String {
    format!(
        "mutation($id: ID!) {{ confirmInterview(input: {{ interviewId: $id }}) {{
        interview {{ {INTERVIEW} }} userErrors {{ field code message }} }} }}"
    )
}

fn cancel_query() -> String {
    format!(
        "mutation($id: ID!, $r: String) {{ cancelInterview(input: {{ interviewId: $id, reason: $r }}) {{
        interview {{ {INTERVIEW} }} userErrors {{ field code message }} }} }}"
    )
}

const TASK: &str = "id status instructions dueAt submissionLink submittedAt late cancelReason
    stage { id name }";

fn assign_query() -> String {
    format!(
        "mutation($p: ID!, $s: ID!, $i: String!, $due: DateTime!) {{
        assignCodingTask(input: {{ proposalId: $p, stageId: $s, instructions: $i, dueAt: $due }}) {{
        codingTask {{ {TASK} }} userErrors {{ field code message }} }} }}"
    )
}

fn submit_query() -> String {
    format!(
        "mutation($id: ID!, $l: String!) {{ submitCodingTask(input: {{ codingTaskId: $id, submissionLink: $l }}) {{
        codingTask {{ {TASK} }} userErrors {{ field code message }} }} }}"
    )
}

fn cancel_task_query() -> String {
    format!(
        "mutation($id: ID!, $r: String) {{ cancelCodingTask(input: {{ codingTaskId: $id, reason: $r }}) {{
        codingTask {{ {TASK} }} userErrors {{ field code message }} }} }}"
    )
}

/// The proposal's interviews and coding tasks as `token` reads them; null when they do
/// not see the proposal.
async fn read(app: &TestApp, token: Option<&str>, proposal: &Value) -> Value {
    let body = app
        .gql(
            token,
            &format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on Proposal {{
                    interviews {{ {INTERVIEW} }} codingTasks {{ {TASK} }} }} }} }}"
            ),
            json!({ "id": proposal }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["node"].clone()
}

async fn remove_stage(app: &TestApp, client: &str, posting: &Value, stage: &Value) -> Value {
    app.gql(
        Some(client),
        "mutation($p: ID!, $s: ID!) { removePipelineStage(input: { postingId: $p, stageId: $s }) {
            userErrors { field code message } } }",
        json!({ "p": posting, "s": stage }),
    )
    .await
}

#[tokio::test]
async fn an_interview_is_scheduled_confirmed_rescheduled_and_cancelled() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme).await;
        let (fay, proposal) = proposal(&app, "fay", &posting).await;
        // The pipeline is still the template: scheduling stores it, with the same IDs.
        let before = stages(&app, &acme, &posting).await;
        let technical = before[1].0.clone();
        let me = user_id(&app, &acme).await;
        let starts = at(3, 9, 0);
        let interview = scheduled(
            &app,
            &acme,
            schedule_vars(&proposal, &technical, &starts, vec![me.clone()]),
        )
        .await;
        assert_eq!(stages(&app, &acme, &posting).await, before, "{setup:?}");
        assert_eq!(interview["status"], "SCHEDULED");
        assert_eq!(time(&interview["startsAt"]), time(&json!(starts)));
        assert_eq!(
            time(&interview["endsAt"]) - time(&interview["startsAt"]),
            TimeDelta::minutes(60)
        );
        assert_eq!(interview["timeZone"], "Europe/Berlin");
        assert_eq!(interview["meetingLink"], "https://meet.example.com/fay");
        assert_eq!(interview["confirmedAt"], Value::Null);
        assert_eq!(interview["interviewerCount"], 1);
        assert_eq!(
            interview["interviewerNames"],
            json!([display_name(&app, &acme).await])
        );
        assert_eq!(interview["stage"]["id"], technical);
        assert_eq!(interview["stage"]["kind"], "TECHNICAL_INTERVIEW");
        assert_eq!(interview["stage"]["position"], 1);
        let id = interview["id"].clone();
        // The freelancer sees it and confirms it.
        let seen = read(&app, Some(&fay), &proposal).await;
        assert_eq!(seen["interviews"][0]["id"], id, "{setup:?}: {seen}");
        let body = app
            .gql(Some(&fay), &confirm_query(), json!({ "id": id }))
            .await;
        assert_eq!(outcome(&body, "confirmInterview"), "OK", "{body}");
        let confirmed = body["data"]["confirmInterview"]["interview"].clone();
        assert!(confirmed["confirmedAt"].is_string(), "{confirmed}");
        // Confirming again keeps the first confirmation.
        let body = app
            .gql(Some(&fay), &confirm_query(), json!({ "id": id }))
            .await;
        assert_eq!(
            body["data"]["confirmInterview"]["interview"]["confirmedAt"],
            confirmed["confirmedAt"]
        );
        // Rescheduled: a new time, the link kept, the confirmation reset.
        let later = at(4, 14, 30);
        let body = app
            .gql(
                Some(&acme),
                &reschedule_query(false),
                json!({ "id": id, "at": later, "d": 90, "tz": "America/New_York" }),
            )
            .await;
        assert_eq!(outcome(&body, "rescheduleInterview"), "OK", "{body}");
        let moved = body["data"]["rescheduleInterview"]["interview"].clone();
        assert_eq!(time(&moved["startsAt"]), time(&json!(later)), "{setup:?}");
        assert_eq!(moved["durationMinutes"], 90);
        assert_eq!(moved["timeZone"], "America/New_York");
        assert_eq!(moved["meetingLink"], "https://meet.example.com/fay");
        assert_eq!(moved["confirmedAt"], Value::Null, "{setup:?}: reset");
        // A reschedule with `meetingLink: null` removes the link.
        let body = app
            .gql(
                Some(&acme),
                &reschedule_query(true),
                json!({ "id": id, "at": later, "d": 90, "tz": "America/New_York", "link": null }),
            )
            .await;
        assert_eq!(
            body["data"]["rescheduleInterview"]["interview"]["meetingLink"],
            Value::Null,
            "{body}"
        );
        let body = app
            .gql(Some(&fay), &confirm_query(), json!({ "id": id }))
            .await;
        assert!(
            body["data"]["confirmInterview"]["interview"]["confirmedAt"].is_string(),
            "{body}"
        );
        // A stage with an interview is not removed.
        let body = remove_stage(&app, &acme, &posting, &technical).await;
        assert_eq!(
            errors(&body, "removePipelineStage"),
            ["INVALID_STATE@input.stageId"],
            "{setup:?}: {body}"
        );
        // Cancelled, with a reason; then neither cancelled again, nor confirmed, nor moved.
        let body = app
            .gql(
                Some(&acme),
                &cancel_query(),
                json!({ "id": id, "r": "We hired someone else." }),
            )
            .await;
        assert_eq!(outcome(&body, "cancelInterview"), "OK", "{body}");
        let cancelled = body["data"]["cancelInterview"]["interview"].clone();
        assert_eq!(cancelled["status"], "CANCELLED");
        assert_eq!(cancelled["cancelReason"], "We hired someone else.");
        assert!(cancelled["cancelledAt"].is_string());
        let body = app
            .gql(Some(&acme), &cancel_query(), json!({ "id": id }))
            .await;
        assert_eq!(
            errors(&body, "cancelInterview"),
            ["INVALID_STATE@input.interviewId"]
        );
        let body = app
            .gql(Some(&fay), &confirm_query(), json!({ "id": id }))
            .await;
        assert_eq!(
            errors(&body, "confirmInterview"),
            ["INVALID_STATE@input.interviewId"]
        );
        let body = app
            .gql(
                Some(&acme),
                &reschedule_query(false),
                json!({ "id": id, "at": at(5, 9, 0), "d": 30, "tz": "UTC" }),
            )
            .await;
        assert_eq!(
            errors(&body, "rescheduleInterview"),
            ["INVALID_STATE@input.interviewId"]
        );
        // Both sides read the cancelled interview, unchanged by the refusals.
        let seen = read(&app, Some(&fay), &proposal).await;
        assert_eq!(seen["interviews"], json!([cancelled]), "{setup:?}");
    }
}

#[tokio::test]
async fn overlapping_interviews_of_an_interviewer_are_refused() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let eva = app.dev_token("eva", "client").await;
        let posting = posting(&app, &acme).await;
        let (_, fay_proposal) = proposal(&app, "fay", &posting).await;
        let (_, gus_proposal) = proposal(&app, "gus", &posting).await;
        let (me, eva_id) = (user_id(&app, &acme).await, user_id(&app, &eva).await);
        add_evaluator(&app, &acme, &posting, &eva_id).await;
        let stage = stages(&app, &acme, &posting).await[1].0.clone();
        let first = scheduled(
            &app,
            &acme,
            schedule_vars(&fay_proposal, &stage, &at(2, 10, 0), vec![me.clone()]),
        )
        .await;
        // Half an hour in, with eva and acme: acme (the second) is busy.
        let body = schedule(
            &app,
            Some(&acme),
            schedule_vars(
                &gus_proposal,
                &stage,
                &at(2, 10, 30),
                vec![eva_id.clone(), me.clone()],
            ),
        )
        .await;
        assert_eq!(
            errors(&body, "scheduleInterview"),
            ["CONFLICT@input.interviewerIds.1"],
            "{setup:?}: {body}"
        );
        assert_eq!(body["data"]["scheduleInterview"]["interview"], Value::Null);
        assert_eq!(
            read(&app, Some(&acme), &gus_proposal).await["interviews"],
            json!([]),
            "{setup:?}: nothing was scheduled"
        );
        // Eva alone then is free; acme right after the first, back to back, too.
        let evas = scheduled(
            &app,
            &acme,
            schedule_vars(&gus_proposal, &stage, &at(2, 10, 30), vec![eva_id.clone()]),
        )
        .await;
        assert_eq!(
            evas["interviewerNames"],
            json!([display_name(&app, &eva).await])
        );
        scheduled(
            &app,
            &acme,
            schedule_vars(&gus_proposal, &stage, &at(2, 11, 0), vec![me.clone()]),
        )
        .await;
        // Moving the first onto acme's 11:00: CONFLICT on startsAt, nothing moved.
        let body = app
            .gql(
                Some(&acme),
                &reschedule_query(false),
                json!({ "id": first["id"], "at": at(2, 10, 45), "d": 60, "tz": "UTC" }),
            )
            .await;
        assert_eq!(
            errors(&body, "rescheduleInterview"),
            ["CONFLICT@input.startsAt"],
            "{setup:?}: {body}"
        );
        assert_eq!(
            read(&app, Some(&acme), &fay_proposal).await["interviews"][0]["startsAt"],
            first["startsAt"]
        );
        // Moving it within its own hour overlaps only itself.
        let body = app
            .gql(
                Some(&acme),
                &reschedule_query(false),
                json!({ "id": first["id"], "at": at(2, 9, 45), "d": 75, "tz": "UTC" }),
            )
            .await;
        assert_eq!(outcome(&body, "rescheduleInterview"), "OK", "{body}");
        // Once cancelled, the first no longer holds acme's morning.
        let body = app
            .gql(Some(&acme), &cancel_query(), json!({ "id": first["id"] }))
            .await;
        assert_eq!(outcome(&body, "cancelInterview"), "OK", "{body}");
        assert_eq!(
            body["data"]["cancelInterview"]["interview"]["cancelReason"],
            Value::Null
        );
        scheduled(
            &app,
            &acme,
            schedule_vars(&gus_proposal, &stage, &at(2, 10, 0), vec![me.clone()]),
        )
        .await;
        let db = app.database();
        assert_eq!(db.count("SELECT COUNT(*) FROM interviews").await, 4);
    }
}

#[tokio::test]
async fn bad_input_is_refused_on_its_field_and_changes_nothing() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let rita = app.dev_token("rita", "client").await;
        let posting = posting(&app, &acme).await;
        let other_posting = self::posting(&app, &rita).await;
        let (fay, proposal) = proposal(&app, "fay", &posting).await;
        let me = user_id(&app, &acme).await;
        let stage = stages(&app, &acme, &posting).await[1].0.clone();
        let foreign_stage = stages(&app, &rita, &other_posting).await[1].0.clone();
        let good = || schedule_vars(&proposal, &stage, &at(2, 10, 0), vec![me.clone()]);
        let with = |changes: Value| {
            let mut vars = good();
            for (k, v) in changes.as_object().unwrap() {
                vars[k] = v.clone();
            }
            vars
        };
        let past = (Utc::now() - TimeDelta::minutes(5)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            (
                "a start in the past",
                with(json!({ "at": past })),
                vec!["VALIDATION@input.startsAt"],
            ),
            (
                "a start over a year ahead",
                with(json!({ "at": at(400, 9, 0) })),
                vec!["VALIDATION@input.startsAt"],
            ),
            (
                "no time at all",
                with(json!({ "d": 0 })),
                vec!["VALIDATION@input.durationMinutes"],
            ),
            (
                "too long",
                with(json!({ "d": 481 })),
                vec!["VALIDATION@input.durationMinutes"],
            ),
            (
                "a zone that is none",
                with(json!({ "tz": "Mars/Olympus" })),
                vec!["VALIDATION@input.timeZone"],
            ),
            (
                "a link that is none",
                with(json!({ "link": "meet me" })),
                vec!["VALIDATION@input.meetingLink"],
            ),
            (
                "a link of another scheme",
                with(json!({ "link": "javascript:alert(1)" })),
                vec!["VALIDATION@input.meetingLink"],
            ),
            (
                "an interviewer who is neither the client nor an evaluator",
                with(json!({ "who": [user_id(&app, &rita).await] })),
                vec!["NOT_FOUND@input.interviewerIds.0"],
            ),
            (
                "the freelancer as interviewer",
                with(json!({ "who": [me.clone(), user_id(&app, &fay).await] })),
                vec!["NOT_FOUND@input.interviewerIds.1"],
            ),
            (
                "an ID of another type",
                with(json!({ "who": [posting.clone()] })),
                vec!["NOT_FOUND@input.interviewerIds.0"],
            ),
            (
                "nobody",
                with(json!({ "who": [] })),
                vec!["VALIDATION@input.interviewerIds"],
            ),
            (
                "somebody twice",
                with(json!({ "who": [me.clone(), me.clone()] })),
                vec!["VALIDATION@input.interviewerIds.1"],
            ),
            (
                "another posting's stage",
                with(json!({ "s": foreign_stage })),
                vec!["NOT_FOUND@input.stageId"],
            ),
            (
                "everything at once",
                with(json!({ "at": past, "d": 0, "tz": "Nowhere", "link": "x", "who": [] })),
                vec![
                    "VALIDATION@input.durationMinutes",
                    "VALIDATION@input.interviewerIds",
                    "VALIDATION@input.meetingLink",
                    "VALIDATION@input.startsAt",
                    "VALIDATION@input.timeZone",
                ],
            ),
        ];
        for (what, vars, want) in cases {
            let body = schedule(&app, Some(&acme), vars).await;
            assert_eq!(
                errors(&body, "scheduleInterview"),
                want,
                "{setup:?}: {what}: {body}"
            );
        }
        // A proposal ID the API never issued names no proposal.
        let body = schedule(&app, Some(&acme), with(json!({ "p": "bm9wZQ" }))).await;
        assert_eq!(
            errors(&body, "scheduleInterview"),
            ["NOT_FOUND@input.proposalId"],
            "{body}"
        );
        let db = app.database();
        assert_eq!(
            db.count("SELECT COUNT(*) FROM interviews").await,
            0,
            "{setup:?}"
        );
        assert_eq!(
            db.count("SELECT COUNT(*) FROM pipeline_stages").await,
            0,
            "{setup:?}: the template was not even stored"
        );
        // A good one, then bad reschedules that change nothing.
        let interview = scheduled(&app, &acme, good()).await;
        for (vars, want) in [
            (
                json!({ "at": past, "d": 60, "tz": "UTC" }),
                "VALIDATION@input.startsAt",
            ),
            (
                json!({ "at": at(3, 9, 0), "d": 0, "tz": "UTC" }),
                "VALIDATION@input.durationMinutes",
            ),
            (
                json!({ "at": at(3, 9, 0), "d": 60, "tz": "utc/nowhere" }),
                "VALIDATION@input.timeZone",
            ),
            (
                json!({ "at": at(3, 9, 0), "d": 60, "tz": "UTC", "link": "ftp://x.example.com" }),
                "VALIDATION@input.meetingLink",
            ),
        ] {
            let mut vars = vars;
            vars["id"] = interview["id"].clone();
            let body = app
                .gql(Some(&acme), &reschedule_query(true), vars.clone())
                .await;
            assert_eq!(
                errors(&body, "rescheduleInterview"),
                [want],
                "{setup:?}: {vars}: {body}"
            );
        }
        assert_eq!(
            read(&app, Some(&acme), &proposal).await["interviews"],
            json!([interview]),
            "{setup:?}: unchanged"
        );
        let body = app
            .gql(
                Some(&acme),
                &cancel_query(),
                json!({ "id": interview["id"], "r": " " }),
            )
            .await;
        assert_eq!(
            errors(&body, "cancelInterview"),
            ["VALIDATION@input.reason"]
        );
        // Coding tasks: instructions, due time, the submitted link.
        let task_stage = stages(&app, &acme, &posting).await[2].0.clone();
        let assign =
            |i: String, due: String| json!({ "p": proposal, "s": task_stage, "i": i, "due": due });
        for (vars, want) in [
            (
                assign(" ".into(), at(2, 0, 0)),
                vec!["VALIDATION@input.instructions"],
            ),
            (
                assign("x".repeat(10_001), at(2, 0, 0)),
                vec!["VALIDATION@input.instructions"],
            ),
            (
                assign("Build it.".into(), past.clone()),
                vec!["VALIDATION@input.dueAt"],
            ),
            (
                json!({ "p": proposal, "s": foreign_stage, "i": "Build it.", "due": past }),
                vec!["NOT_FOUND@input.stageId", "VALIDATION@input.dueAt"],
            ),
        ] {
            let body = app.gql(Some(&acme), &assign_query(), vars).await;
            assert_eq!(errors(&body, "assignCodingTask"), want, "{setup:?}: {body}");
        }
        assert_eq!(db.count("SELECT COUNT(*) FROM coding_tasks").await, 0);
        let body = app
            .gql(
                Some(&acme),
                &assign_query(),
                assign("Build it.".into(), at(2, 0, 0)),
            )
            .await;
        let task = body["data"]["assignCodingTask"]["codingTask"].clone();
        for link in ["", "github.com/fay/x", "ftp://github.com/fay/x"] {
            let body = app
                .gql(
                    Some(&fay),
                    &submit_query(),
                    json!({ "id": task["id"], "l": link }),
                )
                .await;
            assert_eq!(
                errors(&body, "submitCodingTask"),
                ["VALIDATION@input.submissionLink"],
                "{setup:?}: {link:?}"
            );
        }
        // A declined proposal takes no new interview or task.
        let body = app
            .gql(
                Some(&acme),
                "mutation($id: ID!) { declineProposal(input: { proposalId: $id, reason: \"Not a fit.\" }) {
                    userErrors { field code message } } }",
                json!({ "id": proposal }),
            )
            .await;
        assert_eq!(outcome(&body, "declineProposal"), "OK", "{body}");
        let body = schedule(
            &app,
            Some(&acme),
            schedule_vars(&proposal, &stage, &at(5, 10, 0), vec![me.clone()]),
        )
        .await;
        assert_eq!(
            errors(&body, "scheduleInterview"),
            ["INVALID_STATE@input.proposalId"]
        );
        let body = app
            .gql(
                Some(&acme),
                &assign_query(),
                assign("Build it.".into(), at(2, 0, 0)),
            )
            .await;
        assert_eq!(
            errors(&body, "assignCodingTask"),
            ["INVALID_STATE@input.proposalId"]
        );
        let body = app
            .gql(
                Some(&fay),
                &submit_query(),
                json!({ "id": task["id"], "l": "https://github.com/fay/x" }),
            )
            .await;
        assert_eq!(
            errors(&body, "submitCodingTask"),
            ["INVALID_STATE@input.codingTaskId"]
        );
        assert_eq!(db.count("SELECT COUNT(*) FROM interviews").await, 1);
        assert_eq!(db.count("SELECT COUNT(*) FROM coding_tasks").await, 1);
        assert_eq!(
            db.count("SELECT COUNT(*) FROM coding_tasks WHERE submitted_at IS NULL")
                .await,
            1
        );
    }
}

#[tokio::test]
async fn a_coding_task_is_submitted_on_time_replaced_and_marked_late_after_its_due_time() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme).await;
        let (fay, proposal) = proposal(&app, "fay", &posting).await;
        let stage = stages(&app, &acme, &posting).await[2].clone();
        let assign = |due: DateTime<Utc>| {
            let (acme, proposal, stage) = (acme.clone(), proposal.clone(), stage.0.clone());
            let app = &app;
            async move {
                let body = app
                    .gql(
                        Some(&acme),
                        &assign_query(),
                        json!({ "p": proposal, "s": stage,
                                "i": "Build a small ledger.\nTests included.",
                                "due": due.to_rfc3339_opts(SecondsFormat::Millis, true) }),
                    )
                    .await;
                assert_eq!(outcome(&body, "assignCodingTask"), "OK", "{body}");
                body["data"]["assignCodingTask"]["codingTask"].clone()
            }
        };
        let submit = |id: Value, link: &'static str| {
            let (app, fay) = (&app, fay.clone());
            async move {
                app.gql(Some(&fay), &submit_query(), json!({ "id": id, "l": link }))
                    .await
            }
        };
        // Two tasks due in three seconds, one for much later.
        let due = Utc::now() + TimeDelta::seconds(3);
        let on_time = assign(due).await;
        let overdue = assign(due).await;
        let cancelled = assign(Utc::now() + TimeDelta::days(3)).await;
        assert_eq!(on_time["status"], "ASSIGNED");
        assert_eq!(on_time["stage"]["name"], stage.1);
        assert_eq!(
            on_time["instructions"],
            "Build a small ledger.\nTests included."
        );
        assert_eq!(on_time["late"], false);
        let body = submit(on_time["id"].clone(), "https://github.com/fay/ledger").await;
        assert_eq!(outcome(&body, "submitCodingTask"), "OK", "{body}");
        let body = submit(on_time["id"].clone(), "https://github.com/fay/ledger-v2").await;
        let replaced = body["data"]["submitCodingTask"]["codingTask"].clone();
        assert_eq!(replaced["status"], "SUBMITTED", "{body}");
        assert_eq!(
            replaced["submissionLink"],
            "https://github.com/fay/ledger-v2"
        );
        assert_eq!(replaced["late"], false, "{setup:?}");
        // The due time passes.
        let wait =
            (due - Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_millis(300);
        tokio::time::sleep(wait).await;
        let body = submit(on_time["id"].clone(), "https://github.com/fay/ledger-v3").await;
        assert_eq!(
            errors(&body, "submitCodingTask"),
            ["INVALID_STATE@input.codingTaskId"],
            "{setup:?}: the on-time submission stands"
        );
        let body = submit(overdue["id"].clone(), "https://gitlab.com/fay/ledger").await;
        assert_eq!(outcome(&body, "submitCodingTask"), "OK", "{body}");
        let late = body["data"]["submitCodingTask"]["codingTask"].clone();
        assert_eq!(late["late"], true, "{setup:?}: {late}");
        assert!(time(&late["submittedAt"]) > time(&late["dueAt"]));
        let body = submit(overdue["id"].clone(), "https://gitlab.com/fay/ledger-v2").await;
        assert_eq!(
            errors(&body, "submitCodingTask"),
            ["INVALID_STATE@input.codingTaskId"]
        );
        // The client cancels a task until it is submitted.
        let body = app
            .gql(
                Some(&acme),
                &cancel_task_query(),
                json!({ "id": on_time["id"] }),
            )
            .await;
        assert_eq!(
            errors(&body, "cancelCodingTask"),
            ["INVALID_STATE@input.codingTaskId"]
        );
        let body = app
            .gql(
                Some(&acme),
                &cancel_task_query(),
                json!({ "id": cancelled["id"], "r": "We changed the stage." }),
            )
            .await;
        assert_eq!(outcome(&body, "cancelCodingTask"), "OK", "{body}");
        assert_eq!(
            body["data"]["cancelCodingTask"]["codingTask"]["cancelReason"],
            "We changed the stage."
        );
        let body = submit(cancelled["id"].clone(), "https://github.com/fay/x").await;
        assert_eq!(
            errors(&body, "submitCodingTask"),
            ["INVALID_STATE@input.codingTaskId"]
        );
        // Both sides read them in the order assigned.
        for token in [&acme, &fay] {
            let tasks = read(&app, Some(token), &proposal).await["codingTasks"].clone();
            let seen: Vec<(Value, Value, Value)> = tasks
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    (
                        t["status"].clone(),
                        t["late"].clone(),
                        t["submissionLink"].clone(),
                    )
                })
                .collect();
            assert_eq!(
                seen,
                [
                    (
                        json!("SUBMITTED"),
                        json!(false),
                        json!("https://github.com/fay/ledger-v2")
                    ),
                    (
                        json!("SUBMITTED"),
                        json!(true),
                        json!("https://gitlab.com/fay/ledger")
                    ),
                    (json!("CANCELLED"), json!(false), Value::Null),
                ],
                "{setup:?}"
            );
        }
        // The stage with coding tasks is not removed.
        let body = remove_stage(&app, &acme, &posting, &stage.0).await;
        assert_eq!(
            errors(&body, "removePipelineStage"),
            ["INVALID_STATE@input.stageId"],
            "{body}"
        );
    }
}

/// An agency of `owner`'s with the freelancer `member` in it, and its proposal for them
/// on `posting`: the proposal's ID.
async fn agency_proposal(app: &TestApp, owner: &str, member: &str, posting: &Value) -> Value {
    let mut profiles = Vec::new();
    for (token, headline) in [(owner, "Agency owner, Rust"), (member, "Rust engineer")] {
        let body = app
            .gql(
                Some(token),
                "mutation($h: String!) { createFreelancerProfile(input: { profile: {
                    headline: $h, skills: [{ skill: \"rust\", level: 5, years: 6 }] } }) {
                    profile { id } userErrors { field message } } }",
                json!({ "h": headline }),
            )
            .await;
        let profile = body["data"]["createFreelancerProfile"]["profile"]["id"].clone();
        assert!(profile.is_string(), "{body}");
        profiles.push(profile);
    }
    let profile = profiles.pop().unwrap();
    let body = app
        .gql(
            Some(owner),
            "mutation { createAgency(input: { agency: { name: \"Olga & Co\" } }) { agency { id }
                userErrors { field code message } } }",
            json!({}),
        )
        .await;
    let agency = body["data"]["createAgency"]["agency"]["id"].clone();
    assert!(agency.is_string(), "{body}");
    let body = app
        .gql(
            Some(owner),
            "mutation($a: ID!, $p: ID!) { inviteAgencyMember(input: { agencyId: $a, profileId: $p, role: MEMBER }) {
                invitation { id } } }",
            json!({ "a": agency, "p": profile }),
        )
        .await;
    let invitation = body["data"]["inviteAgencyMember"]["invitation"]["id"].clone();
    let body = app
        .gql(
            Some(member),
            "mutation($id: ID!) { acceptAgencyInvitation(input: { invitationId: $id }) { invitation { status } } }",
            json!({ "id": invitation }),
        )
        .await;
    assert_eq!(
        body["data"]["acceptAgencyInvitation"]["invitation"]["status"], "ACCEPTED",
        "{body}"
    );
    let body = app
        .gql(
            Some(owner),
            SUBMIT,
            json!({ "p": posting, "a": agency, "m": profile }),
        )
        .await;
    let id = body["data"]["submitProposal"]["proposal"]["id"].clone();
    assert!(id.is_string(), "{body}");
    id
}

#[tokio::test]
async fn who_may_do_what_with_interviews_and_coding_tasks() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let eva = app.dev_token("eva", "client").await;
        let rita = app.dev_token("rita", "client").await;
        let ed = app.dev_token("ed", "client").await;
        let posting = posting(&app, &acme).await;
        let rivals = self::posting(&app, &rita).await;
        add_evaluator(&app, &acme, &posting, &user_id(&app, &eva).await).await;
        add_evaluator(&app, &rita, &rivals, &user_id(&app, &ed).await).await;
        let olga = app.dev_token("olga", "freelancer").await;
        let mia = app.dev_token("mia", "freelancer").await;
        let proposal = agency_proposal(&app, &olga, &mia, &posting).await;
        let (stan, _) = self::proposal(&app, "stan", &rivals).await;
        let me = user_id(&app, &acme).await;
        let stages = stages(&app, &acme, &posting).await;
        let (interview_stage, task_stage) = (stages[1].0.clone(), stages[2].0.clone());
        let interview = scheduled(
            &app,
            &acme,
            schedule_vars(&proposal, &interview_stage, &at(2, 9, 0), vec![me.clone()]),
        )
        .await;
        let body = app
            .gql(
                Some(&acme),
                &assign_query(),
                json!({ "p": proposal, "s": task_stage, "i": "Build it.", "due": at(5, 0, 0) }),
            )
            .await;
        let task = body["data"]["assignCodingTask"]["codingTask"].clone();
        assert!(task["id"].is_string(), "{body}");
        let callers: Vec<(&str, Option<&str>)> = vec![
            ("anonymous", None),
            ("another freelancer", Some(&stan)),
            ("another client", Some(&rita)),
            ("an evaluator of another posting", Some(&ed)),
            ("the posting's evaluator", Some(&eva)),
            ("the freelancer", Some(&mia)),
            ("the agency's owner", Some(&olga)),
            ("the client", Some(&acme)),
        ];
        // (operation, expected outcome per caller, in the order above)
        let client_only = |not_found: &'static str| {
            [
                "UNAUTHENTICATED",
                not_found,
                not_found,
                not_found,
                "FORBIDDEN",
                "FORBIDDEN",
                "FORBIDDEN",
                "OK",
            ]
        };
        let freelancer_side = [
            "UNAUTHENTICATED",
            "NOT_FOUND",
            "NOT_FOUND",
            "NOT_FOUND",
            "FORBIDDEN",
            "OK",
            "OK",
            "FORBIDDEN",
        ];
        let mut hour = 10;
        for (i, (who, token)) in callers.iter().enumerate() {
            hour += 1;
            let schedule_body = schedule(
                &app,
                *token,
                schedule_vars(
                    &proposal,
                    &interview_stage,
                    &at(2, hour, 0),
                    vec![me.clone()],
                ),
            )
            .await;
            let reschedule_body = app
                .gql(
                    *token,
                    &reschedule_query(false),
                    json!({ "id": interview["id"], "at": at(3, hour, 0), "d": 45, "tz": "UTC" }),
                )
                .await;
            let confirm_body = app
                .gql(*token, &confirm_query(), json!({ "id": interview["id"] }))
                .await;
            let assign_body = app
                .gql(
                    *token,
                    &assign_query(),
                    json!({ "p": proposal, "s": task_stage, "i": "Build it.", "due": at(5, 0, 0) }),
                )
                .await;
            let submit_body = app
                .gql(
                    *token,
                    &submit_query(),
                    json!({ "id": task["id"], "l": "https://github.com/mia/x" }),
                )
                .await;
            let got = [
                outcome(&schedule_body, "scheduleInterview"),
                outcome(&reschedule_body, "rescheduleInterview"),
                outcome(&confirm_body, "confirmInterview"),
                outcome(&assign_body, "assignCodingTask"),
                outcome(&submit_body, "submitCodingTask"),
            ];
            let want = [
                client_only("NOT_FOUND")[i],
                client_only("NOT_FOUND")[i],
                freelancer_side[i],
                client_only("NOT_FOUND")[i],
                freelancer_side[i],
            ];
            assert_eq!(got, want, "{setup:?}: {who}");
            // Those who do not see it learn "no such ..." on the ID they gave.
            if want[0] == "NOT_FOUND" {
                assert_eq!(
                    errors(&schedule_body, "scheduleInterview"),
                    ["NOT_FOUND@input.proposalId"]
                );
                assert_eq!(
                    errors(&reschedule_body, "rescheduleInterview"),
                    ["NOT_FOUND@input.interviewId"]
                );
                assert_eq!(
                    errors(&submit_body, "submitCodingTask"),
                    ["NOT_FOUND@input.codingTaskId"]
                );
            }
            // Reading: both sides and the evaluator see them; the others not the proposal.
            let node = read(&app, *token, &proposal).await;
            let sees = matches!(want[2], "OK" | "FORBIDDEN") && token.is_some();
            if sees {
                assert!(
                    !node["interviews"].as_array().unwrap().is_empty(),
                    "{setup:?}: {who} sees the interviews: {node}"
                );
                assert!(
                    !node["codingTasks"].as_array().unwrap().is_empty(),
                    "{setup:?}: {who}"
                );
            } else {
                assert_eq!(node, Value::Null, "{setup:?}: {who}");
            }
        }
        // The cancellations: the client's only.
        for (i, (who, token)) in callers.iter().enumerate() {
            let body = app
                .gql(*token, &cancel_query(), json!({ "id": interview["id"] }))
                .await;
            let want = client_only("NOT_FOUND")[i];
            assert_eq!(outcome(&body, "cancelInterview"), want, "{setup:?}: {who}");
        }
        let fresh = app
            .gql(
                Some(&acme),
                &assign_query(),
                json!({ "p": proposal, "s": task_stage, "i": "Again.", "due": at(5, 0, 0) }),
            )
            .await["data"]["assignCodingTask"]["codingTask"]["id"]
            .clone();
        for (i, (who, token)) in callers.iter().enumerate() {
            let body = app
                .gql(*token, &cancel_task_query(), json!({ "id": fresh }))
                .await;
            let want = client_only("NOT_FOUND")[i];
            assert_eq!(outcome(&body, "cancelCodingTask"), want, "{setup:?}: {who}");
        }
    }
}

/// A page of proposals with their interviews and coding tasks (and those's stages)
/// costs a fixed number of statements, whatever its size.
#[tokio::test]
async fn a_page_of_proposals_with_interviews_and_coding_tasks_takes_a_fixed_number_of_statements() {
    for setup in setups() {
        let app = app(&setup).await;
        let acme = app.dev_token("acme", "client").await;
        let posting = posting(&app, &acme).await;
        let me = user_id(&app, &acme).await;
        let stages = stages(&app, &acme, &posting).await;
        for i in 0..20 {
            let (_, p) = proposal(&app, &format!("f{i}"), &posting).await;
            scheduled(
                &app,
                &acme,
                schedule_vars(&p, &stages[1].0, &at(2, i, 0), vec![me.clone()]),
            )
            .await;
            let body = app
                .gql(
                    Some(&acme),
                    &assign_query(),
                    json!({ "p": p, "s": stages[2].0, "i": format!("Task {i}"), "due": at(4, 0, 0) }),
                )
                .await;
            assert_eq!(outcome(&body, "assignCodingTask"), "OK", "{body}");
        }
        let query = "query($p: ID!, $n: Int!) { proposals(postingId: $p, first: $n) { nodes {
            id interviews { id startsAt interviewerNames interviewerCount stage { name kind } }
            codingTasks { id late dueAt stage { name } } } } }";
        let count = |n: usize| {
            let (app, acme, posting) = (&app, acme.clone(), posting.clone());
            async move {
                let before = app.statements.get();
                let body = app
                    .gql(Some(&acme), query, json!({ "p": posting, "n": n }))
                    .await;
                assert!(body.get("errors").is_none(), "{body}");
                let nodes = body["data"]["proposals"]["nodes"]
                    .as_array()
                    .unwrap()
                    .clone();
                assert_eq!(nodes.len(), n);
                for node in &nodes {
                    assert_eq!(node["interviews"].as_array().unwrap().len(), 1, "{node}");
                    assert_eq!(node["codingTasks"].as_array().unwrap().len(), 1, "{node}");
                    assert_eq!(
                        node["interviews"][0]["stage"]["kind"],
                        "TECHNICAL_INTERVIEW"
                    );
                }
                app.statements.get() - before
            }
        };
        count(3).await; // warms the caches
        count(20).await;
        let three = count(3).await;
        let twenty = count(20).await;
        eprintln!("{setup:?}: {three} statements for 3 proposals, {twenty} for 20");
        assert!(
            twenty <= three,
            "{setup:?}: statements grew with proposals: {three} for 3, {twenty} for 20"
        );
    }
}
