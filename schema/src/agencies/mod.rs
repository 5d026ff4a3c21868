//! Agencies in GraphQL: the agency profile, its members and invitations.

pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod query;
pub(crate) mod search;
pub(crate) mod types;
