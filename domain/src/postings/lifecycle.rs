//! The life cycle of a posting:
//!
//! ```text
//! DRAFT --publish--> OPEN <--pause/resume--> PAUSED
//! OPEN|PAUSED --close(FILLED|CANCELLED) (client)--> CLOSED(reason)
//! OPEN --expire (system, 30 days without activity)--> CLOSED(EXPIRED)
//! ```
//!
//! CLOSED is final. Two choices the diagram leaves open, decided here:
//!
//! - **A paused posting does not expire.** Pausing is the client saying "not now"; the
//!   expiry clock only runs while the posting is open and collecting proposals. Resuming
//!   counts as activity, so the clock starts again from the resume.
//! - **A draft cannot be closed.** Nobody has seen it and nothing hangs off it; the client
//!   deletes it instead. Closing only exists for postings that were published.
//!
//! Only the system job expires postings ([`PostingEvent::Expire`]); a client closing with
//! [`CloseReason::Expired`] is refused. Who may fire which event is decided by the policy;
//! this file only knows which transitions exist and when the expiry job is due.

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::DomainError;

/// An open posting with no activity for this many days is closed as EXPIRED.
pub const EXPIRES_AFTER_DAYS: i64 = 30;
/// The client is warned this many days before their posting expires.
pub const WARN_DAYS_BEFORE: i64 = 5;

/// Why a posting was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// Every position was filled (by the client, or when the last offer is accepted).
    Filled,
    /// The client gave up on the role.
    Cancelled,
    /// Open for [`EXPIRES_AFTER_DAYS`] days without activity; set only by the system.
    Expired,
}

impl CloseReason {
    /// Every reason, in declaration order.
    pub const ALL: [CloseReason; 3] = [
        CloseReason::Filled,
        CloseReason::Cancelled,
        CloseReason::Expired,
    ];

    /// The stable storage and API key: `FILLED`, `CANCELLED` or `EXPIRED`.
    pub fn key(self) -> &'static str {
        match self {
            CloseReason::Filled => "FILLED",
            CloseReason::Cancelled => "CANCELLED",
            CloseReason::Expired => "EXPIRED",
        }
    }

    /// The reason whose [`key`](Self::key) is `key`, if any.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// Where a posting is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingStatus {
    /// Being written; visible only to its client.
    Draft,
    /// Published and accepting proposals.
    Open,
    /// Published but temporarily not accepting proposals; does not expire.
    Paused,
    /// Final: filled, cancelled or expired.
    Closed(CloseReason),
}

impl PostingStatus {
    /// Every status, each close reason counted separately.
    pub const ALL: [PostingStatus; 6] = [
        PostingStatus::Draft,
        PostingStatus::Open,
        PostingStatus::Paused,
        PostingStatus::Closed(CloseReason::Filled),
        PostingStatus::Closed(CloseReason::Cancelled),
        PostingStatus::Closed(CloseReason::Expired),
    ];

    /// The stable storage and API key: `DRAFT`, `OPEN`, `PAUSED` or `CLOSED`. The close
    /// reason is stored separately, see [`close_reason`](Self::close_reason).
    pub fn key(self) -> &'static str {
        match self {
            PostingStatus::Draft => "DRAFT",
            PostingStatus::Open => "OPEN",
            PostingStatus::Paused => "PAUSED",
            PostingStatus::Closed(_) => "CLOSED",
        }
    }

    /// Why the posting was closed; `None` unless it is closed.
    pub fn close_reason(self) -> Option<CloseReason> {
        match self {
            PostingStatus::Closed(reason) => Some(reason),
            PostingStatus::Draft | PostingStatus::Open | PostingStatus::Paused => None,
        }
    }

    /// Rebuilds a status from its two stored columns: the status key and the close reason
    /// key. `None` for an unknown key, a `CLOSED` without a known reason, or a reason on a
    /// status that is not `CLOSED`; storage never writes those.
    pub fn from_parts(status_key: &str, reason_key: Option<&str>) -> Option<Self> {
        match (status_key, reason_key) {
            ("DRAFT", None) => Some(PostingStatus::Draft),
            ("OPEN", None) => Some(PostingStatus::Open),
            ("PAUSED", None) => Some(PostingStatus::Paused),
            ("CLOSED", Some(reason)) => CloseReason::from_key(reason).map(PostingStatus::Closed),
            _ => None,
        }
    }

    /// Whether the posting is open (published, not paused, not closed).
    pub fn is_open(self) -> bool {
        self == PostingStatus::Open
    }

    /// Whether freelancers may submit proposals: only an open posting accepts them.
    pub fn accepts_proposals(self) -> bool {
        self.is_open()
    }

    /// Whether the posting is closed, for any reason.
    pub fn is_closed(self) -> bool {
        matches!(self, PostingStatus::Closed(_))
    }

    /// Whether the client may still edit the posting: anything but closed.
    pub fn is_editable(self) -> bool {
        !self.is_closed()
    }
}

/// What can happen to a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingEvent {
    /// The client publishes a draft.
    Publish,
    /// The client stops taking proposals for a while.
    Pause,
    /// The client takes proposals again.
    Resume,
    /// The client closes the posting. Only [`CloseReason::Filled`] and
    /// [`CloseReason::Cancelled`] are accepted; `Expired` is the system's, see `Expire`.
    Close(CloseReason),
    /// The expiry job closes an open posting that has had no activity for
    /// [`EXPIRES_AFTER_DAYS`] days (see [`is_due_to_expire`]).
    Expire,
}

impl PostingEvent {
    /// Every event, including the refused `Close(Expired)`.
    pub const ALL: [PostingEvent; 7] = [
        PostingEvent::Publish,
        PostingEvent::Pause,
        PostingEvent::Resume,
        PostingEvent::Close(CloseReason::Filled),
        PostingEvent::Close(CloseReason::Cancelled),
        PostingEvent::Close(CloseReason::Expired),
        PostingEvent::Expire,
    ];

    /// The past participle used in refusal messages ("cannot be paused").
    fn done(self) -> String {
        match self {
            PostingEvent::Publish => "published".to_owned(),
            PostingEvent::Pause => "paused".to_owned(),
            PostingEvent::Resume => "resumed".to_owned(),
            PostingEvent::Close(reason) => format!("closed as {}", reason.key()),
            PostingEvent::Expire => "expired".to_owned(),
        }
    }
}

/// The one transition function: the status after `event`, or
/// [`DomainError::InvalidState`] naming the status and the event when the transition does
/// not exist. Pure: the caller's status is untouched on refusal.
///
/// Allowed: DRAFT -publish-> OPEN; OPEN -pause-> PAUSED; PAUSED -resume-> OPEN;
/// OPEN|PAUSED -close(FILLED|CANCELLED)-> CLOSED(reason); OPEN -expire-> CLOSED(EXPIRED).
/// Everything else is refused; in particular CLOSED is final, a draft is deleted rather
/// than closed, a paused posting does not expire, and a client cannot close as EXPIRED.
pub fn transition(from: PostingStatus, event: PostingEvent) -> Result<PostingStatus, DomainError> {
    use CloseReason as R;
    use PostingEvent as E;
    use PostingStatus as S;
    match (from, event) {
        (S::Draft, E::Publish) => Ok(S::Open),
        (S::Open, E::Pause) => Ok(S::Paused),
        (S::Paused, E::Resume) => Ok(S::Open),
        (S::Open | S::Paused, E::Close(reason @ (R::Filled | R::Cancelled))) => {
            Ok(S::Closed(reason))
        }
        (S::Open, E::Expire) => Ok(S::Closed(R::Expired)),
        (S::Closed(_), _) => refuse(from, event, "a closed posting never changes"),
        (_, E::Close(R::Expired)) => refuse(
            from,
            event,
            "only the system expires a posting; close it as FILLED or CANCELLED",
        ),
        (S::Draft, E::Close(_)) => refuse(from, event, "delete the draft instead"),
        (S::Draft, E::Pause | E::Resume | E::Expire) => {
            refuse(from, event, "it has not been published")
        }
        (S::Open, E::Publish) => refuse(from, event, "it is already published"),
        (S::Open, E::Resume) => refuse(from, event, "it is not paused"),
        (S::Paused, E::Publish) => refuse(from, event, "it is already published; resume it"),
        (S::Paused, E::Pause) => refuse(from, event, "it is already paused"),
        (S::Paused, E::Expire) => refuse(from, event, "a paused posting does not expire"),
    }
}

/// The refusal of `event` in `from`: "a CLOSED posting cannot be paused: <why>".
fn refuse(
    from: PostingStatus,
    event: PostingEvent,
    why: &str,
) -> Result<PostingStatus, DomainError> {
    let article = if from == PostingStatus::Open {
        "an"
    } else {
        "a"
    };
    Err(DomainError::InvalidState {
        message: format!(
            "{article} {} posting cannot be {}: {why}",
            from.key(),
            event.done()
        ),
    })
}

/// When an open posting whose last activity was at `last_activity` expires:
/// [`EXPIRES_AFTER_DAYS`] × 24 hours later (saturating at the latest representable time).
pub fn expires_at(last_activity: DateTime<Utc>) -> DateTime<Utc> {
    last_activity
        .checked_add_signed(TimeDelta::days(EXPIRES_AFTER_DAYS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// When the client of an open posting whose last activity was at `last_activity` is
/// warned of its expiry: [`WARN_DAYS_BEFORE`] days before [`expires_at`].
pub fn warn_at(last_activity: DateTime<Utc>) -> DateTime<Utc> {
    let expires = expires_at(last_activity);
    expires
        .checked_sub_signed(TimeDelta::days(WARN_DAYS_BEFORE))
        .unwrap_or(expires)
}

/// Whether the expiry job should fire [`PostingEvent::Expire`] now: the posting is open
/// and `now` is at or after [`expires_at`]. Paused, draft and closed postings never are.
pub fn is_due_to_expire(
    status: PostingStatus,
    last_activity: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    status.is_open() && now >= expires_at(last_activity)
}

/// Whether the expiry warning is due now: the posting is open and
/// [`warn_at`] ≤ `now` < [`expires_at`]. The caller records that it warned, so that the
/// warning is sent once per period of inactivity.
pub fn is_due_for_warning(
    status: PostingStatus,
    last_activity: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    status.is_open() && warn_at(last_activity) <= now && now < expires_at(last_activity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use CloseReason as R;
    use PostingEvent as E;
    use PostingStatus as S;
    use proptest::prelude::*;

    /// Every (state, event) pair and its expected outcome: `Some(to)` allowed, `None`
    /// refused. Written out by hand, not derived from `transition`.
    const TABLE: [(S, E, Option<S>); 42] = [
        (S::Draft, E::Publish, Some(S::Open)),
        (S::Draft, E::Pause, None),
        (S::Draft, E::Resume, None),
        (S::Draft, E::Close(R::Filled), None),
        (S::Draft, E::Close(R::Cancelled), None),
        (S::Draft, E::Close(R::Expired), None),
        (S::Draft, E::Expire, None),
        (S::Open, E::Publish, None),
        (S::Open, E::Pause, Some(S::Paused)),
        (S::Open, E::Resume, None),
        (S::Open, E::Close(R::Filled), Some(S::Closed(R::Filled))),
        (
            S::Open,
            E::Close(R::Cancelled),
            Some(S::Closed(R::Cancelled)),
        ),
        (S::Open, E::Close(R::Expired), None),
        (S::Open, E::Expire, Some(S::Closed(R::Expired))),
        (S::Paused, E::Publish, None),
        (S::Paused, E::Pause, None),
        (S::Paused, E::Resume, Some(S::Open)),
        (S::Paused, E::Close(R::Filled), Some(S::Closed(R::Filled))),
        (
            S::Paused,
            E::Close(R::Cancelled),
            Some(S::Closed(R::Cancelled)),
        ),
        (S::Paused, E::Close(R::Expired), None),
        (S::Paused, E::Expire, None),
        (S::Closed(R::Filled), E::Publish, None),
        (S::Closed(R::Filled), E::Pause, None),
        (S::Closed(R::Filled), E::Resume, None),
        (S::Closed(R::Filled), E::Close(R::Filled), None),
        (S::Closed(R::Filled), E::Close(R::Cancelled), None),
        (S::Closed(R::Filled), E::Close(R::Expired), None),
        (S::Closed(R::Filled), E::Expire, None),
        (S::Closed(R::Cancelled), E::Publish, None),
        (S::Closed(R::Cancelled), E::Pause, None),
        (S::Closed(R::Cancelled), E::Resume, None),
        (S::Closed(R::Cancelled), E::Close(R::Filled), None),
        (S::Closed(R::Cancelled), E::Close(R::Cancelled), None),
        (S::Closed(R::Cancelled), E::Close(R::Expired), None),
        (S::Closed(R::Cancelled), E::Expire, None),
        (S::Closed(R::Expired), E::Publish, None),
        (S::Closed(R::Expired), E::Pause, None),
        (S::Closed(R::Expired), E::Resume, None),
        (S::Closed(R::Expired), E::Close(R::Filled), None),
        (S::Closed(R::Expired), E::Close(R::Cancelled), None),
        (S::Closed(R::Expired), E::Close(R::Expired), None),
        (S::Closed(R::Expired), E::Expire, None),
    ];

    #[test]
    fn the_table_covers_every_state_and_event_exactly_once() {
        for from in S::ALL {
            for event in E::ALL {
                let rows = TABLE
                    .iter()
                    .filter(|(s, e, _)| *s == from && *e == event)
                    .count();
                assert_eq!(rows, 1, "{from:?} {event:?}");
            }
        }
    }

    #[test]
    fn every_allowed_and_refused_transition() {
        let mut allowed = 0;
        for (from, event, want) in TABLE {
            match (transition(from, event), want) {
                (Ok(to), Some(want)) => {
                    assert_eq!(to, want, "{from:?} {event:?}");
                    allowed += 1;
                }
                (Err(err), None) => {
                    assert_eq!(err.code(), ErrorCode::InvalidState, "{from:?} {event:?}");
                    let DomainError::InvalidState { message } = &err else {
                        panic!("{from:?} {event:?}: {err:?}");
                    };
                    assert!(
                        message.contains(&format!(" {} posting cannot be ", from.key())),
                        "{message}"
                    );
                    assert!(message.contains(&event.done()), "{message}");
                }
                (got, want) => panic!("{from:?} {event:?}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(allowed, 8);
    }

    #[test]
    fn refusal_messages_read_well() {
        let message = |from, event| transition(from, event).unwrap_err().to_string();
        assert_eq!(
            message(S::Closed(R::Filled), E::Pause),
            "a CLOSED posting cannot be paused: a closed posting never changes"
        );
        assert_eq!(
            message(S::Draft, E::Close(R::Cancelled)),
            "a DRAFT posting cannot be closed as CANCELLED: delete the draft instead"
        );
        assert_eq!(
            message(S::Open, E::Close(R::Expired)),
            "an OPEN posting cannot be closed as EXPIRED: only the system expires a \
             posting; close it as FILLED or CANCELLED"
        );
        assert_eq!(
            message(S::Paused, E::Expire),
            "a PAUSED posting cannot be expired: a paused posting does not expire"
        );
    }

    #[test]
    fn keys_round_trip_through_storage_parts() {
        for reason in R::ALL {
            assert_eq!(R::from_key(reason.key()), Some(reason));
        }
        assert_eq!(R::from_key("filled"), None);
        for status in S::ALL {
            let reason = status.close_reason().map(R::key);
            assert_eq!(S::from_parts(status.key(), reason), Some(status));
        }
        assert_eq!(
            S::from_parts("CLOSED", Some("EXPIRED")),
            Some(S::Closed(R::Expired))
        );
        assert_eq!(S::from_parts("CLOSED", None), None);
        assert_eq!(S::from_parts("CLOSED", Some("LOST")), None);
        assert_eq!(S::from_parts("OPEN", Some("FILLED")), None);
        assert_eq!(S::from_parts("ARCHIVED", None), None);
        assert_eq!(S::from_parts("open", None), None);
    }

    #[test]
    fn predicates() {
        for status in S::ALL {
            assert_eq!(status.is_open(), status == S::Open, "{status:?}");
            assert_eq!(status.accepts_proposals(), status == S::Open, "{status:?}");
            assert_eq!(status.is_closed(), status.key() == "CLOSED", "{status:?}");
            assert_eq!(status.is_editable(), !status.is_closed(), "{status:?}");
        }
        assert!(S::Draft.is_editable() && S::Paused.is_editable());
        assert!(!S::Paused.accepts_proposals() && !S::Draft.accepts_proposals());
    }

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
    }

    #[test]
    fn expiry_and_warning_times() {
        let last = at("2025-03-01T12:00:00Z");
        assert_eq!(expires_at(last), at("2025-03-31T12:00:00Z"));
        assert_eq!(warn_at(last), at("2025-03-26T12:00:00Z"));
        // Saturates instead of overflowing at the end of time.
        assert_eq!(
            expires_at(DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC
        );
        assert!(warn_at(DateTime::<Utc>::MAX_UTC) < DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn expiry_boundaries() {
        let last = at("2025-03-01T12:00:00Z");
        let second = TimeDelta::seconds(1);
        let thirty = last + TimeDelta::days(30);
        let twenty_five = last + TimeDelta::days(25);
        // (now, due to expire, due for warning) for an open posting.
        let cases = [
            (last, false, false),
            (twenty_five - second, false, false),
            (twenty_five, false, true),
            (twenty_five + second, false, true),
            (thirty - second, false, true),
            (thirty, true, false),
            (thirty + second, true, false),
            (last + TimeDelta::days(400), true, false),
        ];
        for (now, expire, warn) in cases {
            assert_eq!(is_due_to_expire(S::Open, last, now), expire, "{now}");
            assert_eq!(is_due_for_warning(S::Open, last, now), warn, "{now}");
            for status in S::ALL.into_iter().filter(|s| *s != S::Open) {
                assert!(!is_due_to_expire(status, last, now), "{status:?} {now}");
                assert!(!is_due_for_warning(status, last, now), "{status:?} {now}");
            }
        }
    }

    fn event() -> impl Strategy<Value = E> {
        proptest::sample::select(E::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn random_event_sequences_from_draft_keep_the_invariants(
            events in proptest::collection::vec(event(), 0..64)
        ) {
            let mut state = S::Draft;
            for event in events {
                let before = state;
                let result = transition(before, event);
                let again = transition(before, event);
                // Pure: the same input gives the same answer, so a refusal (after which
                // the state is kept) cannot have changed anything.
                prop_assert_eq!(
                    result.as_ref().map_err(ToString::to_string),
                    again.as_ref().map_err(ToString::to_string)
                );
                match result {
                    Ok(after) => {
                        prop_assert_ne!(after, before, "an accepted event always moves");
                        prop_assert!(!before.is_closed(), "{:?} left by {:?}", before, event);
                        if before == S::Draft {
                            prop_assert_eq!(event, E::Publish);
                            prop_assert_eq!(after, S::Open);
                        }
                        if after == S::Closed(R::Expired) {
                            prop_assert_eq!((before, event), (S::Open, E::Expire));
                        }
                        if let S::Closed(reason @ (R::Filled | R::Cancelled)) = after {
                            prop_assert!(matches!(before, S::Open | S::Paused));
                            prop_assert_eq!(event, E::Close(reason));
                        }
                        state = after;
                    }
                    Err(err) => prop_assert_eq!(err.code(), ErrorCode::InvalidState),
                }
                if before.is_closed() {
                    prop_assert_eq!(state, before, "CLOSED is final");
                    for any in E::ALL {
                        prop_assert!(transition(state, any).is_err());
                    }
                }
                prop_assert_eq!(state.accepts_proposals(), state == S::Open);
            }
        }

        #[test]
        fn warning_comes_before_expiry_and_never_together(
            last_secs in 0i64..4_000_000_000,
            offset_secs in -86_400i64..(40 * 86_400),
        ) {
            let last = DateTime::from_timestamp(last_secs, 0).unwrap();
            let now = last + TimeDelta::seconds(offset_secs);
            let expire = is_due_to_expire(S::Open, last, now);
            let warn = is_due_for_warning(S::Open, last, now);
            prop_assert!(!(expire && warn));
            prop_assert_eq!(expire, offset_secs >= EXPIRES_AFTER_DAYS * 86_400);
            prop_assert_eq!(
                warn,
                ((EXPIRES_AFTER_DAYS - WARN_DAYS_BEFORE) * 86_400..EXPIRES_AFTER_DAYS * 86_400)
                    .contains(&offset_secs)
            );
        }
    }
}
