//! Reviews in GraphQL: writing and replying, the public list about a user, the viewer's
//! pending reviews and a contract's reviews. The domain decides who reads what when
//! (double blind).

pub(crate) mod types;

pub(crate) use types::{ReviewMutation, ReviewQuery};
