use async_graphql::{Context, ID, Object, Result};
use domain::pagination::PageRequest;
use domain::postings::{self as p, PostingId};

use super::loaders::posting_loaders;
use super::search::PostingConnection;
use super::types::{Posting, PostingStatus};
use crate::connection::decode_cursor;
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt};
use crate::ids::{NodeKind, decode_kind};
use crate::taxonomy::types::load_error;

/// The domain states an API state stands for (CLOSED: every close reason).
fn domain_statuses(s: PostingStatus) -> Vec<p::PostingStatus> {
    match s {
        PostingStatus::Draft => vec![p::PostingStatus::Draft],
        PostingStatus::Open => vec![p::PostingStatus::Open],
        PostingStatus::Paused => vec![p::PostingStatus::Paused],
        PostingStatus::Closed => p::CloseReason::ALL
            .into_iter()
            .map(p::PostingStatus::Closed)
            .collect(),
    }
}

/// `viewer.postings`: the signed-in client's own postings, newest first.
pub(crate) async fn my_postings(
    ctx: &Context<'_>,
    statuses: Option<Vec<PostingStatus>>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<PostingConnection> {
    let after = match after.as_deref().map(decode_cursor).transpose()? {
        None => None,
        Some(key) => Some(PostingId(uuid::Uuid::parse_str(&key).map_err(|_| {
            ApiCode::InvalidCursor.error("`after` is not a cursor of this list")
        })?)),
    };
    let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
    let had_after = request.after().is_some();
    let statuses: Vec<p::PostingStatus> = statuses
        .unwrap_or_default()
        .into_iter()
        .flat_map(domain_statuses)
        .collect();
    let page = services(ctx)?
        .posting_board
        .mine(actor(ctx), &statuses, &request)
        .await
        .gql(ctx)?;
    let total = if ctx.look_ahead().field("totalCount").exists() {
        let n = services(ctx)?
            .posting_board
            .count_mine(actor(ctx), &statuses)
            .await
            .gql(ctx)?;
        i64::try_from(n).unwrap_or(i64::MAX)
    } else {
        0
    };
    let items = page
        .items
        .into_iter()
        .map(|p| (p.id.0.to_string(), Posting(p)))
        .collect();
    Ok(PostingConnection::new(
        items,
        page.has_next_page,
        had_after,
        total,
    ))
}

#[derive(Default)]
pub struct PostingQuery;

#[Object]
impl PostingQuery {
    /// A posting by ID; null when it does not exist or you may not see it (drafts are
    /// their client's; invite-only postings their client's and the invited).
    async fn posting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting's global ID.")] id: ID,
    ) -> Result<Option<Posting>> {
        let id = PostingId(decode_kind(&id, NodeKind::Posting)?);
        Ok(posting_loaders(ctx)?
            .posting
            .load_one(id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Posting))
    }
}
