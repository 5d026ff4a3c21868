//! Postings in GraphQL: the roles clients want filled, their life cycle and history,
//! and invitations to them.

pub(crate) mod invitation_mutation;
pub(crate) mod invitations;
pub(crate) mod loaders;
pub(crate) mod mutation;
pub(crate) mod query;
pub(crate) mod saved;
pub(crate) mod search;
pub(crate) mod types;
