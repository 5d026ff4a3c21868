//! Per-request loaders for postings: a page of postings asking for their client costs a
//! fixed number of statements.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use chrono::{DateTime, Utc};
use domain::notifications::SavedSearchId;
use domain::pagination::{Page, PageRequest};
use domain::postings::{
    Posting, PostingId, PostingInvitation, PostingInvitationId, PostingStats, Revision, SavedSearch,
};
use domain::profiles::ClientProfile;
use domain::{Actor, Services, UserId};

use crate::taxonomy::loaders::{LoadError, spawn};

pub(crate) struct PostingById(Services, Actor);
pub(crate) struct ClientOfUser(Services, Actor);
pub(crate) struct StatsByPosting(Services);
pub(crate) struct LastActiveByUser(Services);
pub(crate) struct SavedSearchById(Services, Actor);
pub(crate) struct InvitationById(Services, Actor);
pub(crate) struct HistoryByPosting(Services, Actor);
pub(crate) struct InvitationsByPosting(Services, Actor);
pub(crate) struct InvitationCountByPosting(Services, Actor);

/// A page of one posting's invitations, as `Posting.invitations(first, after)` asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct InvitationsOf {
    pub posting: PostingId,
    pub first: u32,
    pub after: Option<PostingInvitationId>,
}

/// The posting loaders of one request; each filters by what its actor may see.
pub(crate) struct PostingLoaders {
    pub posting: DataLoader<PostingById>,
    /// A user's public client profile (for `Posting.client`).
    pub client_of_user: DataLoader<ClientOfUser>,
    /// Keyed by postings the request has already been allowed to see.
    pub stats: DataLoader<StatsByPosting>,
    /// When clients were last active (to the hour).
    pub last_active: DataLoader<LastActiveByUser>,
    /// Saved searches, the actor's own only (for `Notification.savedSearch`).
    pub saved_search: DataLoader<SavedSearchById>,
    /// Invitations to postings, as far as the actor may see them.
    pub invitation: DataLoader<InvitationById>,
    /// Postings' histories, for the postings whose history the actor may see.
    pub history: DataLoader<HistoryByPosting>,
    /// Pages of postings' invitations, for postings whose invitations the actor lists.
    pub invitations_of: DataLoader<InvitationsByPosting>,
    /// How many invitations postings sent, as far as the actor lists them.
    pub invitation_count: DataLoader<InvitationCountByPosting>,
}

impl PostingLoaders {
    pub(crate) fn new(services: Services, actor: Actor) -> Self {
        Self {
            posting: DataLoader::new(PostingById(services.clone(), actor.clone()), spawn),
            client_of_user: DataLoader::new(ClientOfUser(services.clone(), actor.clone()), spawn),
            stats: DataLoader::new(StatsByPosting(services.clone()), spawn),
            last_active: DataLoader::new(LastActiveByUser(services.clone()), spawn),
            saved_search: DataLoader::new(SavedSearchById(services.clone(), actor.clone()), spawn),
            invitation: DataLoader::new(InvitationById(services.clone(), actor.clone()), spawn),
            history: DataLoader::new(HistoryByPosting(services.clone(), actor.clone()), spawn),
            invitations_of: DataLoader::new(
                InvitationsByPosting(services.clone(), actor.clone()),
                spawn,
            ),
            invitation_count: DataLoader::new(InvitationCountByPosting(services, actor), spawn),
        }
    }
}

pub(crate) fn posting_loaders<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<&'a PostingLoaders> {
    crate::context::data(ctx)
}

impl Loader<PostingId> for PostingById {
    type Value = Posting;
    type Error = LoadError;

    async fn load(&self, keys: &[PostingId]) -> Result<HashMap<PostingId, Posting>, LoadError> {
        let found = self.0.postings.by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|p| (p.id, p)).collect())
    }
}

impl Loader<UserId> for ClientOfUser {
    type Value = ClientProfile;
    type Error = LoadError;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, ClientProfile>, LoadError> {
        Ok(self.0.clients.of_users(&self.1, keys).await?)
    }
}

impl Loader<PostingId> for StatsByPosting {
    type Value = PostingStats;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PostingId],
    ) -> Result<HashMap<PostingId, PostingStats>, LoadError> {
        Ok(self.0.posting_board.stats(keys).await?)
    }
}

impl Loader<UserId> for LastActiveByUser {
    type Value = DateTime<Utc>;
    type Error = LoadError;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, DateTime<Utc>>, LoadError> {
        Ok(self.0.posting_board.last_active(keys).await?)
    }
}

impl Loader<SavedSearchId> for SavedSearchById {
    type Value = SavedSearch;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SavedSearchId],
    ) -> Result<HashMap<SavedSearchId, SavedSearch>, LoadError> {
        let found = self.0.saved_searches.by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|s| (s.id, s)).collect())
    }
}

impl Loader<PostingInvitationId> for InvitationById {
    type Value = PostingInvitation;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PostingInvitationId],
    ) -> Result<HashMap<PostingInvitationId, PostingInvitation>, LoadError> {
        let found = self.0.posting_invitations.by_ids(&self.1, keys).await?;
        Ok(found.into_iter().map(|i| (i.id, i)).collect())
    }
}

impl Loader<PostingId> for HistoryByPosting {
    type Value = Vec<Revision>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PostingId],
    ) -> Result<HashMap<PostingId, Vec<Revision>>, LoadError> {
        Ok(self.0.postings.histories(&self.1, keys).await?)
    }
}

impl Loader<InvitationsOf> for InvitationsByPosting {
    type Value = Page<PostingInvitation>;
    type Error = LoadError;

    /// One batch per distinct page request: a list of postings asks the same of each.
    async fn load(
        &self,
        keys: &[InvitationsOf],
    ) -> Result<HashMap<InvitationsOf, Page<PostingInvitation>>, LoadError> {
        let mut by_request: HashMap<(u32, Option<PostingInvitationId>), Vec<PostingId>> =
            HashMap::new();
        for key in keys {
            by_request
                .entry((key.first, key.after))
                .or_default()
                .push(key.posting);
        }
        let mut out = HashMap::new();
        for ((first, after), postings) in by_request {
            let request = PageRequest::new(Some(i64::from(first)), after)?;
            let pages = self
                .0
                .posting_invitations
                .of_postings(&self.1, &postings, &request)
                .await?;
            out.extend(pages.into_iter().map(|(posting, page)| {
                (
                    InvitationsOf {
                        posting,
                        first,
                        after,
                    },
                    page,
                )
            }));
        }
        Ok(out)
    }
}

impl Loader<PostingId> for InvitationCountByPosting {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[PostingId]) -> Result<HashMap<PostingId, u64>, LoadError> {
        Ok(self
            .0
            .posting_invitations
            .count_of_postings(&self.1, keys)
            .await?)
    }
}
