//! The life cycle of a proposal:
//!
//! ```text
//! SUBMITTED --shortlist--> SHORTLISTED --unshortlist--> SUBMITTED
//! SUBMITTED|SHORTLISTED|IN_EVALUATION(a) --move to stage b--> IN_EVALUATION(b)
//! IN_EVALUATION(s) --offer--> OFFERED(s) --offer accepted--> HIRED
//! OFFERED(s) --offer ended (declined, withdrawn, expired)--> IN_EVALUATION(s)
//! SUBMITTED|SHORTLISTED|IN_EVALUATION --decline (client, with a reason)--> DECLINED
//! any open state --withdraw (freelancer, with a reason)--> WITHDRAWN
//! any open state --posting closed (system)--> CLOSED
//! ```
//!
//! The open states are SUBMITTED, SHORTLISTED, IN_EVALUATION and OFFERED; HIRED, DECLINED,
//! WITHDRAWN and CLOSED are final. Choices the product document leaves open, decided here:
//!
//! - **A proposal moves between stages freely**, forwards or back (a client may send a
//!   candidate back to the technical interview), but never to the stage it is in; the
//!   service checks that the stage is one of the posting's.
//! - **A short-listing can be undone**, back to SUBMITTED, as on Upwork.
//! - **An offer is made from a stage and remembers it**: when the offer ends without a
//!   hire (the freelancer declines it, the client withdraws it, it expires), the proposal
//!   is back in that stage. Offers and hiring come with contracts; their transitions are
//!   here so the states have their place.
//! - **A client does not decline a proposal with a live offer**: they withdraw the offer
//!   first (which ends it). Withdrawing the proposal, or the posting closing, ends a live
//!   offer in the same change.
//! - **Declined, withdrawn and closed are final**: one proposal per freelancer per
//!   posting, so there is no second one.
//!
//! Reasons for declining and withdrawing are text ([`reason`] checks it) stored next to the
//! status, as a posting's close reason is. Who may fire which event is decided by the
//! policy; this file only knows which transitions exist.

use uuid::Uuid;

use crate::error::DomainError;

/// A stage of a posting's evaluation pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StageId(pub Uuid);

/// Where a proposal is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalStatus {
    /// Submitted; the client has not acted on it yet.
    Submitted,
    /// Put on the client's short list.
    Shortlisted,
    /// Being evaluated, in this stage of the posting's pipeline.
    InEvaluation(StageId),
    /// The client made an offer (the contracts feature), from this stage.
    Offered(StageId),
    /// The offer was accepted: final.
    Hired,
    /// Declined by the client: final.
    Declined,
    /// Withdrawn by the freelancer: final.
    Withdrawn,
    /// Its posting closed while it was open: final.
    Closed,
}

impl ProposalStatus {
    /// The stable storage and API key; the stage of `IN_EVALUATION` is stored
    /// separately, see [`stage`](Self::stage).
    pub fn key(self) -> &'static str {
        match self {
            ProposalStatus::Submitted => "SUBMITTED",
            ProposalStatus::Shortlisted => "SHORTLISTED",
            ProposalStatus::InEvaluation(_) => "IN_EVALUATION",
            ProposalStatus::Offered(_) => "OFFERED",
            ProposalStatus::Hired => "HIRED",
            ProposalStatus::Declined => "DECLINED",
            ProposalStatus::Withdrawn => "WITHDRAWN",
            ProposalStatus::Closed => "CLOSED",
        }
    }

    /// The pipeline stage of a proposal in evaluation or with an offer; `None` in any
    /// other state.
    pub fn stage(self) -> Option<StageId> {
        match self {
            ProposalStatus::InEvaluation(stage) | ProposalStatus::Offered(stage) => Some(stage),
            ProposalStatus::Submitted
            | ProposalStatus::Shortlisted
            | ProposalStatus::Hired
            | ProposalStatus::Declined
            | ProposalStatus::Withdrawn
            | ProposalStatus::Closed => None,
        }
    }

    /// Rebuilds a status from its stored columns: the key and the stage. `None` for an
    /// unknown key, `IN_EVALUATION` or `OFFERED` without a stage, or a stage on another
    /// state.
    pub fn from_parts(key: &str, stage: Option<StageId>) -> Option<Self> {
        let status = match (key, stage) {
            ("IN_EVALUATION", Some(stage)) => return Some(ProposalStatus::InEvaluation(stage)),
            ("OFFERED", Some(stage)) => return Some(ProposalStatus::Offered(stage)),
            (_, Some(_)) => return None,
            ("SUBMITTED", None) => ProposalStatus::Submitted,
            ("SHORTLISTED", None) => ProposalStatus::Shortlisted,
            ("HIRED", None) => ProposalStatus::Hired,
            ("DECLINED", None) => ProposalStatus::Declined,
            ("WITHDRAWN", None) => ProposalStatus::Withdrawn,
            ("CLOSED", None) => ProposalStatus::Closed,
            _ => return None,
        };
        Some(status)
    }

    /// Whether the proposal is still in play: submitted, shortlisted, in evaluation or
    /// offered.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ProposalStatus::Submitted
                | ProposalStatus::Shortlisted
                | ProposalStatus::InEvaluation(_)
                | ProposalStatus::Offered(_)
        )
    }

    /// Whether its thread takes messages: while it is open, and once HIRED (the thread
    /// goes on as its contract's, for as long as the contract is on record).
    pub fn takes_messages(self) -> bool {
        self.is_open() || self == ProposalStatus::Hired
    }
}

/// A reason for declining or withdrawing: 1 to 500 characters, on `field`.
pub fn reason(raw: &str, field: &str) -> crate::error::DomainResult<String> {
    crate::text::multi_line(raw, 1, 500).map_err(|m| DomainError::validation(&[field], m))
}

/// Whether the freelancer may still edit the proposal: it is open and the client has not
/// viewed it yet (`first_viewed`). `INVALID_STATE` otherwise.
pub fn may_edit(
    status: ProposalStatus,
    first_viewed: Option<chrono::DateTime<chrono::Utc>>,
) -> crate::error::DomainResult<()> {
    if !status.is_open() {
        return Err(DomainError::InvalidState {
            message: format!("a {} proposal cannot be edited", status.key()),
        });
    }
    if first_viewed.is_some() {
        return Err(DomainError::InvalidState {
            message: "the client has seen the proposal: it can no longer be edited".into(),
        });
    }
    Ok(())
}

/// What can happen to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalEvent {
    /// The client short-lists it.
    Shortlist,
    /// The client takes it off the short list.
    Unshortlist,
    /// The client moves it to a stage of the posting's pipeline.
    MoveTo(StageId),
    /// The client makes an offer (the contracts feature).
    Offer,
    /// The freelancer accepts the offer (the contracts feature).
    Hire,
    /// The offer ended without a hire: declined, withdrawn or expired (the contracts
    /// feature).
    OfferEnded,
    /// The client declines it (with a reason, kept by the caller).
    Decline,
    /// The freelancer withdraws it (with a reason, kept by the caller).
    Withdraw,
    /// Its posting closed.
    PostingClosed,
}

impl ProposalEvent {
    /// The past participle used in refusal messages ("cannot be shortlisted").
    fn done(self) -> &'static str {
        match self {
            ProposalEvent::Shortlist => "shortlisted",
            ProposalEvent::Unshortlist => "taken off the short list",
            ProposalEvent::MoveTo(_) => "moved to a stage",
            ProposalEvent::Offer => "offered",
            ProposalEvent::Hire => "hired",
            ProposalEvent::OfferEnded => "back from an offer",
            ProposalEvent::Decline => "declined",
            ProposalEvent::Withdraw => "withdrawn",
            ProposalEvent::PostingClosed => "closed with its posting",
        }
    }
}

/// The one transition function: the status after `event`, or
/// [`DomainError::InvalidState`] naming the status and the event when the transition does
/// not exist. Pure: the caller's status is untouched on refusal. See the module
/// documentation for the allowed transitions.
pub fn transition(
    from: ProposalStatus,
    event: ProposalEvent,
) -> Result<ProposalStatus, DomainError> {
    use ProposalEvent as E;
    use ProposalStatus as S;
    match (from, event) {
        (S::Hired | S::Declined | S::Withdrawn | S::Closed, _) => {
            refuse(from, event, "its life cycle has ended")
        }
        (S::Submitted, E::Shortlist) => Ok(S::Shortlisted),
        (S::Shortlisted | S::InEvaluation(_) | S::Offered(_), E::Shortlist) => {
            refuse(from, event, "only a submitted proposal is shortlisted")
        }
        (S::Shortlisted, E::Unshortlist) => Ok(S::Submitted),
        (S::Submitted | S::InEvaluation(_) | S::Offered(_), E::Unshortlist) => {
            refuse(from, event, "it is not on the short list")
        }
        (S::InEvaluation(now), E::MoveTo(stage)) if now == stage => {
            refuse(from, event, "it is in that stage already")
        }
        (S::Submitted | S::Shortlisted | S::InEvaluation(_), E::MoveTo(stage)) => {
            Ok(S::InEvaluation(stage))
        }
        (S::Offered(_), E::MoveTo(_)) => refuse(from, event, "an offer is pending"),
        (S::InEvaluation(stage), E::Offer) => Ok(S::Offered(stage)),
        (S::Submitted | S::Shortlisted | S::Offered(_), E::Offer) => {
            refuse(from, event, "offers are made to proposals in evaluation")
        }
        (S::Offered(_), E::Hire) => Ok(S::Hired),
        (S::Offered(stage), E::OfferEnded) => Ok(S::InEvaluation(stage)),
        (S::Submitted | S::Shortlisted | S::InEvaluation(_), E::Hire | E::OfferEnded) => {
            refuse(from, event, "no offer is pending")
        }
        (S::Submitted | S::Shortlisted | S::InEvaluation(_), E::Decline) => Ok(S::Declined),
        (S::Offered(_), E::Decline) => {
            refuse(from, event, "an offer is pending: withdraw the offer first")
        }
        (S::Submitted | S::Shortlisted | S::InEvaluation(_) | S::Offered(_), E::Withdraw) => {
            Ok(S::Withdrawn)
        }
        (S::Submitted | S::Shortlisted | S::InEvaluation(_) | S::Offered(_), E::PostingClosed) => {
            Ok(S::Closed)
        }
    }
}

/// The refusal of `event` in `from`: "a DECLINED proposal cannot be shortlisted: <why>".
fn refuse(
    from: ProposalStatus,
    event: ProposalEvent,
    why: &str,
) -> Result<ProposalStatus, DomainError> {
    let key = from.key();
    let article = if key.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    Err(DomainError::InvalidState {
        message: format!("{article} {key} proposal cannot be {}: {why}", event.done()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use ProposalEvent as E;
    use ProposalStatus as S;
    use proptest::prelude::*;

    const A: StageId = StageId(Uuid::from_u128(1));
    const B: StageId = StageId(Uuid::from_u128(2));

    #[test]
    fn threads_take_messages_while_open_and_once_hired() {
        for s in STATES {
            assert_eq!(
                s.takes_messages(),
                s.is_open() || s == S::Hired,
                "{}",
                s.key()
            );
        }
        assert!(S::Hired.takes_messages() && !S::Hired.is_open());
        for s in [S::Declined, S::Withdrawn, S::Closed] {
            assert!(!s.takes_messages(), "{}", s.key());
        }
    }

    const STATES: [S; 10] = [
        S::Submitted,
        S::Shortlisted,
        S::InEvaluation(A),
        S::InEvaluation(B),
        S::Offered(A),
        S::Offered(B),
        S::Hired,
        S::Declined,
        S::Withdrawn,
        S::Closed,
    ];

    const EVENTS: [E; 10] = [
        E::Shortlist,
        E::Unshortlist,
        E::MoveTo(A),
        E::MoveTo(B),
        E::Offer,
        E::Hire,
        E::OfferEnded,
        E::Decline,
        E::Withdraw,
        E::PostingClosed,
    ];

    /// Every allowed transition, written out by hand; every other (state, event) pair of
    /// [`STATES`] × [`EVENTS`] is refused.
    const ALLOWED: [(S, E, S); 30] = [
        (S::Submitted, E::Shortlist, S::Shortlisted),
        (S::Submitted, E::MoveTo(A), S::InEvaluation(A)),
        (S::Submitted, E::MoveTo(B), S::InEvaluation(B)),
        (S::Submitted, E::Decline, S::Declined),
        (S::Submitted, E::Withdraw, S::Withdrawn),
        (S::Submitted, E::PostingClosed, S::Closed),
        (S::Shortlisted, E::Unshortlist, S::Submitted),
        (S::Shortlisted, E::MoveTo(A), S::InEvaluation(A)),
        (S::Shortlisted, E::MoveTo(B), S::InEvaluation(B)),
        (S::Shortlisted, E::Decline, S::Declined),
        (S::Shortlisted, E::Withdraw, S::Withdrawn),
        (S::Shortlisted, E::PostingClosed, S::Closed),
        (S::InEvaluation(A), E::MoveTo(B), S::InEvaluation(B)),
        (S::InEvaluation(A), E::Offer, S::Offered(A)),
        (S::InEvaluation(A), E::Decline, S::Declined),
        (S::InEvaluation(A), E::Withdraw, S::Withdrawn),
        (S::InEvaluation(A), E::PostingClosed, S::Closed),
        (S::InEvaluation(B), E::MoveTo(A), S::InEvaluation(A)),
        (S::InEvaluation(B), E::Offer, S::Offered(B)),
        (S::InEvaluation(B), E::Decline, S::Declined),
        (S::InEvaluation(B), E::Withdraw, S::Withdrawn),
        (S::InEvaluation(B), E::PostingClosed, S::Closed),
        (S::Offered(A), E::Hire, S::Hired),
        (S::Offered(A), E::OfferEnded, S::InEvaluation(A)),
        (S::Offered(A), E::Withdraw, S::Withdrawn),
        (S::Offered(A), E::PostingClosed, S::Closed),
        (S::Offered(B), E::Hire, S::Hired),
        (S::Offered(B), E::OfferEnded, S::InEvaluation(B)),
        (S::Offered(B), E::Withdraw, S::Withdrawn),
        (S::Offered(B), E::PostingClosed, S::Closed),
    ];

    #[test]
    fn every_transition_is_allowed_or_refused_as_the_table_says() {
        for from in STATES {
            for event in EVENTS {
                let expected = ALLOWED
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (transition(from, event), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} {event:?}"),
                    (Err(err), None) => {
                        assert_eq!(err.code(), ErrorCode::InvalidState, "{from:?} {event:?}");
                        let message = err.to_string();
                        assert!(message.contains(from.key()), "{message}");
                        assert!(message.contains(event.done()), "{message}");
                    }
                    (got, want) => panic!("{from:?} {event:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn statuses_are_stored_as_a_key_and_a_stage() {
        for status in STATES {
            assert_eq!(
                ProposalStatus::from_parts(status.key(), status.stage()),
                Some(status)
            );
        }
        assert_eq!(ProposalStatus::from_parts("IN_EVALUATION", None), None);
        assert_eq!(ProposalStatus::from_parts("OFFERED", None), None);
        assert_eq!(ProposalStatus::from_parts("SUBMITTED", Some(A)), None);
        assert_eq!(ProposalStatus::from_parts("PENDING", None), None);
    }

    #[test]
    fn a_proposal_is_edited_only_while_open_and_unseen() {
        let seen = Some(chrono::Utc::now());
        for status in STATES {
            assert_eq!(
                may_edit(status, None).is_ok(),
                status.is_open(),
                "{status:?}"
            );
            assert!(may_edit(status, seen).is_err(), "{status:?}");
        }
        assert_eq!(
            reason("  Budget too low  ", "reason").unwrap(),
            "Budget too low"
        );
        let err = reason(" ", "reason").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        assert!(reason(&"x".repeat(501), "reason").is_err());
    }

    fn event() -> impl Strategy<Value = E> {
        proptest::sample::select(EVENTS.to_vec())
    }

    proptest! {
        #[test]
        fn random_event_sequences_keep_the_invariants(
            events in proptest::collection::vec(event(), 0..64)
        ) {
            let mut state = S::Submitted;
            for event in events {
                let before = state;
                match transition(before, event) {
                    Ok(after) => {
                        prop_assert!(before.is_open(), "{:?} left by {:?}", before, event);
                        prop_assert_ne!(after, before, "an accepted event always moves");
                        // A stage is kept exactly in evaluation and with an offer.
                        prop_assert_eq!(
                            after.stage().is_some(),
                            matches!(after, S::InEvaluation(_) | S::Offered(_))
                        );
                        // An offer ends where it was made.
                        if let (S::Offered(stage), E::OfferEnded) = (before, event) {
                            prop_assert_eq!(after, S::InEvaluation(stage));
                        }
                        state = after;
                    }
                    Err(err) => prop_assert_eq!(err.code(), ErrorCode::InvalidState),
                }
                if !state.is_open() {
                    for any in EVENTS {
                        prop_assert!(transition(state, any).is_err(), "final {:?}", state);
                    }
                }
            }
        }
    }
}
