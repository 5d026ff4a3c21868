//! An agency as the domain keeps it. Text is plain text (front ends escape it when they
//! render it); name, headline, overview and skills are plain columns so that search can
//! index them later.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::UserId;
use crate::profiles::{ProfileId, Visibility};
use crate::taxonomy::SkillId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AgencyId(pub Uuid);

/// What a member may do in their agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AgencyRole {
    /// Edits the agency, invites, removes members and changes roles. There is always one.
    Owner,
    /// Belongs to the agency; may leave.
    Member,
}

impl AgencyRole {
    pub fn key(self) -> &'static str {
        match self {
            AgencyRole::Owner => "OWNER",
            AgencyRole::Member => "MEMBER",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "OWNER" => Some(AgencyRole::Owner),
            "MEMBER" => Some(AgencyRole::Member),
            _ => None,
        }
    }
}

/// A skill from the taxonomy the agency offers, with an optional level (1-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencySkill {
    pub skill_id: SkillId,
    pub level: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub id: AgencyId,
    /// 2 to 100 characters, one line.
    pub name: String,
    /// At most 120 characters, one line; may be empty.
    pub headline: String,
    /// At most 5000 characters, plain text with line breaks.
    pub overview: String,
    /// An https (or http) URL.
    pub website: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
    /// At most 30, each once, in the order the owners listed them.
    pub skills: Vec<AgencySkill>,
    /// Set by owners: a hidden agency is seen only by its members and admins.
    pub visibility: Visibility,
    /// Bumped by every write, including every membership change: writes based on an
    /// older version are redone on a fresh read.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A freelancer in an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub agency_id: AgencyId,
    pub user_id: UserId,
    /// The member's freelancer profile.
    pub profile_id: ProfileId,
    pub role: AgencyRole,
    pub joined_at: DateTime<Utc>,
    /// Whether the member's account is active; suspended members are not listed publicly.
    /// Read from the account, never stored with the membership.
    pub active: bool,
    /// Whether the member's freelancer profile is public (shown by its owner, not held
    /// by moderation). Members with a non-public profile are not listed publicly either:
    /// their membership would reveal a profile its owner (or an admin) hid. Read from the
    /// profile, never stored with the membership.
    pub profile_public: bool,
}
