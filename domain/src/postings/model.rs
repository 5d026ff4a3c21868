//! A posting (a role a client wants filled) as the domain keeps it. Text is plain text;
//! every field is validated on the way in (`input.rs`). A draft may be incomplete;
//! `publish_problems` says what publishing still needs.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::lifecycle::PostingStatus;
use crate::actor::UserId;
use crate::error::FieldError;
use crate::money::Money;
use crate::taxonomy::{CategoryId, SkillId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostingId(pub Uuid);

/// What kind of hire the client has in mind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HireType {
    FreelanceShortTerm,
    FreelanceLongTerm,
    FullTime,
    ContractToHire,
}

impl HireType {
    /// The budget kinds that fit this hire: freelance work is paid by the job or by the
    /// hour, a full-time role by a yearly salary, contract-to-hire by the hour or a salary.
    pub fn accepts(self, budget: &Budget) -> bool {
        matches!(
            (self, budget),
            (
                HireType::FreelanceShortTerm | HireType::FreelanceLongTerm,
                Budget::Fixed(_) | Budget::Hourly { .. }
            ) | (HireType::FullTime, Budget::YearlySalary { .. })
                | (
                    HireType::ContractToHire,
                    Budget::Hourly { .. } | Budget::YearlySalary { .. }
                )
        )
    }

    pub fn is_freelance(self) -> bool {
        matches!(
            self,
            HireType::FreelanceShortTerm | HireType::FreelanceLongTerm
        )
    }
}

/// How experienced the hire should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExperienceLevel {
    Entry,
    Intermediate,
    Expert,
}

/// How long the work is expected to last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpectedDuration {
    LessThanOneMonth,
    OneToThreeMonths,
    ThreeToSixMonths,
    MoreThanSixMonths,
}

/// What the client will pay, in one currency. Ranges have `min <= max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// A fixed amount for the whole job.
    Fixed(Money),
    /// An hourly rate range.
    Hourly { min: Money, max: Money },
    /// A yearly salary range.
    YearlySalary { min: Money, max: Money },
}

impl Budget {
    pub fn currency(&self) -> crate::money::Currency {
        match self {
            Budget::Fixed(m)
            | Budget::Hourly { min: m, .. }
            | Budget::YearlySalary { min: m, .. } => m.currency,
        }
    }
}

/// Where the work happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Workplace {
    #[default]
    Remote,
    OnSite,
    Hybrid,
}

/// Where the work happens and who can do it from where: countries (ISO 3166-1 alpha-2)
/// and time zones (IANA) the client wants; empty lists mean anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkLocation {
    pub workplace: Workplace,
    pub countries: Vec<String>,
    pub time_zones: Vec<String>,
}

/// Who may see and propose on a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PostingVisibility {
    /// Everyone sees it; any freelancer may propose.
    #[default]
    Public,
    /// Only invited freelancers and agencies see it and may propose.
    InviteOnly,
}

/// How a screening question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// Yes or no.
    YesNo,
    /// A link, e.g. "a code sample you are proud of".
    Link,
}

/// A question every proposal answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningQuestion {
    pub id: Uuid,
    pub kind: QuestionKind,
    /// 5 to 500 characters, one line.
    pub prompt: String,
}

/// A skill the role needs, optionally at a minimum level (1-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredSkill {
    pub skill_id: SkillId,
    pub min_level: Option<u8>,
}

/// Bounds of a posting.
pub const MAX_SKILLS: usize = 15;
pub const MAX_QUESTIONS: usize = 10;
pub const MAX_POSITIONS: u16 = 100;
pub const MIN_DESCRIPTION_TO_PUBLISH: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub id: PostingId,
    /// The client who owns it.
    pub client_id: UserId,
    /// 5 to 120 characters, one line.
    pub title: String,
    /// Up to 20,000 characters, plain text.
    pub description: String,
    pub category_id: Option<CategoryId>,
    /// 1 to 15 to publish, each once.
    pub skills: Vec<RequiredSkill>,
    pub hire_type: Option<HireType>,
    pub budget: Option<Budget>,
    pub experience: Option<ExperienceLevel>,
    pub duration: Option<ExpectedDuration>,
    /// 1 to 80.
    pub hours_per_week: Option<u8>,
    pub location: WorkLocation,
    /// 1 to 100 people to hire.
    pub positions: u16,
    pub visibility: PostingVisibility,
    /// 0 to 10.
    pub questions: Vec<ScreeningQuestion>,
    /// Proposals are accepted until then; in the future when set.
    pub deadline: Option<DateTime<Utc>>,
    pub status: PostingStatus,
    /// Bumped by every write; writes name the version they were based on.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// The last thing that happened on it (publishing, an edit, a proposal, a message):
    /// the expiry job closes OPEN postings 30 days after it.
    pub last_activity_at: DateTime<Utc>,
}

impl Posting {
    /// Whether the posting takes proposals at `now`: OPEN, with its deadline (if any)
    /// ahead. Who may propose (invitations for INVITE_ONLY) is the policy's question.
    pub fn takes_proposals_at(&self, now: DateTime<Utc>) -> bool {
        self.status.accepts_proposals() && self.deadline.is_none_or(|d| d > now)
    }

    /// An empty draft of `client`'s, created at `now` (input fills it in).
    pub fn blank(id: PostingId, client: UserId, now: DateTime<Utc>) -> Self {
        Posting {
            id,
            client_id: client,
            title: String::new(),
            description: String::new(),
            category_id: None,
            skills: Vec::new(),
            hire_type: None,
            budget: None,
            experience: None,
            duration: None,
            hours_per_week: None,
            location: WorkLocation::default(),
            positions: 1,
            visibility: PostingVisibility::Public,
            questions: Vec::new(),
            deadline: None,
            status: PostingStatus::Draft,
            version: 1,
            created_at: now,
            updated_at: now,
            published_at: None,
            last_activity_at: now,
        }
    }

    /// What publishing still needs, by input field, with a message each; empty when the
    /// posting is complete. A deadline must still lie ahead at `now`.
    pub fn publish_problems(&self, now: DateTime<Utc>) -> Vec<FieldError> {
        let mut out = Vec::new();
        let mut missing = |field: &str, message: &str| {
            out.push(FieldError::validation(&[field], message));
        };
        if self.description.chars().count() < MIN_DESCRIPTION_TO_PUBLISH {
            missing(
                "description",
                "needs at least 50 characters to publish: say what the work is",
            );
        }
        if self.category_id.is_none() {
            missing("categoryId", "is required to publish");
        }
        if self.skills.is_empty() {
            missing("skills", "at least one skill is required to publish");
        }
        match (self.hire_type, &self.budget) {
            (None, _) => missing("hireType", "is required to publish"),
            (Some(_), None) => missing("budget", "is required to publish"),
            (Some(hire), Some(budget)) if !hire.accepts(budget) => missing(
                "budget",
                "does not fit the hire type (freelance: fixed or hourly; full time: yearly salary; contract to hire: hourly or yearly salary)",
            ),
            _ => {}
        }
        if self.experience.is_none() {
            missing("experienceLevel", "is required to publish");
        }
        if self.hire_type.is_some_and(HireType::is_freelance) && self.duration.is_none() {
            missing("duration", "is required to publish freelance work");
        }
        if self.deadline.is_some_and(|d| d <= now) {
            missing("deadline", "must lie in the future");
        }
        out
    }
}

/// A bare draft for tests across the postings module.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub(crate) fn draft_of(client: UserId) -> Posting {
        Posting {
            title: "Senior Rust engineer".into(),
            ..Posting::blank(PostingId(Uuid::now_v7()), client, Utc::now())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::money::Currency;

    fn usd(minor: i64) -> Money {
        Money {
            amount_minor: minor,
            currency: Currency::parse("USD").unwrap(),
        }
    }

    fn draft() -> Posting {
        super::tests_support::draft_of(UserId(Uuid::nil()))
    }

    #[test]
    fn hire_types_take_the_budgets_that_fit() {
        let fixed = Budget::Fixed(usd(500_000));
        let hourly = Budget::Hourly {
            min: usd(5_000),
            max: usd(9_000),
        };
        let salary = Budget::YearlySalary {
            min: usd(9_000_000),
            max: usd(12_000_000),
        };
        assert!(HireType::FreelanceShortTerm.accepts(&fixed));
        assert!(HireType::FreelanceLongTerm.accepts(&hourly));
        assert!(!HireType::FreelanceLongTerm.accepts(&salary));
        assert!(HireType::FullTime.accepts(&salary));
        assert!(!HireType::FullTime.accepts(&hourly));
        assert!(HireType::ContractToHire.accepts(&hourly));
        assert!(HireType::ContractToHire.accepts(&salary));
        assert!(!HireType::ContractToHire.accepts(&fixed));
    }

    #[test]
    fn publishing_names_everything_missing_then_nothing() {
        let now = Utc::now();
        let mut p = draft();
        let fields: Vec<String> = p
            .publish_problems(now)
            .into_iter()
            .map(|e| e.field.join("."))
            .collect();
        assert_eq!(
            fields,
            [
                "description",
                "categoryId",
                "skills",
                "hireType",
                "experienceLevel"
            ]
        );
        p.description = "We need a backend engineer to build our payments API in Rust.".into();
        p.category_id = Some(CategoryId(Uuid::nil()));
        p.skills = vec![RequiredSkill {
            skill_id: SkillId(Uuid::nil()),
            min_level: Some(4),
        }];
        p.hire_type = Some(HireType::FreelanceLongTerm);
        p.budget = Some(Budget::YearlySalary {
            min: usd(1),
            max: usd(2),
        });
        p.experience = Some(ExperienceLevel::Expert);
        p.deadline = Some(now - chrono::Duration::seconds(1));
        let fields: Vec<String> = p
            .publish_problems(now)
            .into_iter()
            .map(|e| e.field.join("."))
            .collect();
        assert_eq!(fields, ["budget", "duration", "deadline"]);
        p.budget = Some(Budget::Hourly {
            min: usd(5_000),
            max: usd(9_000),
        });
        p.duration = Some(ExpectedDuration::ThreeToSixMonths);
        p.deadline = Some(now + chrono::Duration::days(14));
        assert!(p.publish_problems(now).is_empty());
        // A full-time role needs no duration.
        p.hire_type = Some(HireType::FullTime);
        p.duration = None;
        p.budget = Some(Budget::YearlySalary {
            min: usd(9_000_000),
            max: usd(12_000_000),
        });
        assert!(p.publish_problems(now).is_empty());
    }
}
