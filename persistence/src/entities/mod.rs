//! SeaORM entities, one file per table.

pub mod agency;
pub mod agency_invitation;
pub mod agency_member;
pub mod agency_skill;
pub mod category;
pub mod client_profile;
pub mod employment;
pub mod freelancer_language;
pub mod freelancer_link;
pub mod freelancer_profile;
pub mod freelancer_skill;
pub mod identity;
pub mod notification;
pub mod portfolio_item;
pub mod portfolio_item_skill;
pub mod posting;
pub mod posting_country;
pub mod posting_question;
pub mod posting_revision;
pub mod posting_skill;
pub mod session;
pub mod sign_in_attempt;
pub mod sign_in_grant;
pub mod skill;
pub mod skill_alias;
pub mod user;
