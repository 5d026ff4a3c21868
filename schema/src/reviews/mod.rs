//! Reviews in GraphQL: writing and replying, the public list about a user, the viewer's
//! pending reviews, a contract's reviews, reputations on profiles and agencies, reports
//! and moderation. The domain decides who reads what when (double blind).

pub(crate) mod loaders;
pub(crate) mod moderation;
pub(crate) mod reputation;
pub(crate) mod types;

pub(crate) use moderation::{ModerationMutation, ModerationQuery};
pub(crate) use reputation::reputation_of;
pub(crate) use types::{ReviewMutation, ReviewQuery};
