//! Interviews of a proposal, in a stage of its posting's pipeline.
//!
//! - The posting's client schedules one while the proposal is open: a start strictly in
//!   the future (at most a year ahead), a duration of 15 to 480 minutes, an IANA time
//!   zone (the one the parties read the time in), an optional http(s) meeting link and
//!   1 to 10 interviewers, each the posting's client or one of its evaluators.
//! - An interviewer has one interview at a time: an interview whose time overlaps
//!   another scheduled interview of one of its interviewers is refused. Times are
//!   half-open (`[start, end)`): back-to-back interviews do not overlap. Cancelled
//!   interviews, and interviews of proposals that are no longer open, do not count.
//! - The client reschedules (a new start, duration and time zone; the meeting link may
//!   change too), which resets the freelancer's confirmation, or cancels it with an
//!   optional reason before it ends. The freelancer's side confirms it before it starts.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::model::ProposalId;
use super::pipeline::Stage;
use crate::actor::UserId;
use crate::error::{DomainResult, FieldError};

/// The shortest interview, in minutes.
pub const MIN_INTERVIEW_MINUTES: i64 = 15;
/// The longest interview, in minutes (a working day).
pub const MAX_INTERVIEW_MINUTES: i64 = 480;
/// The most interviewers an interview has.
pub const MAX_INTERVIEWERS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InterviewId(pub Uuid);

/// Where an interview is in its (short) life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterviewStatus {
    Scheduled,
    Cancelled,
}

impl InterviewStatus {
    /// The stable storage and API key.
    pub fn key(self) -> &'static str {
        match self {
            InterviewStatus::Scheduled => "SCHEDULED",
            InterviewStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [InterviewStatus::Scheduled, InterviewStatus::Cancelled]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// One interviewer, with their display name as their account has it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interviewer {
    pub user_id: UserId,
    pub display_name: String,
}

/// An interview of a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interview {
    pub id: InterviewId,
    pub proposal_id: ProposalId,
    /// The stage it is held in, as the pipeline has it now.
    pub stage: Stage,
    /// The stage's place in the pipeline, 0 first.
    pub stage_position: u32,
    pub starts_at: DateTime<Utc>,
    /// 15 to 480.
    pub duration_minutes: u16,
    /// The IANA time zone the parties read the time in (storage keeps UTC).
    pub time_zone: String,
    pub meeting_link: Option<String>,
    /// In the order the client named them.
    pub interviewers: Vec<Interviewer>,
    pub status: InterviewStatus,
    /// When the freelancer's side confirmed this time; reset by a reschedule.
    pub confirmed_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The client who scheduled it.
    pub scheduled_by: UserId,
    /// Bumped by every change; changes are stored on the version they were planned on.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Interview {
    /// When it ends: its start plus its duration.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + TimeDelta::minutes(i64::from(self.duration_minutes))
    }
}

/// The time of an interview as the client gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterviewTime {
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i64,
    pub time_zone: String,
}

/// The time, checked at `now`: the start (`startsAt`, strictly in the future), the
/// duration (`durationMinutes`, 15 to 480) and the zone (`timeZone`, IANA). Every
/// problem is collected into `errors`; the checked (duration, zone) when there is none.
pub fn check_time(
    time: &InterviewTime,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Option<(u16, String)> {
    let before = errors.len();
    errors.extend(super::assessments::future(time.starts_at, now, "startsAt"));
    let duration =
        if (MIN_INTERVIEW_MINUTES..=MAX_INTERVIEW_MINUTES).contains(&time.duration_minutes) {
            u16::try_from(time.duration_minutes).ok()
        } else {
            errors.push(FieldError::validation(
                &["durationMinutes"],
                format!("must be {MIN_INTERVIEW_MINUTES} to {MAX_INTERVIEW_MINUTES} minutes"),
            ));
            None
        };
    let zone = match crate::text::time_zone(&time.time_zone) {
        Ok(zone) => Some(zone),
        Err(m) => {
            errors.push(FieldError::validation(&["timeZone"], m));
            None
        }
    };
    match (duration, zone) {
        (Some(d), Some(z)) if errors.len() == before => Some((d, z)),
        _ => None,
    }
}

/// An optional meeting link: an http(s) URL (`meetingLink`).
pub fn check_meeting_link(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let link = raw?.trim();
    match crate::text::web_url(link) {
        Ok(()) => Some(link.to_owned()),
        Err(m) => {
            errors.push(FieldError::validation(&["meetingLink"], m));
            None
        }
    }
}

/// What storage did with a scheduled or rescheduled interview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterviewWrite {
    /// Stored, as storage keeps it.
    Written(Box<Interview>),
    /// These interviewers have another scheduled interview that overlaps (nothing was
    /// stored).
    Busy(Vec<UserId>),
    /// The proposal stopped being open.
    ProposalNotOpen,
    /// The stage was removed from the pipeline meanwhile.
    StageGone,
    /// The interview changed since it was read (a reschedule only).
    Stale,
}

/// Storage of interviews. Overlaps are decided under a lock per interviewer (on
/// PostgreSQL an advisory lock per interviewer, taken in a fixed order inside the
/// write's transaction; on SQLite the write transaction itself), so concurrent
/// schedules for one interviewer never both land.
#[async_trait]
pub trait InterviewRepository: Send + Sync {
    /// In one transaction: checks the proposal is open (holding its row) and that no
    /// interviewer has an overlapping scheduled interview, then stores the interview.
    async fn schedule(&self, interview: &Interview) -> DomainResult<InterviewWrite>;
    /// The same for a new time of an interview stored at `expected` (itself aside);
    /// the confirmation is reset.
    async fn reschedule(
        &self,
        interview: &Interview,
        expected: i64,
    ) -> DomainResult<InterviewWrite>;
    /// Stores the status, confirmation and cancellation of `interview` if it is still
    /// at `expected`; `None` when another change came first.
    async fn save(&self, interview: &Interview, expected: i64) -> DomainResult<Option<Interview>>;
    /// Interviews by ID; unknown IDs are left out.
    async fn by_ids(&self, ids: &[InterviewId]) -> DomainResult<Vec<Interview>>;
    /// The interviews of these proposals, each list earliest first; one statement.
    async fn of_proposals(
        &self,
        proposals: &[ProposalId],
    ) -> DomainResult<HashMap<ProposalId, Vec<Interview>>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// One "now" per test thread, so "0 minutes from now" is now exactly.
        static NOW: DateTime<Utc> = Utc::now();
    }

    fn fields(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| e.field.join(".")).collect()
    }

    fn time(starts_in_minutes: i64, duration: i64, zone: &str) -> InterviewTime {
        InterviewTime {
            starts_at: NOW.with(|now| *now) + TimeDelta::minutes(starts_in_minutes),
            duration_minutes: duration,
            time_zone: zone.into(),
        }
    }

    #[test]
    fn a_time_is_in_the_future_of_15_to_480_minutes_in_an_iana_zone() {
        let now = NOW.with(|now| *now);
        let mut errors = Vec::new();
        assert_eq!(
            check_time(&time(60, 45, " Europe/Berlin "), now, &mut errors),
            Some((45, "Europe/Berlin".into()))
        );
        assert!(errors.is_empty());
        for (t, field) in [
            (time(-1, 45, "UTC"), "startsAt"),
            (time(0, 45, "UTC"), "startsAt"),
            (time(60, 0, "UTC"), "durationMinutes"),
            (time(60, 14, "UTC"), "durationMinutes"),
            (time(60, 481, "UTC"), "durationMinutes"),
            (time(60, -30, "UTC"), "durationMinutes"),
            (time(60, 30, "Mars/Olympus"), "timeZone"),
            (time(60, 30, "europe/berlin"), "timeZone"),
        ] {
            let mut errors = Vec::new();
            assert_eq!(check_time(&t, now, &mut errors), None, "{t:?}");
            assert_eq!(fields(&errors), [field], "{t:?}");
        }
        let mut errors = Vec::new();
        assert_eq!(check_time(&time(-5, 0, "Nowhere"), now, &mut errors), None);
        assert_eq!(
            fields(&errors),
            ["startsAt", "durationMinutes", "timeZone"],
            "every problem at once"
        );
        let mut errors = Vec::new();
        check_time(&time(15, 15, "UTC"), now, &mut errors);
        check_time(&time(15, 480, "UTC"), now, &mut errors);
        assert!(errors.is_empty(), "the bounds are allowed: {errors:?}");
    }

    #[test]
    fn a_meeting_link_is_an_http_or_https_url() {
        let mut errors = Vec::new();
        assert_eq!(check_meeting_link(None, &mut errors), None);
        assert_eq!(
            check_meeting_link(Some(" https://meet.example.com/abc "), &mut errors),
            Some("https://meet.example.com/abc".into())
        );
        assert_eq!(
            check_meeting_link(Some("http://meet.example.com/abc"), &mut errors),
            Some("http://meet.example.com/abc".into())
        );
        assert!(errors.is_empty());
        for bad in [
            "",
            "meet.example.com",
            "ftp://x.example.com",
            "javascript:alert(1)",
        ] {
            let mut errors = Vec::new();
            assert_eq!(check_meeting_link(Some(bad), &mut errors), None, "{bad}");
            assert_eq!(fields(&errors), ["meetingLink"], "{bad}");
        }
    }

    #[test]
    fn an_interview_ends_its_duration_after_its_start() {
        let start = Utc::now();
        let interview = Interview {
            id: InterviewId(Uuid::now_v7()),
            proposal_id: ProposalId(Uuid::now_v7()),
            stage: Stage {
                id: super::super::lifecycle::StageId(Uuid::now_v7()),
                kind: super::super::pipeline::StageKind::TechnicalInterview,
                name: "Technical interview".into(),
            },
            stage_position: 1,
            starts_at: start,
            duration_minutes: 90,
            time_zone: "UTC".into(),
            meeting_link: None,
            interviewers: vec![],
            status: InterviewStatus::Scheduled,
            confirmed_at: None,
            cancel_reason: None,
            cancelled_at: None,
            scheduled_by: UserId(Uuid::now_v7()),
            version: 1,
            created_at: start,
            updated_at: start,
        };
        assert_eq!(interview.ends_at() - start, TimeDelta::minutes(90));
        for s in [InterviewStatus::Scheduled, InterviewStatus::Cancelled] {
            assert_eq!(InterviewStatus::from_key(s.key()), Some(s));
        }
        assert_eq!(InterviewStatus::from_key("DONE"), None);
    }
}
