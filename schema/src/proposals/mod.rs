//! Proposals in GraphQL: what freelancers (and agencies, for their members) submit to
//! postings, the client's evaluation of them through the posting's pipeline, and the
//! pipeline itself.

pub(crate) mod assessment_loaders;
pub(crate) mod coding_tasks;
pub(crate) mod enums;
pub(crate) mod evaluation;
pub(crate) mod inputs;
pub(crate) mod interviews;
pub(crate) mod loaders;
pub(crate) mod messages;
pub(crate) mod mutation;
pub(crate) mod pipeline;
pub(crate) mod query;
pub(crate) mod referrals;
pub(crate) mod thread_loaders;
pub(crate) mod types;
