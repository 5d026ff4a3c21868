//! Postings in GraphQL: the roles clients want filled, their life cycle and history.

pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod query;
pub(crate) mod saved;
pub(crate) mod search;
pub(crate) mod types;
