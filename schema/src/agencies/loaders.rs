//! Per-request loaders for agencies: a page of profiles asking for their agency, its
//! skills and members costs a fixed number of statements.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use domain::agencies::{Agency, AgencyId, Invitation, InvitationId, Member};
use domain::{Actor, Services, UserId};

use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct AgencyById(Services, Actor);
pub(crate) struct AgencyOfUser(Services, Actor);
pub(crate) struct MembersByAgency(Services, Actor);
pub(crate) struct PendingByAgency(Services, Actor);
pub(crate) struct InvitationById(Services, Actor);

/// The agency loaders of one request; every one filters by what its actor may see.
pub(crate) struct AgencyLoaders {
    pub agency: DataLoader<AgencyById>,
    /// A user's agency (for `FreelancerProfile.agency`).
    pub of_user: DataLoader<AgencyOfUser>,
    pub members: DataLoader<MembersByAgency>,
    /// Only for agencies whose pending invitations the actor may see (owners, admins).
    pub pending: DataLoader<PendingByAgency>,
    pub invitation: DataLoader<InvitationById>,
}

impl AgencyLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        let s = || services.clone();
        let a = || actor.clone();
        Self {
            agency: DataLoader::new(AgencyById(s(), a()), spawn),
            of_user: DataLoader::new(AgencyOfUser(s(), a()), spawn),
            members: DataLoader::new(MembersByAgency(s(), a()), spawn),
            pending: DataLoader::new(PendingByAgency(s(), a()), spawn),
            invitation: DataLoader::new(InvitationById(s(), a()), spawn),
        }
    }
}

pub(crate) fn agency_loaders<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a AgencyLoaders> {
    crate::context::data(ctx)
}

impl Loader<AgencyId> for AgencyById {
    type Value = Agency;
    type Error = LoadError;

    async fn load(&self, keys: &[AgencyId]) -> Result<HashMap<AgencyId, Agency>, LoadError> {
        let found = self.0.agencies.by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|a| (a.id, a)).collect())
    }
}

impl Loader<UserId> for AgencyOfUser {
    type Value = Agency;
    type Error = LoadError;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, Agency>, LoadError> {
        Ok(self.0.agencies.agencies_of_users(&self.1, keys).await?)
    }
}

impl Loader<AgencyId> for MembersByAgency {
    type Value = Vec<Member>;
    type Error = LoadError;

    async fn load(&self, keys: &[AgencyId]) -> Result<HashMap<AgencyId, Vec<Member>>, LoadError> {
        Ok(self.0.agencies.members(&self.1, keys).await?)
    }
}

impl Loader<AgencyId> for PendingByAgency {
    type Value = Vec<Invitation>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AgencyId],
    ) -> Result<HashMap<AgencyId, Vec<Invitation>>, LoadError> {
        let members = self.0.agencies.members(&self.1, keys).await?;
        Ok(self
            .0
            .agencies
            .pending_invitations(&self.1, &members)
            .await?)
    }
}

impl Loader<InvitationId> for InvitationById {
    type Value = Invitation;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvitationId],
    ) -> Result<HashMap<InvitationId, Invitation>, LoadError> {
        let found = self.0.agencies.invitations(&self.1, keys).await?;
        Ok(found.into_iter().map(|i| (i.id, i)).collect())
    }
}
