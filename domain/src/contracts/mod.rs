//! Offers, contracts, escrowed milestones and the money ledger: how hiring ends in paid
//! work. See `docs/contracts.md` for the rules and the decisions taken where the product
//! document is silent.

mod contract_service;
mod hours;
mod hours_review;
mod hours_service;
mod idempotency;
mod ledger;
mod lifecycle;
mod model;
pub mod money;
mod money_service;
mod offer_input;
mod offer_service;
mod payments;
mod ports;
mod service;
mod terms_service;

pub use contract_service::MilestoneStep;
pub use hours::{
    EntryChange, MAX_MEMO, MINUTES_PER_DAY, TimeEntry, TimeEntryId, Timesheet, TimesheetId,
    TimesheetRepository, TimesheetStatus, TimesheetWrite, review_deadline, week_end, week_last_day,
};
pub use hours_review::HoursRun;
pub use hours_service::{MAX_ENTRIES_PER_DAY, TimeEntryInput};
pub use idempotency::{IdempotencyKey, KEY_RETENTION_HOURS, KeyRecord, fingerprint};
pub use ledger::{
    Account, AccountKind, Balance, Entry, FeeRate, LedgerTransaction, Movement, TransactionId,
    TransactionKind,
};
pub use lifecycle::{
    ContractEvent, ContractStatus, MilestoneEvent, MilestoneStatus, OfferEvent, OfferStatus,
    contract_transition, milestone_transition, offer_transition,
};
pub use model::{
    Contract, ContractChange, ContractChangeKind, ContractId, Milestone, MilestoneId,
    MilestonePlan, Offer, OfferId, Terms,
};
pub use money_service::{BonusInput, MilestonePayment, ReleaseRun};
pub use offer_input::{
    FixedTermsInput, HourlyTermsInput, MAX_MILESTONES, MAX_NOTE, MAX_TITLE, MAX_WEEKLY_HOURS,
    MilestoneInput, OfferInput,
};
pub use offer_service::OfferExpiryRun;
pub use payments::{Payment, PaymentError, PaymentProvider, SandboxFailure, SandboxProvider};
pub use ports::{
    AcceptOutcome, AcceptWrite, ContractRepository, ContractWrite, MilestoneAdd, MilestoneWrite,
    MoneyWrite, ProposalStep,
};
pub use service::{ContractService, ContractSettings};
pub use terms_service::{TermsChange, next_week, week_start};
