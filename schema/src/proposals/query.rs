//! Lists of proposals: a posting's, for its client (`proposals`), and the viewer's own
//! (`viewer.proposals`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use domain::pagination::PageRequest;
use domain::postings::PostingId;
use domain::proposals::{
    ProposalCursor, ProposalFilter as Filter, ProposalId, ProposalSort as Sort,
};
use uuid::Uuid;

use super::enums::{ProposalSort, ProposalStatus};
use super::pipeline::stage_id;
use super::types::Proposal;
use crate::connection::{PageInfo, decode_cursor, encode_cursor};
use crate::context::{actor, services};
use crate::errors::{ApiCode, GqlResultExt};
use crate::ids::{NodeKind, decode_kind};

crate::connection::connection!(ProposalConnection, ProposalEdge, Proposal);

/// Which of a posting's proposals to list: all when empty. Every condition given must
/// hold.
#[derive(InputObject, Default)]
pub struct ProposalFilter {
    /// Only proposals in these states; all when absent or empty.
    pub statuses: Option<Vec<ProposalStatus>>,
    /// Only proposals in this stage of the posting's pipeline (IN_EVALUATION or
    /// OFFERED from it); an ID that names no stage of it matches nothing.
    pub stage_id: Option<ID>,
}

impl ProposalFilter {
    fn into_domain(self) -> Filter {
        Filter {
            statuses: self
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(ProposalStatus::key)
                .collect(),
            // An ID that is no stage's names no stage: nothing is in it.
            stage: self
                .stage_id
                .map(|id| stage_id(&id).unwrap_or(domain::proposals::StageId(Uuid::max()))),
        }
    }
}

/// The key inside a cursor of a posting's proposals: the sort's values of the last one.
fn cursor_key(cursor: ProposalCursor) -> String {
    match cursor {
        ProposalCursor::Newest(id) => format!("pn:{}", id.0),
        ProposalCursor::Match { score, id } => format!("pm:{score}:{}", id.0),
        ProposalCursor::Bid { amount_minor, id } => format!("pb:{amount_minor}:{}", id.0),
        ProposalCursor::Score { score, id } => format!("ps:{score}:{}", id.0),
    }
}

/// The cursor of a posting's proposals in `sort`; one of another sort or list, or
/// garbage, is `INVALID_CURSOR`.
fn cursor_of(key: &str, sort: Sort) -> Result<ProposalCursor> {
    let invalid = || ApiCode::InvalidCursor.error("`after` is not a cursor of this list and sort");
    let id = |s: &str| Uuid::parse_str(s).map(ProposalId).map_err(|_| invalid());
    let parts: Vec<&str> = key.split(':').collect();
    let cursor = match parts.as_slice() {
        ["pn", uuid] => ProposalCursor::Newest(id(uuid)?),
        ["pm", score, uuid] => ProposalCursor::Match {
            score: score.parse().map_err(|_| invalid())?,
            id: id(uuid)?,
        },
        ["pb", amount, uuid] => ProposalCursor::Bid {
            amount_minor: amount.parse().map_err(|_| invalid())?,
            id: id(uuid)?,
        },
        ["ps", score, uuid] => ProposalCursor::Score {
            score: score.parse().map_err(|_| invalid())?,
            id: id(uuid)?,
        },
        _ => return Err(invalid()),
    };
    if cursor.fits(sort) {
        Ok(cursor)
    } else {
        Err(invalid())
    }
}

/// One page of your own proposals. Not counted: the list has no `totalCount`.
#[derive(SimpleObject)]
pub struct ViewerProposalConnection {
    /// The proposals of this page with their cursors.
    pub edges: Vec<ProposalEdge>,
    /// The proposals of this page, for clients that do not need cursors.
    pub nodes: Vec<Proposal>,
    /// Pagination state of this page.
    pub page_info: PageInfo,
}

/// `viewer.proposals`: the caller's own proposals (those that count for them and those
/// they submitted for an agency), newest first.
pub(crate) async fn my_proposals(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ViewerProposalConnection> {
    let after = match after.as_deref().map(decode_cursor).transpose()? {
        None => None,
        Some(key) => Some(ProposalId(Uuid::parse_str(&key).map_err(|_| {
            ApiCode::InvalidCursor.error("`after` is not a cursor of this list")
        })?)),
    };
    let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
    let page = services(ctx)?
        .proposals
        .of_viewer(actor(ctx), &request)
        .await
        .gql(ctx)?;
    let edges: Vec<ProposalEdge> = page
        .items
        .into_iter()
        .map(|p| ProposalEdge {
            cursor: encode_cursor(&p.id.0.to_string()),
            node: Proposal::new(p),
        })
        .collect();
    Ok(ViewerProposalConnection {
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: request.after().is_some(),
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        },
        nodes: edges.iter().map(|e| e.node.clone()).collect(),
        edges,
    })
}

#[derive(Default)]
pub struct ProposalQuery;

#[Object]
impl ProposalQuery {
    /// The proposals on one of your postings, for you as its client (reading them
    /// records no view: see `markProposalsViewed`). Anyone else is refused: `NOT_FOUND` when they cannot see the posting,
    /// `FORBIDDEN` when they can.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn proposals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting (one of yours).")] posting_id: ID,
        #[graphql(desc = "Which proposals; all when absent.")] filter: Option<ProposalFilter>,
        #[graphql(
            desc = "The order; NEWEST when absent or null.",
            default_with = "Some(ProposalSort::Newest)"
        )]
        sort: Option<ProposalSort>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the proposals after this cursor: an `endCursor` of this list in the same sort (another list's or sort's cursor is `INVALID_CURSOR`)."
        )]
        after: Option<String>,
    ) -> Result<ProposalConnection> {
        let sort: Sort = sort.unwrap_or_default().into();
        let after = match after.as_deref().map(decode_cursor).transpose()? {
            None => None,
            Some(key) => Some(cursor_of(&key, sort)?),
        };
        let request = PageRequest::new(first.map(i64::from), after).gql(ctx)?;
        // An ID that is no posting's names no posting: the domain answers NOT_FOUND.
        let posting = decode_kind(&posting_id, NodeKind::Posting)
            .ok()
            .map(PostingId);
        let filter = filter.unwrap_or_default().into_domain();
        let svc = &services(ctx)?.proposals;
        let actor = actor(ctx);
        let page = svc
            .of_posting(actor, posting, &filter, sort, &request)
            .await
            .gql(ctx)?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            let n = svc
                .count_of_posting(actor, posting, &filter)
                .await
                .gql(ctx)?;
            i64::try_from(n).unwrap_or(i64::MAX)
        } else {
            0
        };
        let items = page
            .items
            .into_iter()
            .map(|p| {
                (
                    cursor_key(ProposalCursor::after(sort, &p)),
                    Proposal::new(p),
                )
            })
            .collect();
        Ok(ProposalConnection::new(
            items,
            page.has_next_page,
            request.after().is_some(),
            total,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_in_their_sort_only() {
        let id = ProposalId(Uuid::now_v7());
        let cursors = [
            (ProposalCursor::Newest(id), Sort::Newest),
            (ProposalCursor::Match { score: 87, id }, Sort::Match),
            (
                ProposalCursor::Bid {
                    amount_minor: 125_000,
                    id,
                },
                Sort::Bid,
            ),
        ];
        for (cursor, sort) in cursors {
            let key = cursor_key(cursor);
            assert_eq!(cursor_of(&key, sort).ok(), Some(cursor), "{key}");
            for other in [Sort::Newest, Sort::Match, Sort::Bid] {
                if other != sort {
                    assert!(cursor_of(&key, other).is_err(), "{key} in {other:?}");
                }
            }
        }
    }

    #[test]
    fn garbage_and_foreign_cursors_are_refused() {
        let id = Uuid::now_v7();
        for key in [
            String::new(),
            "pn".to_owned(),
            "pn:nope".to_owned(),
            format!("pm:300:{id}"),
            format!("pb:x:{id}"),
            format!("pn:{id}:1"),
            // A posting list's cursor (a bare UUID) is not a proposal cursor.
            id.to_string(),
        ] {
            for sort in [Sort::Newest, Sort::Match, Sort::Bid] {
                assert!(cursor_of(&key, sort).is_err(), "{key}");
            }
        }
    }
}
