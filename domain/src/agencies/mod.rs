//! Agencies: outsourcing firms with a profile and member freelancers. A freelancer belongs
//! to at most one agency at a time; every agency always has at least one owner. Later
//! work lets an agency propose on a posting for one of its members.

mod input;
mod invitation;
mod model;
pub mod policy;
mod ports;
mod roster;
mod search;
mod service;

pub use input::{AgencyInput, AgencySkillInput, MAX_AGENCY_SKILLS};
pub use invitation::{
    Invitation, InvitationEvent, InvitationId, InvitationStatus, MAX_DECLINE_REASON, MAX_MESSAGE,
};
pub use model::{Agency, AgencyId, AgencyRole, AgencySkill, Member};
pub use ports::{AgencyRepository, RosterChange};
pub use roster::{MAX_MEMBERS, MAX_PENDING_INVITATIONS, Roster};
pub use search::{
    AgencyFilter, AgencyHit, AgencyIndex, AgencyPage, AgencySearch, AgencySearchService, AgencySort,
};
pub use service::AgencyService;
