//! Opaque global IDs: `base64url("<Type>:<uuid>")`. Clients must treat them as opaque;
//! the encoding may change between major versions.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::errors::ApiCode;

/// The object types that carry a global ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Category,
    Skill,
    User,
    Session,
    FreelancerProfile,
    PortfolioItem,
    Employment,
    ClientProfile,
    Agency,
    AgencyInvitation,
    Posting,
    SavedSearch,
    Notification,
    PostingInvitation,
    Proposal,
    PipelineStage,
    ProposalMessage,
    Referral,
    Scorecard,
    Interview,
    CodingTask,
    Offer,
    Contract,
    ContractMilestone,
    Timesheet,
    TimeEntry,
    Review,
    ReviewReport,
}

impl NodeKind {
    const ALL: &'static [NodeKind] = &[
        NodeKind::ReviewReport,
        NodeKind::Review,
        NodeKind::TimeEntry,
        NodeKind::Timesheet,
        NodeKind::ContractMilestone,
        NodeKind::Contract,
        NodeKind::Offer,
        NodeKind::ProposalMessage,
        NodeKind::Referral,
        NodeKind::Scorecard,
        NodeKind::Interview,
        NodeKind::CodingTask,
        NodeKind::Proposal,
        NodeKind::PipelineStage,
        NodeKind::Posting,
        NodeKind::SavedSearch,
        NodeKind::Notification,
        NodeKind::PostingInvitation,
        NodeKind::Agency,
        NodeKind::AgencyInvitation,
        NodeKind::ClientProfile,
        NodeKind::PortfolioItem,
        NodeKind::Employment,
        NodeKind::Category,
        NodeKind::Skill,
        NodeKind::User,
        NodeKind::Session,
        NodeKind::FreelancerProfile,
    ];

    fn name(self) -> &'static str {
        match self {
            NodeKind::Category => "Category",
            NodeKind::Skill => "Skill",
            NodeKind::User => "User",
            NodeKind::Session => "Session",
            NodeKind::FreelancerProfile => "FreelancerProfile",
            NodeKind::PortfolioItem => "PortfolioItem",
            NodeKind::Employment => "Employment",
            NodeKind::ClientProfile => "ClientProfile",
            NodeKind::Agency => "Agency",
            NodeKind::AgencyInvitation => "AgencyInvitation",
            NodeKind::Posting => "Posting",
            NodeKind::SavedSearch => "SavedSearch",
            NodeKind::Notification => "Notification",
            NodeKind::PostingInvitation => "PostingInvitation",
            NodeKind::Proposal => "Proposal",
            NodeKind::PipelineStage => "PipelineStage",
            NodeKind::ProposalMessage => "ProposalMessage",
            NodeKind::Offer => "Offer",
            NodeKind::Contract => "Contract",
            NodeKind::ContractMilestone => "ContractMilestone",
            NodeKind::Timesheet => "Timesheet",
            NodeKind::TimeEntry => "TimeEntry",
            NodeKind::Review => "Review",
            NodeKind::ReviewReport => "ReviewReport",
            NodeKind::Referral => "Referral",
            NodeKind::Scorecard => "Scorecard",
            NodeKind::Interview => "Interview",
            NodeKind::CodingTask => "CodingTask",
        }
    }
}

pub fn encode(kind: NodeKind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id)))
}

/// Decodes any global ID this API issued.
pub fn decode(id: &str) -> Result<(NodeKind, Uuid), async_graphql::Error> {
    let invalid = || ApiCode::InvalidId.error(format!("`{}` is not a valid ID", truncate(id)));
    if id.len() > 128 {
        return Err(invalid());
    }
    let raw = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = std::str::from_utf8(&raw).map_err(|_| invalid())?;
    let (kind, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let kind = NodeKind::ALL
        .iter()
        .copied()
        .find(|k| k.name() == kind)
        .ok_or_else(invalid)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| invalid())?;
    Ok((kind, uuid))
}

/// Decodes a global ID that must be of `kind` (e.g. an input's `categoryId`).
pub fn decode_kind(id: &str, kind: NodeKind) -> Result<Uuid, async_graphql::Error> {
    match decode(id)? {
        (k, uuid) if k == kind => Ok(uuid),
        _ => {
            Err(ApiCode::InvalidId.error(format!("`{}` is not a {} ID", truncate(id), kind.name())))
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let uuid = Uuid::now_v7();
        let id = encode(NodeKind::Skill, uuid);
        assert_eq!(decode(&id).unwrap(), (NodeKind::Skill, uuid));
        assert_eq!(decode_kind(&id, NodeKind::Skill).unwrap(), uuid);
        assert!(decode_kind(&id, NodeKind::Category).is_err());
        for garbage in ["", "!!!", "U2tpbGw6", "Tm9wZTox", &"A".repeat(500)] {
            assert!(decode(garbage).is_err(), "{garbage}");
        }
    }
}
