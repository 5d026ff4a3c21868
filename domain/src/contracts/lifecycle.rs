//! The life cycles of offers, contracts and milestones, each one transition function.
//!
//! ```text
//! offer:     PENDING --accept (freelancer)--> ACCEPTED
//!            PENDING --decline (freelancer, or the proposal withdrawn)--> DECLINED
//!            PENDING --withdraw (client, or the posting closed)--> WITHDRAWN
//!            PENDING --7 days pass (system)--> EXPIRED
//! contract:  ACTIVE --pause (client)--> PAUSED --resume (client)--> ACTIVE
//!            ACTIVE|PAUSED --end (either side, with a reason)--> ENDED
//! milestone: PENDING --fund (client)--> FUNDED --submit work (freelancer)--> SUBMITTED
//!            SUBMITTED --request changes (client)--> FUNDED
//!            SUBMITTED --approve (client)--> RELEASED
//!            SUBMITTED --14 days without the client acting (system)--> RELEASED
//!            PENDING --cancel (client)--> CANCELLED
//!            FUNDED --refund (the freelancer agrees)--> REFUNDED
//! ```
//!
//! Decided here where the product document is silent: a contract does not end while a
//! milestone holds money (FUNDED or SUBMITTED: it is released or refunded first), and
//! its PENDING milestones are cancelled when it ends; work is funded and submitted only
//! on an ACTIVE contract, while held money may still be approved or refunded on a
//! PAUSED one. Who may fire which event is the services' business.

use crate::error::{DomainError, DomainResult};

/// Where an offer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferStatus {
    Pending,
    Accepted,
    Declined,
    Withdrawn,
    Expired,
}

/// What can happen to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferEvent {
    Accept,
    Decline,
    Withdraw,
    Expire,
}

/// Where a contract is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractStatus {
    Active,
    Paused,
    Ended,
}

/// What can happen to a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractEvent {
    Pause,
    Resume,
    End,
}

/// Where a fixed-price milestone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MilestoneStatus {
    Pending,
    Funded,
    Submitted,
    Released,
    Cancelled,
    Refunded,
}

/// What can happen to a milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MilestoneEvent {
    Fund,
    Submit,
    RequestChanges,
    Approve,
    AutoRelease,
    Cancel,
    Refund,
}

macro_rules! keys {
    ($t:ty { $($v:ident => $k:literal),+ $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];

            /// The stable storage and API key.
            pub fn key(self) -> &'static str {
                match self { $(<$t>::$v => $k),+ }
            }

            pub fn parse(key: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.key() == key)
            }
        }
    };
}

keys!(OfferStatus { Pending => "PENDING", Accepted => "ACCEPTED", Declined => "DECLINED", Withdrawn => "WITHDRAWN", Expired => "EXPIRED" });
keys!(ContractStatus { Active => "ACTIVE", Paused => "PAUSED", Ended => "ENDED" });
keys!(MilestoneStatus { Pending => "PENDING", Funded => "FUNDED", Submitted => "SUBMITTED", Released => "RELEASED", Cancelled => "CANCELLED", Refunded => "REFUNDED" });

impl MilestoneStatus {
    /// Whether escrow holds the milestone's money.
    pub fn holds_money(self) -> bool {
        matches!(self, MilestoneStatus::Funded | MilestoneStatus::Submitted)
    }
}

fn refused(what: &str, from: &str, event: impl std::fmt::Debug) -> DomainError {
    DomainError::InvalidState {
        message: format!("a {from} {what} cannot take `{event:?}`"),
    }
}

/// The offer's state after `event`, or `INVALID_STATE`.
pub fn offer_transition(from: OfferStatus, event: OfferEvent) -> DomainResult<OfferStatus> {
    use OfferEvent as E;
    use OfferStatus as S;
    match (from, event) {
        (S::Pending, E::Accept) => Ok(S::Accepted),
        (S::Pending, E::Decline) => Ok(S::Declined),
        (S::Pending, E::Withdraw) => Ok(S::Withdrawn),
        (S::Pending, E::Expire) => Ok(S::Expired),
        _ => Err(refused("offer", from.key(), event)),
    }
}

/// The contract's state after `event`, or `INVALID_STATE`.
pub fn contract_transition(
    from: ContractStatus,
    event: ContractEvent,
) -> DomainResult<ContractStatus> {
    use ContractEvent as E;
    use ContractStatus as S;
    match (from, event) {
        (S::Active, E::Pause) => Ok(S::Paused),
        (S::Paused, E::Resume) => Ok(S::Active),
        (S::Active | S::Paused, E::End) => Ok(S::Ended),
        _ => Err(refused("contract", from.key(), event)),
    }
}

/// The milestone's state after `event`, or `INVALID_STATE`.
pub fn milestone_transition(
    from: MilestoneStatus,
    event: MilestoneEvent,
) -> DomainResult<MilestoneStatus> {
    use MilestoneEvent as E;
    use MilestoneStatus as S;
    match (from, event) {
        (S::Pending, E::Fund) => Ok(S::Funded),
        (S::Funded, E::Submit) => Ok(S::Submitted),
        (S::Submitted, E::RequestChanges) => Ok(S::Funded),
        (S::Submitted, E::Approve | E::AutoRelease) => Ok(S::Released),
        (S::Pending, E::Cancel) => Ok(S::Cancelled),
        (S::Funded, E::Refund) => Ok(S::Refunded),
        _ => Err(refused("milestone", from.key(), event)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MILESTONE_EVENTS: [MilestoneEvent; 7] = [
        MilestoneEvent::Fund,
        MilestoneEvent::Submit,
        MilestoneEvent::RequestChanges,
        MilestoneEvent::Approve,
        MilestoneEvent::AutoRelease,
        MilestoneEvent::Cancel,
        MilestoneEvent::Refund,
    ];

    #[test]
    fn every_milestone_pair_against_the_table() {
        use MilestoneEvent as E;
        use MilestoneStatus as S;
        let table = [
            (S::Pending, E::Fund, S::Funded),
            (S::Funded, E::Submit, S::Submitted),
            (S::Submitted, E::RequestChanges, S::Funded),
            (S::Submitted, E::Approve, S::Released),
            (S::Submitted, E::AutoRelease, S::Released),
            (S::Pending, E::Cancel, S::Cancelled),
            (S::Funded, E::Refund, S::Refunded),
        ];
        for from in MilestoneStatus::ALL {
            for event in MILESTONE_EVENTS {
                let expected = table
                    .iter()
                    .find(|(f, e, _)| f == from && *e == event)
                    .map(|(_, _, to)| *to);
                assert_eq!(
                    milestone_transition(*from, event).ok(),
                    expected,
                    "{from:?} {event:?}"
                );
            }
        }
    }

    #[test]
    fn every_offer_and_contract_pair_against_the_table() {
        use OfferEvent as E;
        use OfferStatus as S;
        for from in OfferStatus::ALL {
            for (event, to) in [
                (E::Accept, S::Accepted),
                (E::Decline, S::Declined),
                (E::Withdraw, S::Withdrawn),
                (E::Expire, S::Expired),
            ] {
                let expected = (*from == S::Pending).then_some(to);
                assert_eq!(offer_transition(*from, event).ok(), expected);
            }
        }
        use ContractEvent as CE;
        use ContractStatus as CS;
        let table = [
            (CS::Active, CE::Pause, CS::Paused),
            (CS::Paused, CE::Resume, CS::Active),
            (CS::Active, CE::End, CS::Ended),
            (CS::Paused, CE::End, CS::Ended),
        ];
        for from in ContractStatus::ALL {
            for event in [CE::Pause, CE::Resume, CE::End] {
                let expected = table
                    .iter()
                    .find(|(f, e, _)| f == from && *e == event)
                    .map(|(_, _, to)| *to);
                assert_eq!(contract_transition(*from, event).ok(), expected);
            }
        }
        for s in OfferStatus::ALL {
            assert_eq!(OfferStatus::parse(s.key()), Some(*s));
        }
        for s in MilestoneStatus::ALL {
            assert_eq!(MilestoneStatus::parse(s.key()), Some(*s));
        }
        for s in ContractStatus::ALL {
            assert_eq!(ContractStatus::parse(s.key()), Some(*s));
        }
    }

    proptest! {
        /// Money is released or refunded at most once: after RELEASED, REFUNDED or
        /// CANCELLED nothing moves the milestone again, and a release always follows a
        /// submission.
        #[test]
        fn final_milestones_stay_final(events in proptest::collection::vec(0_usize..7, 0..40)) {
            let mut status = MilestoneStatus::Pending;
            for i in events {
                let event = MILESTONE_EVENTS[i];
                let before = status;
                if let Ok(next) = milestone_transition(status, event) {
                    prop_assert!(!matches!(before, MilestoneStatus::Released | MilestoneStatus::Refunded | MilestoneStatus::Cancelled));
                    if next == MilestoneStatus::Released {
                        prop_assert_eq!(before, MilestoneStatus::Submitted);
                    }
                    status = next;
                }
            }
        }
    }
}
