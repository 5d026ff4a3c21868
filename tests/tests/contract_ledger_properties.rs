#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property test of the money: random sequences of contract and milestone operations
//! over GraphQL (fund, submit, ask for changes, approve, refund, cancel, bonus, pause,
//! resume, the automatic release, repeats of a key with the same or other input, and
//! concurrent duplicates), checked after every step against a model: each answer as the
//! model expects it, every ledger transaction balanced, escrow never negative and equal
//! to what the milestones hold, and money in equal to money out plus money held.

use std::collections::HashMap;

use chrono::{TimeDelta, Utc};
use domain::contracts::SandboxProvider;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};
use tests::hiring::hire;
use tests::payload::outcome;
use tests::{TestApp, setups};

const AMOUNTS: [i64; 3] = [30_000, 20_000, 10_001];
const BONUSES: [i64; 2] = [5_000, 7_777];
const FEE_BP: i64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Fund(usize, u8),
    Submit(usize),
    RequestChanges(usize),
    Approve(usize, u8),
    Refund(usize, u8),
    Cancel(usize),
    Bonus(usize, u8),
    Pause,
    Resume,
    AutoRelease,
    /// The next money operation sent twice at once with the same key.
    Twice(usize, u8, u8),
}

fn op() -> impl Strategy<Value = Op> {
    let m = 0_usize..3;
    let k = 0_u8..4;
    prop_oneof![
        4 => (m.clone(), k.clone()).prop_map(|(m, k)| Op::Fund(m, k)),
        3 => m.clone().prop_map(Op::Submit),
        1 => m.clone().prop_map(Op::RequestChanges),
        3 => (m.clone(), k.clone()).prop_map(|(m, k)| Op::Approve(m, k)),
        1 => (m.clone(), k.clone()).prop_map(|(m, k)| Op::Refund(m, k)),
        1 => m.clone().prop_map(Op::Cancel),
        1 => (0_usize..2, k.clone()).prop_map(|(b, k)| Op::Bonus(b, k)),
        1 => Just(Op::Pause),
        1 => Just(Op::Resume),
        1 => Just(Op::AutoRelease),
        2 => (m, 0_u8..3, k).prop_map(|(m, which, k)| Op::Twice(m, which, k)),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Pending,
    Funded,
    Submitted,
    Released,
    Cancelled,
    Refunded,
}

impl St {
    fn key(self) -> &'static str {
        match self {
            St::Pending => "PENDING",
            St::Funded => "FUNDED",
            St::Submitted => "SUBMITTED",
            St::Released => "RELEASED",
            St::Cancelled => "CANCELLED",
            St::Refunded => "REFUNDED",
        }
    }
}

/// What the books should say.
struct Model {
    milestones: [St; 3],
    paused: bool,
    /// (is the client, key) -> fingerprint of what it did.
    keys: HashMap<(bool, u8), String>,
    paid_in: i64,
    refunded: i64,
    earned: i64,
    fees: i64,
    transactions: usize,
}

fn fee(amount: i64) -> i64 {
    amount * FEE_BP / 10_000
}

impl Model {
    fn escrow(&self) -> i64 {
        self.milestones
            .iter()
            .zip(AMOUNTS)
            .filter(|(s, _)| matches!(s, St::Funded | St::Submitted))
            .map(|(_, a)| a)
            .sum()
    }

    /// The expected outcome of a money operation, applying it when it succeeds.
    fn money(
        &mut self,
        client: bool,
        key: u8,
        print: String,
        apply: impl FnOnce(&mut Self) -> bool,
    ) -> &'static str {
        if let Some(seen) = self.keys.get(&(client, key)) {
            return if *seen == print { "OK" } else { "CONFLICT" };
        }
        if apply(self) {
            self.keys.insert((client, key), print);
            self.transactions += 1;
            "OK"
        } else {
            "INVALID_STATE"
        }
    }

    fn expect(&mut self, op: Op) -> &'static str {
        match op {
            Op::Fund(m, k) => self.money(true, k, format!("fund{m}"), |s| {
                let ok = s.milestones[m] == St::Pending && !s.paused;
                if ok {
                    s.milestones[m] = St::Funded;
                    s.paid_in += AMOUNTS[m];
                }
                ok
            }),
            Op::Approve(m, k) => self.money(true, k, format!("approve{m}"), |s| {
                let ok = s.milestones[m] == St::Submitted;
                if ok {
                    s.milestones[m] = St::Released;
                    s.earned += AMOUNTS[m] - fee(AMOUNTS[m]);
                    s.fees += fee(AMOUNTS[m]);
                }
                ok
            }),
            Op::Refund(m, k) => self.money(false, k, format!("refund{m}"), |s| {
                let ok = s.milestones[m] == St::Funded;
                if ok {
                    s.milestones[m] = St::Refunded;
                    s.refunded += AMOUNTS[m];
                }
                ok
            }),
            Op::Bonus(b, k) => self.money(true, k, format!("bonus{b}"), |s| {
                s.paid_in += BONUSES[b];
                s.earned += BONUSES[b] - fee(BONUSES[b]);
                s.fees += fee(BONUSES[b]);
                true
            }),
            Op::Submit(m) => self.plain(m, St::Funded, St::Submitted, !self.paused),
            Op::RequestChanges(m) => self.plain(m, St::Submitted, St::Funded, true),
            Op::Cancel(m) => self.plain(m, St::Pending, St::Cancelled, true),
            Op::Pause | Op::Resume => {
                let pausing = op == Op::Pause;
                if self.paused == pausing {
                    "INVALID_STATE"
                } else {
                    self.paused = pausing;
                    "OK"
                }
            }
            Op::AutoRelease => {
                for (m, status) in self.milestones.iter_mut().enumerate() {
                    if *status == St::Submitted {
                        *status = St::Released;
                        self.earned += AMOUNTS[m] - fee(AMOUNTS[m]);
                        self.fees += fee(AMOUNTS[m]);
                        self.transactions += 1;
                    }
                }
                "OK"
            }
            Op::Twice(..) => unreachable!("expanded by the runner"),
        }
    }

    fn plain(&mut self, m: usize, from: St, to: St, allowed: bool) -> &'static str {
        if self.milestones[m] == from && allowed {
            self.milestones[m] = to;
            "OK"
        } else {
            "INVALID_STATE"
        }
    }
}

/// The request of one operation: (token is the client's, mutation, query, variables).
fn request(op: Op, milestones: &[Value], contract: &Value) -> (bool, &'static str, String, Value) {
    let pay = |mutation: &'static str, m: usize, k: u8, client: bool, extra: &str| {
        (
            client,
            mutation,
            format!(
                "mutation($m: ID!, $k: String!) {{ {mutation}(input: {{ milestoneId: $m, idempotencyKey: $k{extra} }}) {{
                    transactionId userErrors {{ code }} }} }}"
            ),
            json!({ "m": milestones[m], "k": format!("idem-key-{}-{k}", if client { "c" } else { "f" }) }),
        )
    };
    let plain = |mutation: &'static str, m: usize, client: bool, extra: &str| {
        (
            client,
            mutation,
            format!(
                "mutation($m: ID!) {{ {mutation}(input: {{ milestoneId: $m{extra} }}) {{ userErrors {{ code }} }} }}"
            ),
            json!({ "m": milestones[m] }),
        )
    };
    match op {
        Op::Fund(m, k) => pay("fundMilestone", m, k, true, ""),
        Op::Approve(m, k) => pay("approveMilestone", m, k, true, ""),
        Op::Refund(m, k) => pay("refundMilestone", m, k, false, ", reason: \"Not needed\""),
        Op::Submit(m) => plain("submitMilestone", m, false, ""),
        Op::RequestChanges(m) => plain("requestMilestoneChanges", m, true, ", reason: \"Again\""),
        Op::Cancel(m) => plain("cancelMilestone", m, true, ""),
        Op::Bonus(b, k) => (
            true,
            "payBonus",
            "mutation($c: ID!, $k: String!, $a: Int!) { payBonus(input: { contractId: $c,
                amount: { amountMinor: $a, currency: \"USD\" }, idempotencyKey: $k }) {
                transaction { id } userErrors { code } } }"
                .into(),
            json!({ "c": contract, "a": BONUSES[b], "k": format!("idem-key-c-{k}") }),
        ),
        Op::Pause | Op::Resume => {
            let mutation = if op == Op::Pause {
                "pauseContract"
            } else {
                "resumeContract"
            };
            (
                true,
                mutation,
                format!(
                    "mutation($c: ID!) {{ {mutation}(input: {{ contractId: $c }}) {{ userErrors {{ code }} }} }}"
                ),
                json!({ "c": contract }),
            )
        }
        Op::AutoRelease | Op::Twice(..) => unreachable!("not a request"),
    }
}

/// What the sandbox took in (charges) and gave back (refunds), not voided.
fn provider_totals(sandbox: &SandboxProvider) -> (i64, i64) {
    let mut totals = (0, 0);
    for (key, money) in sandbox.payments() {
        if key.starts_with("charge:") {
            totals.0 += money.amount_minor;
        } else {
            totals.1 += money.amount_minor;
        }
    }
    totals
}

/// The parties and the contract whose books a sequence checks.
struct Books<'a> {
    app: &'a TestApp,
    sandbox: &'a SandboxProvider,
    /// The provider's totals when the sequence began.
    before: (i64, i64),
    client: &'a str,
    freelancer: &'a str,
    contract: &'a Value,
}

/// Checks the books against the model, and the provider against the books.
async fn check(books: &Books<'_>, model: &Model, step: &str) {
    let Books {
        app,
        sandbox,
        before,
        client,
        freelancer,
        contract,
    } = *books;
    let (charged, refunded) = provider_totals(sandbox);
    assert_eq!(
        charged - before.0,
        model.paid_in,
        "{step}: the provider took what the books say came in"
    );
    assert_eq!(
        refunded - before.1,
        model.refunded,
        "{step}: the provider gave back what the books say went back"
    );
    let body = app
        .gql(
            Some(client),
            "query($id: ID!) { contract(id: $id) { status escrow { amountMinor }
                milestones { status } payments(first: 100) { nodes { kind
                entries { account amount { amountMinor } } } } } }",
            json!({ "id": contract }),
        )
        .await;
    let c = &body["data"]["contract"];
    let statuses: Vec<&str> = c["milestones"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = model.milestones.iter().map(|s| s.key()).collect();
    assert_eq!(statuses, expected, "{step}");
    assert_eq!(
        c["status"],
        if model.paused { "PAUSED" } else { "ACTIVE" },
        "{step}"
    );
    let escrow = c["escrow"]["amountMinor"].as_i64().unwrap();
    assert!(escrow >= 0, "{step}: escrow {escrow}");
    assert_eq!(
        escrow,
        model.escrow(),
        "{step}: escrow holds what the milestones hold"
    );
    let payments = c["payments"]["nodes"].as_array().unwrap();
    assert_eq!(
        payments.len(),
        model.transactions,
        "{step}: one transaction per movement"
    );
    let mut by_account: HashMap<String, (i64, i64)> = HashMap::new();
    for t in payments {
        let mut sum = 0;
        for e in t["entries"].as_array().unwrap() {
            let amount = e["amount"]["amountMinor"].as_i64().unwrap();
            sum += amount;
            let slot = by_account
                .entry(e["account"].as_str().unwrap().to_owned())
                .or_default();
            if amount < 0 {
                slot.0 += amount;
            } else {
                slot.1 += amount;
            }
        }
        assert_eq!(sum, 0, "{step}: unbalanced {t}");
    }
    let total = |k: &str| by_account.get(k).copied().unwrap_or_default();
    let money_in = -total("CLIENT_FUNDING").0;
    let money_back = total("CLIENT_FUNDING").1;
    let out = total("EARNINGS").1 + total("PLATFORM_FEE").1;
    let held = total("ESCROW").0 + total("ESCROW").1;
    assert_eq!(money_in, model.paid_in, "{step}");
    assert_eq!(
        money_in,
        money_back + out + held,
        "{step}: money in = out + held"
    );
    assert_eq!(held, escrow, "{step}");
    assert_eq!(money_back, model.refunded, "{step}");
    assert_eq!(total("EARNINGS").1, model.earned, "{step}");
    assert_eq!(total("PLATFORM_FEE").1, model.fees, "{step}");
    let body = app
        .gql(
            Some(freelancer),
            "{ viewer { balances { account balance { amountMinor } } } }",
            json!({}),
        )
        .await;
    let earned = body["data"]["viewer"]["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["account"] == "EARNINGS")
        .map_or(0, |b| b["balance"]["amountMinor"].as_i64().unwrap());
    assert_eq!(earned, model.earned, "{step}: the freelancer's balance");
}

#[tokio::test]
async fn random_contract_operations_keep_the_books_balanced() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let sequences: Vec<Vec<Op>> = (0..10)
        .map(|_| {
            proptest::collection::vec(op(), 15..35)
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .collect();
    for setup in setups() {
        let sandbox = SandboxProvider::default();
        let handle = sandbox.clone();
        let app = TestApp::spawn_with(&setup, move |s| {
            s.dev_login = true;
            s.payments_sandbox = handle;
        })
        .await;
        let services = app.services().await;
        for (n, ops) in sequences.iter().enumerate() {
            let h = hire(&app, &format!("p{n}"), &AMOUNTS).await;
            let books = Books {
                app: &app,
                sandbox: &sandbox,
                before: provider_totals(&sandbox),
                client: &h.client,
                freelancer: &h.freelancer,
                contract: &h.contract,
            };
            let mut model = Model {
                milestones: [St::Pending; 3],
                paused: false,
                keys: HashMap::new(),
                paid_in: 0,
                refunded: 0,
                earned: 0,
                fees: 0,
                transactions: 0,
            };
            for (i, op) in ops.iter().enumerate() {
                let step = format!("sequence {n} step {i} {op:?} of {ops:?}");
                match *op {
                    Op::AutoRelease => {
                        model.expect(Op::AutoRelease);
                        services
                            .contracts
                            .run_auto_release(Utc::now() + TimeDelta::days(15))
                            .await
                            .unwrap();
                    }
                    Op::Twice(m, which, k) => {
                        let single = match which {
                            0 => Op::Fund(m, k),
                            1 => Op::Approve(m, k),
                            _ => Op::Refund(m, k),
                        };
                        let expected = model.expect(single);
                        let (client, mutation, q, vars) =
                            request(single, &h.milestones, &h.contract);
                        let token = if client { &h.client } else { &h.freelancer };
                        let (a, b) = tokio::join!(
                            app.gql(Some(token), &q, vars.clone()),
                            app.gql(Some(token), &q, vars.clone())
                        );
                        assert_eq!(outcome(&a, mutation), expected, "{step}: {a}");
                        assert_eq!(outcome(&b, mutation), expected, "{step}: {b}");
                        assert_eq!(
                            a["data"][mutation]["transactionId"],
                            b["data"][mutation]["transactionId"],
                            "{step}: one movement for both"
                        );
                    }
                    single => {
                        let expected = model.expect(single);
                        let (client, mutation, q, vars) =
                            request(single, &h.milestones, &h.contract);
                        let token = if client { &h.client } else { &h.freelancer };
                        let body = app.gql(Some(token), &q, vars).await;
                        assert_eq!(outcome(&body, mutation), expected, "{step}: {body}");
                    }
                }
                check(&books, &model, &step).await;
            }
        }
    }
}
