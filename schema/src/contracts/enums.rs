//! The contracts' enums in GraphQL, each mapped once to its domain twin.

use async_graphql::Enum;
use domain::contracts as d;

macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident from $dom:ty { $($(#[$vdoc:meta])* $v:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Copy, Clone, PartialEq, Eq, Debug)]
        pub enum $name { $($(#[$vdoc])* $v),+ }

        impl From<$dom> for $name {
            fn from(s: $dom) -> Self {
                match s { $(<$dom>::$v => $name::$v),+ }
            }
        }

        impl From<$name> for $dom {
            fn from(s: $name) -> Self {
                match s { $($name::$v => <$dom>::$v),+ }
            }
        }
    };
}

mirror!(
    /// Where an offer is.
    OfferStatus from d::OfferStatus {
        /// Waiting for the freelancer's answer, until it expires.
        Pending,
        /// The freelancer accepted it: a contract was created.
        Accepted,
        /// The freelancer declined it (or withdrew their proposal).
        Declined,
        /// The client withdrew it (or the posting closed).
        Withdrawn,
        /// Nobody answered in time.
        Expired,
    }
);

mirror!(
    /// Where a contract is.
    ContractStatus from d::ContractStatus {
        /// Work goes on.
        Active,
        /// The client paused it: no new funding or submissions until resumed.
        Paused,
        /// Ended by either side: final.
        Ended,
    }
);

mirror!(
    /// Where a fixed-price milestone is.
    MilestoneStatus from d::MilestoneStatus {
        /// Not funded yet.
        Pending,
        /// Its amount is held in escrow; the freelancer works on it.
        Funded,
        /// The freelancer submitted the work; the client approves or asks for changes
        /// (released automatically after the configured days without an answer).
        Submitted,
        /// Paid to the freelancer (less the platform fee).
        Released,
        /// Cancelled before it was funded.
        Cancelled,
        /// Its money went back to the client, with the freelancer's consent.
        Refunded,
    }
);

mirror!(
    /// What a ledger account is for.
    AccountKind from d::AccountKind {
        /// The client's payments in (negative: what they paid) and refunds back.
        ClientFunding,
        /// A contract's money held between funding and release or refund.
        Escrow,
        /// What a freelancer earned, net of the fee.
        Earnings,
        /// The platform's fee.
        PlatformFee,
    }
);

mirror!(
    /// Why money moved.
    TransactionKind from d::TransactionKind {
        /// The client funded a milestone into escrow.
        Fund,
        /// Escrow paid a milestone to the freelancer on approval.
        Release,
        /// Escrow paid a milestone to the freelancer automatically, the client not
        /// having acted in time.
        AutoRelease,
        /// Escrow paid a milestone back to the client.
        Refund,
        /// The client paid the freelancer a bonus.
        Bonus,
        /// The client paid for a week of approved hours (hourly work: not yet written).
        Hours,
    }
);

mirror!(
    /// What a change in a contract's history was.
    ContractChangeKind from d::ContractChangeKind {
        /// The offer was accepted.
        Started,
        /// The client paused it.
        Paused,
        /// The client resumed it.
        Resumed,
        /// Either side ended it.
        Ended,
        /// Its terms changed.
        TermsChanged,
        /// The client added a milestone.
        MilestoneAdded,
    }
);

/// How a contract is paid.
#[derive(Enum, Copy, Clone, PartialEq, Eq, Debug)]
pub enum ContractKind {
    /// A fixed price, milestone by milestone through escrow.
    Fixed,
    /// By the hour, up to a weekly limit.
    Hourly,
}

impl From<&d::Terms> for ContractKind {
    fn from(t: &d::Terms) -> Self {
        match t {
            d::Terms::Fixed { .. } => ContractKind::Fixed,
            d::Terms::Hourly { .. } => ContractKind::Hourly,
        }
    }
}
