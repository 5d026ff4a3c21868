//! A posting as the edge receives it, checked field by field into the domain's types.
//! Changes are partial (absent = unchanged, `Clear` = unset, a list replaces the whole
//! list); every bad field is reported at once, on its own path, and nothing is changed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::model::{
    Budget, ExpectedDuration, ExperienceLevel, HireType, MAX_POSITIONS, MAX_QUESTIONS, MAX_SKILLS,
    Posting, PostingVisibility, QuestionKind, RequiredSkill, ScreeningQuestion, Workplace,
};
use crate::error::FieldError;
use crate::money::{Currency, Money};
use crate::profiles::input::{skill_level, skill_list};
use crate::profiles::{Change, MoneyInput};
use crate::taxonomy::{CategoryId, SkillId};
use crate::text;

/// The kind of budget, as the edge names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetKind {
    Fixed,
    Hourly,
    YearlySalary,
}

/// A budget as received: a fixed amount uses `min` only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetInput {
    pub kind: BudgetKind,
    pub min: MoneyInput,
    pub max: Option<MoneyInput>,
}

/// A skill requirement as received: a slug and an optional minimum level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredSkillInput {
    pub skill: String,
    pub min_level: Option<i64>,
}

/// A screening question as received. `id` names a question the posting already has (so
/// answers given to it stay attached when the list is sent again); without it the
/// question is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionInput {
    pub id: Option<Uuid>,
    pub kind: QuestionKind,
    pub prompt: String,
}

/// The fields of a posting; `None` / `Change::Keep` leave a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PostingInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub category_id: Change<CategoryId>,
    pub skills: Option<Vec<RequiredSkillInput>>,
    pub hire_type: Change<HireType>,
    pub budget: Change<BudgetInput>,
    pub experience: Change<ExperienceLevel>,
    pub duration: Change<ExpectedDuration>,
    pub hours_per_week: Change<i64>,
    pub workplace: Option<Workplace>,
    pub countries: Option<Vec<String>>,
    pub time_zones: Option<Vec<String>>,
    pub positions: Option<i64>,
    pub visibility: Option<PostingVisibility>,
    pub questions: Option<Vec<QuestionInput>>,
    pub deadline: Change<DateTime<Utc>>,
    /// Fields sent as `null` that cannot be cleared (input field names); each is reported.
    pub nulls: Vec<&'static str>,
}

/// A deadline is at most this far ahead.
pub const MAX_DEADLINE_DAYS: i64 = 365;

/// The largest amount a budget of this kind may name, in minor units: an hourly range up
/// to the currency's hourly cap; fixed amounts and yearly salaries up to 200 times it
/// (about 2 million US dollars), and never above 2^31 - 1 (what the API's `Int` carries):
/// sanity bounds against typos, not business rules.
pub(crate) fn cap(kind: BudgetKind, currency: Currency) -> i64 {
    let hourly = currency.max_hourly_minor();
    let cap = match kind {
        BudgetKind::Hourly => hourly,
        BudgetKind::Fixed | BudgetKind::YearlySalary => hourly.saturating_mul(200),
    };
    // Amounts travel as a GraphQL `Int` (32 bits) until a wider money scalar exists.
    cap.min(i64::from(i32::MAX))
}

fn money(
    errors: &mut Vec<FieldError>,
    input: &MoneyInput,
    currency: Option<Currency>,
    kind: BudgetKind,
    path: &[&str],
) -> Option<Money> {
    let at = |leaf: &'static str| {
        let mut p = path.to_vec();
        p.push(leaf);
        p
    };
    let parsed = match Currency::parse(&input.currency) {
        Ok(c) => c,
        Err(m) => {
            errors.push(FieldError::validation(&at("currency"), m));
            return None;
        }
    };
    if currency.is_some_and(|c| c != parsed) {
        errors.push(FieldError::validation(
            &at("currency"),
            "min and max must be in the same currency",
        ));
        return None;
    }
    let max = cap(kind, parsed);
    if !(1..=max).contains(&input.amount_minor) {
        errors.push(FieldError::validation(
            &at("amountMinor"),
            format!(
                "must be between 1 and {max} minor units of {}",
                parsed.code()
            ),
        ));
        return None;
    }
    Some(Money {
        amount_minor: input.amount_minor,
        currency: parsed,
    })
}

fn parse_budget(errors: &mut Vec<FieldError>, b: &BudgetInput) -> Option<Budget> {
    let min = money(errors, &b.min, None, b.kind, &["budget", "min"]);
    let max = match (&b.max, b.kind) {
        (Some(_), BudgetKind::Fixed) => {
            errors.push(FieldError::validation(
                &["budget", "max"],
                "a fixed budget has one amount: give `min` only",
            ));
            return None;
        }
        (None, BudgetKind::Fixed) => None,
        (None, _) => {
            errors.push(FieldError::validation(
                &["budget", "max"],
                "is required for a range",
            ));
            return None;
        }
        (Some(m), kind) => money(errors, m, min.map(|m| m.currency), kind, &["budget", "max"]),
    };
    let min = min?;
    match (b.kind, max) {
        (BudgetKind::Fixed, _) => Some(Budget::Fixed(min)),
        (_, None) => None,
        (_, Some(max)) if min.amount_minor > max.amount_minor => {
            errors.push(FieldError::validation(
                &["budget", "min"],
                "must not be above max",
            ));
            None
        }
        (BudgetKind::Hourly, Some(max)) => Some(Budget::Hourly { min, max }),
        (BudgetKind::YearlySalary, Some(max)) => Some(Budget::YearlySalary { min, max }),
    }
}

fn parse_skills(
    errors: &mut Vec<FieldError>,
    list: &[RequiredSkillInput],
    known: &HashMap<String, SkillId>,
) -> Vec<RequiredSkill> {
    skill_list(
        errors,
        list,
        MAX_SKILLS,
        known,
        |s| &s.skill,
        |s, i, errors| match s.min_level {
            None => Some(None),
            Some(l) => skill_level(errors, l, i, "minLevel").map(Some),
        },
    )
    .into_iter()
    .map(|(skill_id, min_level)| RequiredSkill {
        skill_id,
        min_level,
    })
    .collect()
}

impl PostingInput {
    /// The category the input names, for the caller to look up.
    pub fn category(&self) -> Option<CategoryId> {
        match self.category_id {
            Change::Set(c) => Some(c),
            Change::Keep | Change::Clear => None,
        }
    }

    /// The skill slugs the input names, for the caller to resolve in one lookup.
    pub fn skill_slugs(&self) -> Vec<String> {
        self.skills
            .iter()
            .flatten()
            .take(MAX_SKILLS)
            .map(|s| s.skill.trim().to_owned())
            .collect()
    }

    /// Applies the input to `posting` (a new one when `creating`); on any error nothing
    /// is changed and every problem is returned.
    pub fn apply(
        self,
        posting: &mut Posting,
        known_skills: &HashMap<String, SkillId>,
        known_categories: &HashSet<CategoryId>,
        now: DateTime<Utc>,
        creating: bool,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = posting.clone();
        for field in &self.nulls {
            errors.push(FieldError::validation(
                &[field],
                "cannot be null; leave it out to keep it",
            ));
        }
        match self.title.as_deref().map(|t| text::single_line(t, 5, 120)) {
            None if creating && !self.nulls.contains(&"title") => {
                errors.push(FieldError::validation(&["title"], "is required"))
            }
            None => {}
            Some(Ok(t)) => next.title = t,
            Some(Err(m)) => errors.push(FieldError::validation(&["title"], m)),
        }
        if let Some(d) = self.description {
            match text::multi_line(&d, 0, 20_000) {
                Ok(d) => next.description = d,
                Err(m) => errors.push(FieldError::validation(&["description"], m)),
            }
        }
        match self.category_id {
            Change::Keep => {}
            Change::Clear => next.category_id = None,
            Change::Set(c) if known_categories.contains(&c) => next.category_id = Some(c),
            Change::Set(_) => errors.push(FieldError::new(
                &["categoryId"],
                crate::ErrorCode::NotFound,
                "no such category",
            )),
        }
        if let Some(list) = &self.skills {
            next.skills = parse_skills(&mut errors, list, known_skills);
        }
        match self.hire_type {
            Change::Keep => {}
            Change::Clear => next.hire_type = None,
            Change::Set(h) => next.hire_type = Some(h),
        }
        match &self.budget {
            Change::Keep => {}
            Change::Clear => next.budget = None,
            Change::Set(b) => next.budget = parse_budget(&mut errors, b),
        }
        match self.experience {
            Change::Keep => {}
            Change::Clear => next.experience = None,
            Change::Set(e) => next.experience = Some(e),
        }
        match self.duration {
            Change::Keep => {}
            Change::Clear => next.duration = None,
            Change::Set(d) => next.duration = Some(d),
        }
        match self.hours_per_week {
            Change::Keep => {}
            Change::Clear => next.hours_per_week = None,
            Change::Set(h @ 1..=80) => next.hours_per_week = Some(h as u8),
            Change::Set(_) => {
                errors.push(FieldError::validation(&["hoursPerWeek"], "must be 1 to 80"))
            }
        }
        if let Some(w) = self.workplace {
            next.location.workplace = w;
        }
        if let Some(list) = &self.countries {
            next.location.countries = codes(
                &mut errors,
                "countries",
                list,
                50,
                crate::profiles::codes::country,
            );
        }
        if let Some(list) = &self.time_zones {
            next.location.time_zones = codes(&mut errors, "timeZones", list, 20, text::time_zone);
        }
        match self.positions {
            None => {}
            Some(n) if (1..=i64::from(MAX_POSITIONS)).contains(&n) => next.positions = n as u16,
            Some(_) => errors.push(FieldError::validation(
                &["positions"],
                format!("must be 1 to {MAX_POSITIONS}"),
            )),
        }
        if let Some(v) = self.visibility {
            next.visibility = v;
        }
        if let Some(list) = &self.questions {
            if list.len() > MAX_QUESTIONS {
                errors.push(FieldError::validation(
                    &["questions"],
                    format!("at most {MAX_QUESTIONS} questions"),
                ));
            } else {
                let mut questions: Vec<ScreeningQuestion> = Vec::new();
                for (i, q) in list.iter().enumerate() {
                    let i = i.to_string();
                    let id = match q.id {
                        None => Some(Uuid::now_v7()),
                        Some(id) if questions.iter().any(|k| k.id == id) => {
                            errors.push(FieldError::validation(
                                &["questions", &i, "id"],
                                "is listed twice",
                            ));
                            None
                        }
                        Some(id) if posting.questions.iter().any(|k| k.id == id) => Some(id),
                        Some(_) => {
                            errors.push(FieldError::new(
                                &["questions", &i, "id"],
                                crate::ErrorCode::NotFound,
                                "the posting has no such question",
                            ));
                            None
                        }
                    };
                    match (id, text::single_line(&q.prompt, 5, 500)) {
                        (Some(id), Ok(prompt)) => questions.push(ScreeningQuestion {
                            id,
                            kind: q.kind,
                            prompt,
                        }),
                        (_, Err(m)) => {
                            errors.push(FieldError::validation(&["questions", &i, "prompt"], m))
                        }
                        (None, Ok(_)) => {}
                    }
                }
                next.questions = questions;
            }
        }
        match self.deadline {
            Change::Keep => {}
            Change::Clear => next.deadline = None,
            Change::Set(d) if d <= now => errors.push(FieldError::validation(
                &["deadline"],
                "must lie in the future",
            )),
            Change::Set(d) if d > now + Duration::days(MAX_DEADLINE_DAYS) => errors.push(
                FieldError::validation(&["deadline"], "must be within a year"),
            ),
            Change::Set(d) => next.deadline = Some(d),
        }
        if let (Some(hire), Some(budget)) = (next.hire_type, &next.budget)
            && !hire.accepts(budget)
            && (matches!(self.budget, Change::Set(_)) || matches!(self.hire_type, Change::Set(_)))
        {
            errors.push(FieldError::validation(
                &["budget"],
                "does not fit the hire type (freelance: fixed or hourly; full time: yearly salary; contract to hire: hourly or yearly salary)",
            ));
        }
        if errors.is_empty() {
            *posting = next;
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A list of codes, each checked by `check`, without repeats, at most `max`.
fn codes(
    errors: &mut Vec<FieldError>,
    field: &str,
    list: &[String],
    max: usize,
    check: fn(&str) -> Result<String, String>,
) -> Vec<String> {
    if list.len() > max {
        errors.push(FieldError::validation(&[field], format!("at most {max}")));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        match check(raw) {
            Ok(code) if out.contains(&code) => errors.push(FieldError::validation(
                &[field, &i.to_string()],
                format!("`{code}` is listed twice"),
            )),
            Ok(code) => out.push(code),
            Err(m) => errors.push(FieldError::validation(&[field, &i.to_string()], m)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn blank() -> Posting {
        let mut p = crate::postings::model::tests_support::draft_of(crate::UserId(Uuid::nil()));
        p.title = String::new();
        p
    }

    fn known() -> HashMap<String, SkillId> {
        [("rust", 1u128), ("postgresql", 2)]
            .into_iter()
            .map(|(s, n)| (s.to_owned(), SkillId(Uuid::from_u128(n))))
            .collect()
    }

    fn money(minor: i64, currency: &str) -> MoneyInput {
        MoneyInput {
            amount_minor: minor,
            currency: currency.into(),
        }
    }

    fn paths(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| e.field.join(".")).collect()
    }

    #[test]
    fn a_complete_posting_is_taken_whole() {
        let now = Utc::now();
        let mut p = blank();
        let input = PostingInput {
            title: Some("  Senior Rust engineer ".into()),
            description: Some("Build our payments API.".into()),
            skills: Some(vec![
                RequiredSkillInput {
                    skill: "rust".into(),
                    min_level: Some(4),
                },
                RequiredSkillInput {
                    skill: "postgresql".into(),
                    min_level: None,
                },
            ]),
            hire_type: Change::Set(HireType::FreelanceLongTerm),
            budget: Change::Set(BudgetInput {
                kind: BudgetKind::Hourly,
                min: money(6_000, "usd"),
                max: Some(money(9_000, "USD")),
            }),
            hours_per_week: Change::Set(30),
            countries: Some(vec!["de".into(), "PL".into()]),
            time_zones: Some(vec!["Europe/Berlin".into()]),
            positions: Some(2),
            questions: Some(vec![QuestionInput {
                id: None,
                kind: QuestionKind::Link,
                prompt: "A code sample you are proud of".into(),
            }]),
            deadline: Change::Set(now + Duration::days(14)),
            ..PostingInput::default()
        };
        input
            .apply(&mut p, &known(), &HashSet::new(), now, true)
            .unwrap();
        assert_eq!(p.title, "Senior Rust engineer");
        assert_eq!(p.skills.len(), 2);
        assert_eq!(p.skills[0].min_level, Some(4));
        assert!(
            matches!(p.budget, Some(Budget::Hourly { min, max }) if min.amount_minor == 6_000 && max.amount_minor == 9_000)
        );
        assert_eq!(p.location.countries, ["DE", "PL"]);
        assert_eq!(p.positions, 2);
        assert_eq!(p.questions.len(), 1);
    }

    #[test]
    fn every_bad_field_is_reported_and_nothing_changes() {
        let now = Utc::now();
        let mut p = blank();
        p.title = "Kept title".into();
        let before = p.clone();
        let input = PostingInput {
            title: Some("abc".into()),
            skills: Some(vec![
                RequiredSkillInput {
                    skill: "cobol-on-rails".into(),
                    min_level: Some(9),
                },
                RequiredSkillInput {
                    skill: "rust".into(),
                    min_level: None,
                },
                RequiredSkillInput {
                    skill: "rust".into(),
                    min_level: None,
                },
            ]),
            hire_type: Change::Set(HireType::FullTime),
            budget: Change::Set(BudgetInput {
                kind: BudgetKind::YearlySalary,
                min: money(12_000_000, "EUR"),
                max: Some(money(9_000_000, "EUR")),
            }),
            hours_per_week: Change::Set(0),
            countries: Some(vec!["ZZ".into()]),
            time_zones: Some(vec!["Mars/Olympus".into()]),
            positions: Some(0),
            questions: Some(
                (0..11)
                    .map(|_| QuestionInput {
                        id: None,
                        kind: QuestionKind::Text,
                        prompt: "Why us?".into(),
                    })
                    .collect(),
            ),
            deadline: Change::Set(now - Duration::hours(1)),
            ..PostingInput::default()
        };
        let errors = input
            .apply(&mut p, &known(), &HashSet::new(), now, false)
            .unwrap_err();
        assert_eq!(p, before, "nothing changed");
        let got = paths(&errors);
        for want in [
            "title",
            "skills.0.skill",
            "skills.0.minLevel",
            "skills.2.skill",
            "budget.min",
            "hoursPerWeek",
            "countries.0",
            "timeZones.0",
            "positions",
            "questions",
            "deadline",
        ] {
            assert!(
                got.contains(&want.to_owned()),
                "{want} missing from {got:?}"
            );
        }
        let unknown = errors
            .iter()
            .find(|e| e.field == ["skills", "0", "skill"])
            .unwrap();
        assert_eq!(unknown.code, crate::ErrorCode::NotFound);
        assert!(unknown.message.contains("cobol-on-rails"));
    }

    #[test]
    fn budgets_are_checked_for_currency_amount_and_shape() {
        let now = Utc::now();
        let cases = [
            (
                BudgetKind::Fixed,
                money(500_000, "USD"),
                Some(money(600_000, "USD")),
                "budget.max",
            ),
            (BudgetKind::Hourly, money(5_000, "USD"), None, "budget.max"),
            (
                BudgetKind::Hourly,
                money(5_000, "USD"),
                Some(money(9_000, "EUR")),
                "budget.max.currency",
            ),
            (
                BudgetKind::Hourly,
                money(5_000, "XXX"),
                Some(money(9_000, "USD")),
                "budget.min.currency",
            ),
            (
                BudgetKind::Hourly,
                money(-5, "USD"),
                Some(money(9_000, "USD")),
                "budget.min.amountMinor",
            ),
            (
                BudgetKind::Hourly,
                money(5_000, "USD"),
                Some(money(2_000_000, "USD")),
                "budget.max.amountMinor",
            ),
            (
                BudgetKind::Fixed,
                money(300_000_000, "USD"),
                None,
                "budget.min.amountMinor",
            ),
        ];
        for (kind, min, max, path) in cases {
            let mut p = blank();
            let input = PostingInput {
                budget: Change::Set(BudgetInput { kind, min, max }),
                ..PostingInput::default()
            };
            let errors = input
                .apply(&mut p, &known(), &HashSet::new(), now, false)
                .unwrap_err();
            assert_eq!(paths(&errors), [path], "{kind:?}");
        }
        // A budget that does not fit the hire type is refused when either is given.
        let mut p = blank();
        let input = PostingInput {
            hire_type: Change::Set(HireType::FullTime),
            budget: Change::Set(BudgetInput {
                kind: BudgetKind::Fixed,
                min: money(500_000, "USD"),
                max: None,
            }),
            ..PostingInput::default()
        };
        assert_eq!(
            paths(
                &input
                    .apply(&mut p, &known(), &HashSet::new(), now, false)
                    .unwrap_err()
            ),
            ["budget"]
        );
    }

    #[test]
    fn partial_changes_keep_clear_and_replace() {
        let now = Utc::now();
        let mut p = blank();
        p.title = "Senior Rust engineer".into();
        p.hours_per_week = Some(20);
        p.deadline = Some(now + Duration::days(3));
        let input = PostingInput {
            hours_per_week: Change::Clear,
            deadline: Change::Keep,
            ..PostingInput::default()
        };
        input
            .apply(&mut p, &known(), &HashSet::new(), now, false)
            .unwrap();
        assert_eq!(p.title, "Senior Rust engineer");
        assert_eq!(p.hours_per_week, None);
        assert!(p.deadline.is_some());
        let creating = PostingInput::default()
            .apply(&mut blank(), &known(), &HashSet::new(), now, true)
            .unwrap_err();
        assert_eq!(paths(&creating), ["title"]);
    }

    #[test]
    fn no_budget_amount_exceeds_what_the_api_carries() {
        let now = Utc::now();
        for currency in ["USD", "HUF", "INR", "KRW", "JPY", "UAH"] {
            for kind in [BudgetKind::Fixed, BudgetKind::YearlySalary] {
                let too_much = i64::from(i32::MAX) + 1;
                let mut p = blank();
                let input = PostingInput {
                    budget: Change::Set(BudgetInput {
                        kind,
                        min: money(too_much, currency),
                        max: (kind != BudgetKind::Fixed).then(|| money(too_much, currency)),
                    }),
                    ..PostingInput::default()
                };
                let errors = input
                    .apply(&mut p, &known(), &HashSet::new(), now, false)
                    .unwrap_err();
                assert!(
                    paths(&errors).contains(&"budget.min.amountMinor".to_owned()),
                    "{currency} {kind:?}"
                );
            }
        }
    }

    #[test]
    fn question_ids_are_kept_when_named_and_refused_when_unknown() {
        let now = Utc::now();
        let mut p = blank();
        p.title = "Senior Rust engineer".into();
        let ask = |id: Option<Uuid>, prompt: &str| QuestionInput {
            id,
            kind: QuestionKind::Text,
            prompt: prompt.into(),
        };
        PostingInput {
            questions: Some(vec![ask(None, "Why this role?")]),
            ..PostingInput::default()
        }
        .apply(&mut p, &known(), &HashSet::new(), now, false)
        .unwrap();
        let first = p.questions[0].id;
        PostingInput {
            questions: Some(vec![
                ask(Some(first), "Why this role, really?"),
                ask(None, "When can you start?"),
            ]),
            ..PostingInput::default()
        }
        .apply(&mut p, &known(), &HashSet::new(), now, false)
        .unwrap();
        assert_eq!(p.questions[0].id, first, "the same question keeps its id");
        assert_eq!(p.questions[0].prompt, "Why this role, really?");
        assert_ne!(p.questions[1].id, first);
        let before = p.clone();
        let errors = PostingInput {
            questions: Some(vec![
                ask(Some(Uuid::now_v7()), "Who are you?"),
                ask(Some(first), "Again?"),
                ask(Some(first), "Twice?"),
            ]),
            ..PostingInput::default()
        }
        .apply(&mut p, &known(), &HashSet::new(), now, false)
        .unwrap_err();
        assert_eq!(paths(&errors), ["questions.0.id", "questions.2.id"]);
        assert_eq!(errors[0].code, crate::ErrorCode::NotFound);
        assert_eq!(p, before);
    }
}
