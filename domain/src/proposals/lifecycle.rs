//! The life cycle of a proposal:
//!
//! ```text
//! SUBMITTED --shortlist--> SHORTLISTED
//! SUBMITTED|SHORTLISTED|IN_EVALUATION(a) --move to stage b--> IN_EVALUATION(b)
//! IN_EVALUATION --offer--> OFFERED --offer accepted--> HIRED
//! any open state --decline (client)--> DECLINED
//! any open state --withdraw (freelancer)--> WITHDRAWN
//! any open state --posting closed (system)--> CLOSED
//! ```
//!
//! The open states are SUBMITTED, SHORTLISTED, IN_EVALUATION and OFFERED; HIRED, DECLINED,
//! WITHDRAWN and CLOSED are final. Choices the product document leaves open, decided here:
//!
//! - **A proposal moves between stages freely**, forwards or back (a client may send a
//!   candidate back to the technical interview), but never to the stage it is in.
//! - **An offer is made from a stage**: the client has evaluated the candidate first.
//!   Offers and hiring come with contracts; their transitions are here so the states
//!   have their place, and who may fire them is that feature's policy.
//! - **A withdrawn or declined proposal stays final**: the freelancer submits a new one
//!   only if the posting allows it (one per freelancer per posting, so it does not).
//!
//! Who may fire which event is decided by the policy; this file only knows which
//! transitions exist.

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
    /// The client made an offer (the contracts feature).
    Offered,
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
            ProposalStatus::Offered => "OFFERED",
            ProposalStatus::Hired => "HIRED",
            ProposalStatus::Declined => "DECLINED",
            ProposalStatus::Withdrawn => "WITHDRAWN",
            ProposalStatus::Closed => "CLOSED",
        }
    }

    /// The pipeline stage of a proposal in evaluation; `None` in any other state.
    pub fn stage(self) -> Option<StageId> {
        match self {
            ProposalStatus::InEvaluation(stage) => Some(stage),
            _ => None,
        }
    }

    /// Rebuilds a status from its stored columns: the key and the stage. `None` for an
    /// unknown key, `IN_EVALUATION` without a stage, or a stage on another state.
    pub fn from_parts(key: &str, stage: Option<StageId>) -> Option<Self> {
        let status = match (key, stage) {
            ("IN_EVALUATION", Some(stage)) => return Some(ProposalStatus::InEvaluation(stage)),
            (_, Some(_)) => return None,
            ("SUBMITTED", None) => ProposalStatus::Submitted,
            ("SHORTLISTED", None) => ProposalStatus::Shortlisted,
            ("OFFERED", None) => ProposalStatus::Offered,
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
                | ProposalStatus::Offered
        )
    }
}

/// What can happen to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalEvent {
    /// The client short-lists it.
    Shortlist,
    /// The client moves it to a stage of the posting's pipeline.
    MoveTo(StageId),
    /// The client makes an offer (the contracts feature).
    Offer,
    /// The freelancer accepts the offer (the contracts feature).
    Hire,
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
            ProposalEvent::MoveTo(_) => "moved to a stage",
            ProposalEvent::Offer => "offered",
            ProposalEvent::Hire => "hired",
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
    if !from.is_open() {
        return refuse(from, event, "its life cycle has ended");
    }
    match (from, event) {
        (S::Submitted, E::Shortlist) => Ok(S::Shortlisted),
        (_, E::Shortlist) => refuse(from, event, "only a submitted proposal is shortlisted"),
        (S::InEvaluation(now), E::MoveTo(stage)) if now == stage => {
            refuse(from, event, "it is in that stage already")
        }
        (S::Submitted | S::Shortlisted | S::InEvaluation(_), E::MoveTo(stage)) => {
            Ok(S::InEvaluation(stage))
        }
        (_, E::MoveTo(_)) => refuse(from, event, "an offer has been made"),
        (S::InEvaluation(_), E::Offer) => Ok(S::Offered),
        (_, E::Offer) => refuse(from, event, "offers are made to proposals in evaluation"),
        (S::Offered, E::Hire) => Ok(S::Hired),
        (_, E::Hire) => refuse(from, event, "no offer has been made"),
        (_, E::Decline) => Ok(S::Declined),
        (_, E::Withdraw) => Ok(S::Withdrawn),
        (_, E::PostingClosed) => Ok(S::Closed),
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

    const A: StageId = StageId(Uuid::from_u128(1));
    const B: StageId = StageId(Uuid::from_u128(2));

    const STATES: [S; 9] = [
        S::Submitted,
        S::Shortlisted,
        S::InEvaluation(A),
        S::InEvaluation(B),
        S::Offered,
        S::Hired,
        S::Declined,
        S::Withdrawn,
        S::Closed,
    ];

    const EVENTS: [E; 8] = [
        E::Shortlist,
        E::MoveTo(A),
        E::MoveTo(B),
        E::Offer,
        E::Hire,
        E::Decline,
        E::Withdraw,
        E::PostingClosed,
    ];

    /// Every allowed transition, written out by hand; every other (state, event) pair of
    /// [`STATES`] × [`EVENTS`] is refused.
    const ALLOWED: [(S, E, S); 25] = [
        (S::Submitted, E::Shortlist, S::Shortlisted),
        (S::Submitted, E::MoveTo(A), S::InEvaluation(A)),
        (S::Submitted, E::MoveTo(B), S::InEvaluation(B)),
        (S::Submitted, E::Decline, S::Declined),
        (S::Submitted, E::Withdraw, S::Withdrawn),
        (S::Submitted, E::PostingClosed, S::Closed),
        (S::Shortlisted, E::MoveTo(A), S::InEvaluation(A)),
        (S::Shortlisted, E::MoveTo(B), S::InEvaluation(B)),
        (S::Shortlisted, E::Decline, S::Declined),
        (S::Shortlisted, E::Withdraw, S::Withdrawn),
        (S::Shortlisted, E::PostingClosed, S::Closed),
        (S::InEvaluation(A), E::MoveTo(B), S::InEvaluation(B)),
        (S::InEvaluation(A), E::Offer, S::Offered),
        (S::InEvaluation(A), E::Decline, S::Declined),
        (S::InEvaluation(A), E::Withdraw, S::Withdrawn),
        (S::InEvaluation(A), E::PostingClosed, S::Closed),
        (S::InEvaluation(B), E::MoveTo(A), S::InEvaluation(A)),
        (S::InEvaluation(B), E::Offer, S::Offered),
        (S::InEvaluation(B), E::Decline, S::Declined),
        (S::InEvaluation(B), E::Withdraw, S::Withdrawn),
        (S::InEvaluation(B), E::PostingClosed, S::Closed),
        (S::Offered, E::Hire, S::Hired),
        (S::Offered, E::Decline, S::Declined),
        (S::Offered, E::Withdraw, S::Withdrawn),
        (S::Offered, E::PostingClosed, S::Closed),
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
    fn final_states_never_change_and_open_ones_can_always_end() {
        for from in STATES {
            let ends = [E::Decline, E::Withdraw, E::PostingClosed];
            for event in ends {
                assert_eq!(
                    transition(from, event).is_ok(),
                    from.is_open(),
                    "{from:?} {event:?}"
                );
            }
            if !from.is_open() {
                assert!(EVENTS.iter().all(|e| transition(from, *e).is_err()));
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
        assert_eq!(ProposalStatus::from_parts("SUBMITTED", Some(A)), None);
        assert_eq!(ProposalStatus::from_parts("PENDING", None), None);
    }
}
