//! Reviews as they are kept, what a review must hold, and who sees it when.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::actor::UserId;
use crate::agencies::AgencyId;
use crate::contracts::ContractId;
use crate::error::FieldError;
use crate::text;

/// The longest comment and reply, in characters.
pub const MAX_COMMENT: usize = 5_000;
pub const MAX_REPLY: usize = 2_000;

/// A review's ID: a UUID v7, so IDs order reviews by the time they were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReviewId(pub Uuid);

/// Which side of a contract wrote a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewerSide {
    /// The client, about the freelancer.
    Client,
    /// The freelancer, about the client.
    Freelancer,
}

impl ReviewerSide {
    pub const ALL: [ReviewerSide; 2] = [ReviewerSide::Client, ReviewerSide::Freelancer];

    /// The stable storage and API key.
    pub fn key(self) -> &'static str {
        match self {
            ReviewerSide::Client => "CLIENT",
            ReviewerSide::Freelancer => "FREELANCER",
        }
    }

    /// The side of a stable key; `None` for anything else.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The other side.
    pub fn other(self) -> Self {
        match self {
            ReviewerSide::Client => ReviewerSide::Freelancer,
            ReviewerSide::Freelancer => ReviewerSide::Client,
        }
    }

    /// What this side rates the other on, in order.
    pub fn criteria(self) -> &'static [Criterion] {
        match self {
            ReviewerSide::Client => &[
                Criterion::Skills,
                Criterion::Quality,
                Criterion::Availability,
                Criterion::Deadlines,
                Criterion::Communication,
                Criterion::Cooperation,
            ],
            ReviewerSide::Freelancer => &[
                Criterion::Clarity,
                Criterion::Communication,
                Criterion::PaymentPromptness,
            ],
        }
    }
}

/// What a sub-score rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criterion {
    Skills,
    Quality,
    Availability,
    Deadlines,
    Communication,
    Cooperation,
    Clarity,
    PaymentPromptness,
}

impl Criterion {
    pub const ALL: [Criterion; 8] = [
        Criterion::Skills,
        Criterion::Quality,
        Criterion::Availability,
        Criterion::Deadlines,
        Criterion::Communication,
        Criterion::Cooperation,
        Criterion::Clarity,
        Criterion::PaymentPromptness,
    ];

    /// The stable storage key, e.g. `PAYMENT_PROMPTNESS`.
    pub fn key(self) -> &'static str {
        match self {
            Criterion::Skills => "SKILLS",
            Criterion::Quality => "QUALITY",
            Criterion::Availability => "AVAILABILITY",
            Criterion::Deadlines => "DEADLINES",
            Criterion::Communication => "COMMUNICATION",
            Criterion::Cooperation => "COOPERATION",
            Criterion::Clarity => "CLARITY",
            Criterion::PaymentPromptness => "PAYMENT_PROMPTNESS",
        }
    }

    /// The input field naming it, e.g. `paymentPromptness`.
    pub fn field(self) -> &'static str {
        match self {
            Criterion::Skills => "skills",
            Criterion::Quality => "quality",
            Criterion::Availability => "availability",
            Criterion::Deadlines => "deadlines",
            Criterion::Communication => "communication",
            Criterion::Cooperation => "cooperation",
            Criterion::Clarity => "clarity",
            Criterion::PaymentPromptness => "paymentPromptness",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// An admin's decision to hide a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moderation {
    pub reason: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// One side's review of the other after a contract ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: ReviewId,
    pub contract_id: ContractId,
    pub side: ReviewerSide,
    pub author_id: UserId,
    /// Who it is about: the freelancer (for the client's review) or the client.
    pub reviewee_id: UserId,
    /// The agency the freelancer worked through, for the client's review of them.
    pub agency_id: Option<AgencyId>,
    /// 1 to 5.
    pub rating: u8,
    /// Every criterion of the side, 1 to 5, in the side's order.
    pub scores: Vec<(Criterion, u8)>,
    pub comment: Option<String>,
    pub would_recommend: bool,
    pub created_at: DateTime<Utc>,
    /// When the review window of the contract closes: the review is public from then
    /// at the latest.
    pub public_from: DateTime<Utc>,
    /// When it became public (both sides reviewed, or the window closed and the job
    /// recorded it).
    pub published_at: Option<DateTime<Utc>>,
    /// The reviewee's one public reply.
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub hidden: Option<Moderation>,
}

impl Review {
    /// Whether it is public at `now`: published, or its window has closed (double
    /// blind: until then only its author reads it).
    pub fn is_public_at(&self, now: DateTime<Utc>) -> bool {
        self.published_at.is_some() || now >= self.public_from
    }

    /// When it is (or will be) public.
    pub fn public_at(&self) -> DateTime<Utc> {
        self.published_at.unwrap_or(self.public_from)
    }

    /// Whether `viewer` may read it at `now`: its author always; anybody once it is
    /// public and not hidden; admins (`admin`) hidden public ones too.
    pub fn visible_to(&self, viewer: Option<UserId>, admin: bool, now: DateTime<Utc>) -> bool {
        if viewer == Some(self.author_id) {
            return true;
        }
        self.is_public_at(now) && (self.hidden.is_none() || admin)
    }
}

/// A review as asked for: the rating, the sub-scores by input field, the comment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewInput {
    pub rating: i32,
    /// Sub-scores by criterion (absent: `None`).
    pub scores: Vec<(Criterion, Option<i32>)>,
    pub comment: Option<String>,
    pub would_recommend: bool,
}

fn score(value: i32, field: &[&str], errors: &mut Vec<FieldError>) -> Option<u8> {
    let ok = u8::try_from(value).ok().filter(|v| (1..=5).contains(v));
    if ok.is_none() {
        errors.push(FieldError::validation(field, "from 1 to 5"));
    }
    ok
}

/// A checked rating, sub-scores and comment.
type Checked = (u8, Vec<(Criterion, u8)>, Option<String>);

/// The checked rating, sub-scores (every criterion of `side`, no other) and comment of
/// `input`; problems pushed to `errors` with their paths.
pub fn checked(
    input: &ReviewInput,
    side: ReviewerSide,
    errors: &mut Vec<FieldError>,
) -> Option<Checked> {
    let before = errors.len();
    let rating = score(input.rating, &["rating"], errors);
    let mut scores = Vec::new();
    for c in side.criteria() {
        match input
            .scores
            .iter()
            .find(|(k, _)| k == c)
            .and_then(|(_, v)| *v)
        {
            Some(v) => {
                if let Some(v) = score(v, &["scores", c.field()], errors) {
                    scores.push((*c, v));
                }
            }
            None => errors.push(FieldError::validation(
                &["scores", c.field()],
                format!(
                    "required: {} rates {}",
                    side_name(side),
                    criteria_list(side)
                ),
            )),
        }
    }
    for (c, v) in &input.scores {
        if v.is_some() && !side.criteria().contains(c) {
            errors.push(FieldError::validation(
                &["scores", c.field()],
                format!("not a criterion of {}'s review", side_name(side)),
            ));
        }
    }
    let comment = match input.comment.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match text::multi_line(raw, 1, MAX_COMMENT) {
            Ok(c) => Some(c),
            Err(m) => {
                errors.push(FieldError::validation(&["comment"], m));
                None
            }
        },
    };
    if errors.len() > before {
        return None;
    }
    Some((rating?, scores, comment))
}

fn side_name(side: ReviewerSide) -> &'static str {
    match side {
        ReviewerSide::Client => "the client",
        ReviewerSide::Freelancer => "the freelancer",
    }
}

fn criteria_list(side: ReviewerSide) -> String {
    side.criteria()
        .iter()
        .map(|c| c.field())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeDelta;

    fn input(rating: i32, side: ReviewerSide, value: i32) -> ReviewInput {
        ReviewInput {
            rating,
            scores: side.criteria().iter().map(|c| (*c, Some(value))).collect(),
            comment: Some("Great to work with".into()),
            would_recommend: true,
        }
    }

    fn paths(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| e.field.join(".")).collect()
    }

    #[test]
    fn ratings_and_every_sub_score_of_the_side_are_one_to_five() {
        for side in ReviewerSide::ALL {
            let mut errors = Vec::new();
            let (rating, scores, comment) = checked(&input(5, side, 4), side, &mut errors).unwrap();
            assert_eq!((rating, scores.len()), (5, side.criteria().len()));
            assert_eq!(comment.as_deref(), Some("Great to work with"));
            for bad in [0, 6, -1] {
                let mut errors = Vec::new();
                assert!(checked(&input(bad, side, 4), side, &mut errors).is_none());
                assert_eq!(paths(&errors), ["rating"]);
            }
            let mut errors = Vec::new();
            assert!(checked(&input(3, side, 9), side, &mut errors).is_none());
            assert_eq!(errors.len(), side.criteria().len());
        }
        // A sub-score missing, one of the other side's, a comment over the limit.
        let mut missing = input(4, ReviewerSide::Client, 4);
        missing.scores.retain(|(c, _)| *c != Criterion::Deadlines);
        missing.scores.push((Criterion::Clarity, Some(3)));
        missing.comment = Some("x".repeat(MAX_COMMENT + 1));
        let mut errors = Vec::new();
        assert!(checked(&missing, ReviewerSide::Client, &mut errors).is_none());
        assert_eq!(
            paths(&errors),
            ["scores.deadlines", "scores.clarity", "comment"]
        );
        for c in Criterion::ALL {
            assert_eq!(Criterion::parse(c.key()), Some(c));
        }
    }

    #[test]
    fn a_review_is_read_by_its_author_until_it_is_public_then_by_all_unless_hidden() {
        let now = Utc::now();
        let author = UserId(Uuid::from_u128(1));
        let other = UserId(Uuid::from_u128(2));
        let mut r = Review {
            id: ReviewId(Uuid::now_v7()),
            contract_id: ContractId(Uuid::nil()),
            side: ReviewerSide::Client,
            author_id: author,
            reviewee_id: other,
            agency_id: None,
            rating: 5,
            scores: vec![],
            comment: None,
            would_recommend: true,
            created_at: now,
            public_from: now + TimeDelta::days(3),
            published_at: None,
            reply: None,
            replied_at: None,
            hidden: None,
        };
        assert!(r.visible_to(Some(author), false, now));
        for (viewer, admin) in [(Some(other), false), (None, false), (Some(other), true)] {
            assert!(!r.visible_to(viewer, admin, now), "{viewer:?} {admin}");
        }
        // The window closed: public even before the job records it.
        assert!(r.visible_to(None, false, r.public_from));
        r.published_at = Some(now);
        assert!(r.visible_to(None, false, now));
        r.hidden = Some(Moderation {
            reason: "abuse".into(),
            by: other,
            at: now,
        });
        assert!(!r.visible_to(None, false, now));
        assert!(r.visible_to(Some(other), true, now));
        assert!(r.visible_to(Some(author), false, now));
    }
}
