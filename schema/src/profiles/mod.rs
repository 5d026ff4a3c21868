//! Freelancer profiles in GraphQL.

pub(crate) mod mutation;
pub(crate) mod query;
pub(crate) mod types;
