//! SeaORM entities, one file per table.

pub mod category;
pub mod identity;
pub mod session;
pub mod sign_in_attempt;
pub mod sign_in_grant;
pub mod skill;
pub mod skill_alias;
pub mod user;
