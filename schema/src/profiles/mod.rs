//! Freelancer profiles in GraphQL.

pub(crate) mod client;
pub(crate) mod fields;
pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod portfolio;
pub(crate) mod query;
pub(crate) mod search;
pub(crate) mod types;
