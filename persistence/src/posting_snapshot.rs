//! A posting as kept in its history (`posting_revisions.before`): a JSON document with
//! every field of [`Posting`], enums by the same keys as the columns, timestamps as
//! RFC 3339 with all their digits. It reads back to exactly the posting it was made from.
//! A storage format of its own, so the domain's types carry no serde and can change
//! without rewriting history: a field added later gets a `#[serde(default)]`.

use chrono::{DateTime, Utc};
use domain::postings::{
    Posting, PostingId, PostingStatus, RequiredSkill, ScreeningQuestion, WorkLocation,
};
use domain::taxonomy::{CategoryId, SkillId};
use domain::{DomainError, DomainResult, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::posting_rows::{
    BudgetParts, corrupt, duration_key, experience_key, hire_type_key, parse_duration,
    parse_experience, parse_hire_type, parse_question_kind, parse_visibility, parse_workplace,
    question_kind_key, visibility_key, workplace_key,
};

/// The JSON document of one posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PostingSnapshot {
    id: Uuid,
    client_id: Uuid,
    title: String,
    description: String,
    category_id: Option<Uuid>,
    skills: Vec<SkillSnapshot>,
    hire_type: Option<String>,
    budget: Option<BudgetSnapshot>,
    experience: Option<String>,
    duration: Option<String>,
    hours_per_week: Option<u8>,
    workplace: String,
    countries: Vec<String>,
    time_zones: Vec<String>,
    positions: u16,
    visibility: String,
    questions: Vec<QuestionSnapshot>,
    deadline: Option<DateTime<Utc>>,
    status: String,
    close_reason: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    last_activity_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SkillSnapshot {
    skill_id: Uuid,
    min_level: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BudgetSnapshot {
    kind: String,
    currency: String,
    min_minor: i64,
    max_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct QuestionSnapshot {
    id: Uuid,
    kind: String,
    prompt: String,
}

impl PostingSnapshot {
    pub(crate) fn of(p: &Posting) -> Self {
        PostingSnapshot {
            id: p.id.0,
            client_id: p.client_id.0,
            title: p.title.clone(),
            description: p.description.clone(),
            category_id: p.category_id.map(|c| c.0),
            skills: p
                .skills
                .iter()
                .map(|s| SkillSnapshot {
                    skill_id: s.skill_id.0,
                    min_level: s.min_level,
                })
                .collect(),
            hire_type: p.hire_type.map(|h| hire_type_key(h).to_owned()),
            budget: p.budget.as_ref().map(|b| {
                let parts = BudgetParts::of(b);
                BudgetSnapshot {
                    kind: parts.kind.to_owned(),
                    currency: parts.currency.to_owned(),
                    min_minor: parts.min_minor,
                    max_minor: parts.max_minor,
                }
            }),
            experience: p.experience.map(|e| experience_key(e).to_owned()),
            duration: p.duration.map(|d| duration_key(d).to_owned()),
            hours_per_week: p.hours_per_week,
            workplace: workplace_key(p.location.workplace).to_owned(),
            countries: p.location.countries.clone(),
            time_zones: p.location.time_zones.clone(),
            positions: p.positions,
            visibility: visibility_key(p.visibility).to_owned(),
            questions: p
                .questions
                .iter()
                .map(|q| QuestionSnapshot {
                    id: q.id,
                    kind: question_kind_key(q.kind).to_owned(),
                    prompt: q.prompt.clone(),
                })
                .collect(),
            deadline: p.deadline,
            status: p.status.key().to_owned(),
            close_reason: p.status.close_reason().map(|r| r.key().to_owned()),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
            published_at: p.published_at,
            last_activity_at: p.last_activity_at,
        }
    }

    /// The posting this snapshot was made from; an error for a document storage never
    /// writes.
    pub(crate) fn into_posting(self) -> DomainResult<Posting> {
        Ok(Posting {
            id: PostingId(self.id),
            client_id: UserId(self.client_id),
            title: self.title,
            description: self.description,
            category_id: self.category_id.map(CategoryId),
            skills: self
                .skills
                .into_iter()
                .map(|s| RequiredSkill {
                    skill_id: SkillId(s.skill_id),
                    min_level: s.min_level,
                })
                .collect(),
            hire_type: self
                .hire_type
                .map(|h| parse_hire_type(&h).ok_or_else(|| corrupt("snapshot hire type")))
                .transpose()?,
            budget: self
                .budget
                .map(|b| {
                    BudgetParts {
                        kind: &b.kind,
                        currency: &b.currency,
                        min_minor: b.min_minor,
                        max_minor: b.max_minor,
                    }
                    .budget()
                })
                .transpose()?,
            experience: self
                .experience
                .map(|e| parse_experience(&e).ok_or_else(|| corrupt("snapshot experience")))
                .transpose()?,
            duration: self
                .duration
                .map(|d| parse_duration(&d).ok_or_else(|| corrupt("snapshot duration")))
                .transpose()?,
            hours_per_week: self.hours_per_week,
            location: WorkLocation {
                workplace: parse_workplace(&self.workplace)
                    .ok_or_else(|| corrupt("snapshot workplace"))?,
                countries: self.countries,
                time_zones: self.time_zones,
            },
            positions: self.positions,
            visibility: parse_visibility(&self.visibility)
                .ok_or_else(|| corrupt("snapshot visibility"))?,
            questions: self
                .questions
                .into_iter()
                .map(|q| {
                    Ok(ScreeningQuestion {
                        id: q.id,
                        kind: parse_question_kind(&q.kind)
                            .ok_or_else(|| corrupt("snapshot question kind"))?,
                        prompt: q.prompt,
                    })
                })
                .collect::<DomainResult<_>>()?,
            deadline: self.deadline,
            status: PostingStatus::from_parts(&self.status, self.close_reason.as_deref())
                .ok_or_else(|| corrupt("snapshot status"))?,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            published_at: self.published_at,
            last_activity_at: self.last_activity_at,
        })
    }

    /// The JSON text stored.
    pub(crate) fn to_json(p: &Posting) -> DomainResult<String> {
        serde_json::to_string(&Self::of(p)).map_err(DomainError::internal)
    }

    /// The posting stored as `json`.
    pub(crate) fn from_json(json: &str) -> DomainResult<Posting> {
        serde_json::from_str::<Self>(json)
            .map_err(|_| corrupt("revision snapshot"))?
            .into_posting()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::money::{Currency, Money};
    use domain::postings::{
        Budget, CloseReason, ExpectedDuration, ExperienceLevel, HireType, PostingVisibility,
        QuestionKind, Workplace,
    };

    fn full(budget: Budget) -> Posting {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        Posting {
            id: PostingId(Uuid::now_v7()),
            client_id: UserId(Uuid::now_v7()),
            title: "Senior Rust engineer \"payments\"".into(),
            description: "Line one\nline two — ünïcode ✓".into(),
            category_id: Some(CategoryId(Uuid::now_v7())),
            skills: vec![
                RequiredSkill {
                    skill_id: SkillId(Uuid::now_v7()),
                    min_level: Some(4),
                },
                RequiredSkill {
                    skill_id: SkillId(Uuid::nil()),
                    min_level: None,
                },
            ],
            hire_type: Some(HireType::ContractToHire),
            budget: Some(budget),
            experience: Some(ExperienceLevel::Expert),
            duration: Some(ExpectedDuration::MoreThanSixMonths),
            hours_per_week: Some(40),
            location: WorkLocation {
                workplace: Workplace::Hybrid,
                countries: vec!["PL".into(), "DE".into()],
                time_zones: vec!["Europe/Warsaw".into(), "Etc/GMT+5".into()],
            },
            positions: 3,
            visibility: PostingVisibility::InviteOnly,
            questions: vec![ScreeningQuestion {
                id: Uuid::now_v7(),
                kind: QuestionKind::YesNo,
                prompt: "Have you run Rust in production?".into(),
            }],
            deadline: Some(at("2026-12-31T23:59:59.999999999Z")),
            status: PostingStatus::Closed(CloseReason::Cancelled),
            version: 7,
            created_at: at("2026-01-01T00:00:00Z"),
            updated_at: at("2026-02-01T00:00:00.5Z"),
            published_at: Some(at("2026-01-02T03:04:05.123456Z")),
            last_activity_at: at("2026-02-01T00:00:00.000001Z"),
        }
    }

    #[test]
    fn a_snapshot_reads_back_exactly() {
        let usd = Currency::parse("USD").unwrap();
        let m = |amount_minor| Money {
            amount_minor,
            currency: usd,
        };
        for budget in [
            Budget::Fixed(m(1)),
            Budget::Hourly {
                min: m(5_000),
                max: m(9_000),
            },
        ] {
            let p = full(budget);
            let json = PostingSnapshot::to_json(&p).unwrap();
            assert_eq!(PostingSnapshot::from_json(&json).unwrap(), p, "{json}");
        }
        let blank = Posting::blank(PostingId(Uuid::nil()), UserId(Uuid::nil()), Utc::now());
        let json = PostingSnapshot::to_json(&blank).unwrap();
        assert_eq!(PostingSnapshot::from_json(&json).unwrap(), blank);
    }

    #[test]
    fn a_damaged_snapshot_is_an_error_not_a_panic() {
        let usd = Currency::parse("USD").unwrap();
        let p = full(Budget::Fixed(Money {
            amount_minor: 1,
            currency: usd,
        }));
        let json = PostingSnapshot::to_json(&p).unwrap();
        for bad in [
            "{}".to_owned(),
            "not json".to_owned(),
            json.replace("\"CLOSED\"", "\"ARCHIVED\""),
            json.replace("\"HYBRID\"", "\"MOON\""),
            json.replace("\"YES_NO\"", "\"ESSAY\""),
        ] {
            assert!(PostingSnapshot::from_json(&bad).is_err(), "{bad}");
        }
    }
}
