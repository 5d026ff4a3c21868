//! A posting and its rows: the storage keys of its enums, the budget as four columns,
//! the time zones as JSON with their offset range, and the precision timestamps are
//! stored at.
//!
//! **Timestamps** are kept to the microsecond on both back ends: PostgreSQL's
//! `timestamptz` holds microseconds (sqlx truncates finer values on the way in), and
//! SQLite keeps the text sqlx writes (RFC 3339 with the fewest of 0, 3, 6 or 9
//! fractional digits, always `+00:00`). So every timestamp is truncated to the
//! microsecond before it is written or compared ([`at_rest`]): what a write returns is
//! what a later read returns, on either back end, and an equality test against a value
//! read back (`last_activity_at = ?`) matches on both. On SQLite that text compares in
//! time order (`+` sorts before `.`, which sorts before digits, and the shortest
//! fraction is always chosen), which `<=` and `>` on these columns rely on.

use chrono::{DateTime, SubsecRound, Utc};
use domain::DomainError;
use domain::DomainResult;
use domain::UserId;
use domain::money::{Currency, Money};
use domain::postings::{
    Budget, BudgetKind, CloseReason, ExpectedDuration, ExperienceLevel, HireType, Posting,
    PostingEvent, PostingId, PostingStatus, PostingVisibility, QuestionKind, RequiredSkill,
    ScreeningQuestion, WorkLocation, Workplace,
};
use domain::taxonomy::CategoryId;
use sea_orm::ActiveValue::{NotSet, Set};

use crate::entities::posting;

/// The error for a stored value the domain cannot take back.
pub(crate) fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored posting data is invalid: {what}"))
}

/// `at` as storage keeps it: truncated to the microsecond.
pub(crate) fn at_rest(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// `p` with every timestamp as storage keeps it.
pub(crate) fn posting_at_rest(p: &Posting) -> Posting {
    Posting {
        deadline: p.deadline.map(at_rest),
        created_at: at_rest(p.created_at),
        updated_at: at_rest(p.updated_at),
        published_at: p.published_at.map(at_rest),
        last_activity_at: at_rest(p.last_activity_at),
        ..p.clone()
    }
}

/// A pair of functions between an enum and its storage keys: `$key` is an exhaustive
/// match (a new variant does not compile without a key), `$parse` its inverse.
macro_rules! keys {
    ($ty:ty, $key:ident, $parse:ident, { $($variant:path => $k:literal),+ $(,)? }) => {
        #[doc = concat!("The storage key of a `", stringify!($ty), "`.")]
        pub(crate) fn $key(v: $ty) -> &'static str {
            match v {
                $($variant => $k,)+
            }
        }

        #[doc = concat!("The `", stringify!($ty), "` stored as `key`, if any.")]
        pub(crate) fn $parse(key: &str) -> Option<$ty> {
            match key {
                $($k => Some($variant),)+
                _ => None,
            }
        }
    };
}

keys!(HireType, hire_type_key, parse_hire_type, {
    HireType::FreelanceShortTerm => "FREELANCE_SHORT_TERM",
    HireType::FreelanceLongTerm => "FREELANCE_LONG_TERM",
    HireType::FullTime => "FULL_TIME",
    HireType::ContractToHire => "CONTRACT_TO_HIRE",
});

keys!(ExperienceLevel, experience_key, parse_experience, {
    ExperienceLevel::Entry => "ENTRY",
    ExperienceLevel::Intermediate => "INTERMEDIATE",
    ExperienceLevel::Expert => "EXPERT",
});

keys!(ExpectedDuration, duration_key, parse_duration, {
    ExpectedDuration::LessThanOneMonth => "LESS_THAN_ONE_MONTH",
    ExpectedDuration::OneToThreeMonths => "ONE_TO_THREE_MONTHS",
    ExpectedDuration::ThreeToSixMonths => "THREE_TO_SIX_MONTHS",
    ExpectedDuration::MoreThanSixMonths => "MORE_THAN_SIX_MONTHS",
});

keys!(Workplace, workplace_key, parse_workplace, {
    Workplace::Remote => "REMOTE",
    Workplace::OnSite => "ON_SITE",
    Workplace::Hybrid => "HYBRID",
});

keys!(BudgetKind, budget_kind_key, parse_budget_kind, {
    BudgetKind::Fixed => "FIXED",
    BudgetKind::Hourly => "HOURLY",
    BudgetKind::YearlySalary => "YEARLY_SALARY",
});

keys!(PostingVisibility, visibility_key, parse_visibility, {
    PostingVisibility::Public => "PUBLIC",
    PostingVisibility::InviteOnly => "INVITE_ONLY",
});

keys!(QuestionKind, question_kind_key, parse_question_kind, {
    QuestionKind::Text => "TEXT",
    QuestionKind::YesNo => "YES_NO",
    QuestionKind::Link => "LINK",
});

/// The storage key of a life-cycle event: `PUBLISH`, `PAUSE`, `RESUME`, `CLOSE_<reason>`
/// or `EXPIRE`. (`CLOSE_EXPIRED` is never accepted by the life cycle, and the table's
/// CHECK refuses it.)
pub(crate) fn event_key(e: PostingEvent) -> String {
    match e {
        PostingEvent::Publish => "PUBLISH".into(),
        PostingEvent::Pause => "PAUSE".into(),
        PostingEvent::Resume => "RESUME".into(),
        PostingEvent::Close(reason) => format!("CLOSE_{}", reason.key()),
        PostingEvent::Expire => "EXPIRE".into(),
    }
}

/// The event stored as `key`, if any.
pub(crate) fn parse_event(key: &str) -> Option<PostingEvent> {
    match key {
        "PUBLISH" => Some(PostingEvent::Publish),
        "PAUSE" => Some(PostingEvent::Pause),
        "RESUME" => Some(PostingEvent::Resume),
        "EXPIRE" => Some(PostingEvent::Expire),
        _ => key
            .strip_prefix("CLOSE_")
            .and_then(CloseReason::from_key)
            .map(PostingEvent::Close),
    }
}

/// A budget as its four stored parts: kind, currency, min and max in minor units (a
/// fixed amount is both min and max).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BudgetParts<'a> {
    pub(crate) kind: &'a str,
    pub(crate) currency: &'a str,
    pub(crate) min_minor: i64,
    pub(crate) max_minor: i64,
}

impl BudgetParts<'static> {
    pub(crate) fn of(b: &Budget) -> Self {
        let (kind, min, max) = match *b {
            Budget::Fixed(m) => ("FIXED", m, m),
            Budget::Hourly { min, max } => ("HOURLY", min, max),
            Budget::YearlySalary { min, max } => ("YEARLY_SALARY", min, max),
        };
        BudgetParts {
            kind,
            currency: b.currency().code(),
            min_minor: min.amount_minor,
            max_minor: max.amount_minor,
        }
    }
}

impl BudgetParts<'_> {
    /// The budget these parts describe; an error for parts storage never writes.
    pub(crate) fn budget(&self) -> DomainResult<Budget> {
        let currency = Currency::parse(self.currency).map_err(|_| corrupt("budget currency"))?;
        let money = |amount_minor| Money {
            amount_minor,
            currency,
        };
        let (min, max) = (money(self.min_minor), money(self.max_minor));
        match self.kind {
            "FIXED" if self.min_minor == self.max_minor => Ok(Budget::Fixed(min)),
            "HOURLY" => Ok(Budget::Hourly { min, max }),
            "YEARLY_SALARY" => Ok(Budget::YearlySalary { min, max }),
            _ => Err(corrupt("budget kind")),
        }
    }
}

/// The time zones as stored: a JSON array of the IANA names, in order.
pub(crate) fn time_zones_json(zones: &[String]) -> DomainResult<String> {
    serde_json::to_string(zones).map_err(DomainError::internal)
}

pub(crate) fn parse_time_zones(json: &str) -> DomainResult<Vec<String>> {
    serde_json::from_str(json).map_err(|_| corrupt("time zones"))
}

/// The smallest and largest standard UTC offset, in minutes, of `zones`, computed as a
/// profile's `utc_offset_minutes` is ([`domain::text::standard_utc_offset_minutes`]);
/// `None` when no zone is known.
pub(crate) fn tz_offsets(zones: &[String]) -> (Option<i32>, Option<i32>) {
    let offsets = zones
        .iter()
        .filter_map(|z| domain::text::standard_utc_offset_minutes(z))
        .map(i32::from);
    offsets.fold((None, None), |(lo, hi), o| {
        (
            Some(lo.map_or(o, |l: i32| l.min(o))),
            Some(hi.map_or(o, |h: i32| h.max(o))),
        )
    })
}

/// `,DE,AT,` for a posting's countries; empty when it names none (open to all).
pub(crate) fn countries_key(countries: &[String]) -> String {
    if countries.is_empty() {
        String::new()
    } else {
        format!(",{},", countries.join(","))
    }
}

/// The posting's own columns (at rest), for an insert or an update; `skills_text` is
/// written only when given. Counters and `expiry_warned_for` are never written here.
pub(crate) fn row(p: &Posting, skills_text: Option<String>) -> DomainResult<posting::ActiveModel> {
    let p = posting_at_rest(p);
    let budget = p.budget.as_ref().map(BudgetParts::of);
    let (tz_min, tz_max) = tz_offsets(&p.location.time_zones);
    Ok(posting::ActiveModel {
        id: Set(p.id.0),
        client_id: Set(p.client_id.0),
        title: Set(p.title.clone()),
        description: Set(p.description.clone()),
        category_id: Set(p.category_id.map(|c| c.0)),
        hire_type: Set(p.hire_type.map(|h| hire_type_key(h).to_owned())),
        budget_kind: Set(budget.map(|b| b.kind.to_owned())),
        budget_currency: Set(budget.map(|b| b.currency.to_owned())),
        budget_min_minor: Set(budget.map(|b| b.min_minor)),
        budget_max_minor: Set(budget.map(|b| b.max_minor)),
        experience: Set(p.experience.map(|e| experience_key(e).to_owned())),
        duration: Set(p.duration.map(|d| duration_key(d).to_owned())),
        hours_per_week: Set(p.hours_per_week.map(i32::from)),
        workplace: Set(workplace_key(p.location.workplace).to_owned()),
        time_zones: Set(time_zones_json(&p.location.time_zones)?),
        tz_offset_min: Set(tz_min),
        tz_offset_max: Set(tz_max),
        positions: Set(i32::from(p.positions)),
        visibility: Set(visibility_key(p.visibility).to_owned()),
        deadline: Set(p.deadline),
        status: Set(p.status.key().to_owned()),
        close_reason: Set(p.status.close_reason().map(|r| r.key().to_owned())),
        version: Set(p.version),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
        published_at: Set(p.published_at),
        last_activity_at: Set(p.last_activity_at),
        expiry_warned_for: NotSet,
        skills_text: skills_text.map_or(NotSet, Set),
        countries_key: Set(countries_key(&p.location.countries)),
        proposal_count: NotSet,
        invite_count: NotSet,
        pipeline_version: NotSet,
    })
}

fn parse_opt<T>(
    value: Option<String>,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> DomainResult<Option<T>> {
    value
        .map(|v| parse(&v).ok_or_else(|| corrupt(what)))
        .transpose()
}

/// A posting from its row and its lists (each already in the posting's order).
pub(crate) fn to_posting(
    r: posting::Model,
    skills: Vec<RequiredSkill>,
    questions: Vec<ScreeningQuestion>,
    countries: Vec<String>,
) -> DomainResult<Posting> {
    let budget = match (
        r.budget_kind.as_deref(),
        r.budget_currency.as_deref(),
        r.budget_min_minor,
        r.budget_max_minor,
    ) {
        (None, None, None, None) => None,
        (Some(kind), Some(currency), Some(min_minor), Some(max_minor)) => Some(
            BudgetParts {
                kind,
                currency,
                min_minor,
                max_minor,
            }
            .budget()?,
        ),
        _ => return Err(corrupt("partial budget")),
    };
    Ok(Posting {
        id: PostingId(r.id),
        client_id: UserId(r.client_id),
        title: r.title,
        description: r.description,
        category_id: r.category_id.map(CategoryId),
        skills,
        hire_type: parse_opt(r.hire_type, parse_hire_type, "hire type")?,
        budget,
        experience: parse_opt(r.experience, parse_experience, "experience")?,
        duration: parse_opt(r.duration, parse_duration, "duration")?,
        hours_per_week: r
            .hours_per_week
            .map(|h| u8::try_from(h).map_err(|_| corrupt("hours per week")))
            .transpose()?,
        location: WorkLocation {
            workplace: parse_workplace(&r.workplace).ok_or_else(|| corrupt("workplace"))?,
            countries,
            time_zones: parse_time_zones(&r.time_zones)?,
        },
        positions: u16::try_from(r.positions).map_err(|_| corrupt("positions"))?,
        visibility: parse_visibility(&r.visibility).ok_or_else(|| corrupt("visibility"))?,
        questions,
        deadline: r.deadline,
        status: PostingStatus::from_parts(&r.status, r.close_reason.as_deref())
            .ok_or_else(|| corrupt("status"))?,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
        published_at: r.published_at,
        last_activity_at: r.last_activity_at,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_key_reads_back() {
        for h in [
            HireType::FreelanceShortTerm,
            HireType::FreelanceLongTerm,
            HireType::FullTime,
            HireType::ContractToHire,
        ] {
            assert_eq!(parse_hire_type(hire_type_key(h)), Some(h));
        }
        for e in [
            ExperienceLevel::Entry,
            ExperienceLevel::Intermediate,
            ExperienceLevel::Expert,
        ] {
            assert_eq!(parse_experience(experience_key(e)), Some(e));
        }
        for d in [
            ExpectedDuration::LessThanOneMonth,
            ExpectedDuration::OneToThreeMonths,
            ExpectedDuration::ThreeToSixMonths,
            ExpectedDuration::MoreThanSixMonths,
        ] {
            assert_eq!(parse_duration(duration_key(d)), Some(d));
        }
        for w in [Workplace::Remote, Workplace::OnSite, Workplace::Hybrid] {
            assert_eq!(parse_workplace(workplace_key(w)), Some(w));
        }
        for v in [PostingVisibility::Public, PostingVisibility::InviteOnly] {
            assert_eq!(parse_visibility(visibility_key(v)), Some(v));
        }
        for q in [QuestionKind::Text, QuestionKind::YesNo, QuestionKind::Link] {
            assert_eq!(parse_question_kind(question_kind_key(q)), Some(q));
        }
        for e in PostingEvent::ALL {
            assert_eq!(parse_event(&event_key(e)), Some(e));
        }
        assert_eq!(
            event_key(PostingEvent::Close(CloseReason::Filled)),
            "CLOSE_FILLED"
        );
        assert_eq!(parse_hire_type("full_time"), None);
        assert_eq!(parse_event("CLOSE_LOST"), None);
        assert_eq!(parse_event("CLOSE"), None);
    }

    #[test]
    fn budgets_read_back_and_bad_parts_are_refused() {
        let usd = Currency::parse("USD").unwrap();
        let m = |amount_minor| Money {
            amount_minor,
            currency: usd,
        };
        for b in [
            Budget::Fixed(m(500_000)),
            Budget::Hourly {
                min: m(5_000),
                max: m(9_000),
            },
            Budget::YearlySalary {
                min: m(9_000_000),
                max: m(12_000_000),
            },
        ] {
            assert_eq!(BudgetParts::of(&b).budget().unwrap(), b);
        }
        let fixed = BudgetParts::of(&Budget::Fixed(m(7)));
        assert_eq!((fixed.min_minor, fixed.max_minor), (7, 7));
        let bad = [
            BudgetParts {
                max_minor: 8,
                ..fixed
            },
            BudgetParts {
                kind: "MONTHLY",
                ..fixed
            },
            BudgetParts {
                currency: "XXX",
                ..fixed
            },
        ];
        for parts in bad {
            assert!(parts.budget().is_err(), "{parts:?}");
        }
    }

    #[test]
    fn offsets_span_the_known_zones() {
        let zones = |z: &[&str]| z.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(tz_offsets(&[]), (None, None));
        assert_eq!(
            tz_offsets(&zones(&[
                "Europe/Berlin",
                "America/New_York",
                "Asia/Kolkata"
            ])),
            (Some(-300), Some(330))
        );
        // Europe/Dublin's standard offset is 0, as for profiles.
        assert_eq!(tz_offsets(&zones(&["Europe/Dublin"])), (Some(0), Some(0)));
        assert_eq!(tz_offsets(&zones(&["Mars/Olympus"])), (None, None));
    }

    #[test]
    fn timestamps_at_rest_keep_microseconds() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T12:00:00.123456789Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            at_rest(at).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            "2026-03-01T12:00:00.123456000Z"
        );
        assert_eq!(at_rest(at_rest(at)), at_rest(at));
    }
}
