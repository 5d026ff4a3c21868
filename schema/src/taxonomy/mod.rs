//! The skill taxonomy in GraphQL.

pub(crate) mod loaders;
mod mutation;
mod query;
pub(crate) mod types;

pub use mutation::TaxonomyMutation;
pub use query::TaxonomyQuery;
