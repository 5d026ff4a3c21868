//! Adapters for services outside HireQL that domain ports describe.

pub(crate) mod github;
