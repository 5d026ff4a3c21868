//! Offers, contracts, milestones and the money ledger in GraphQL.

pub(crate) mod enums;
pub(crate) mod hours;
pub(crate) mod inputs;
pub(crate) mod loaders;
pub(crate) mod messages;
pub(crate) mod mutation;
pub(crate) mod query;
pub(crate) mod types;
