//! Relay connections: cursor pagination with `edges`, `nodes`, `pageInfo` and (where it is
//! cheap) `totalCount`. Cursors are opaque to clients.

use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::errors::ApiCode;

const CURSOR_PREFIX: &str = "c1:";

/// Where a page starts and ends, and whether more follows.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct PageInfo {
    /// Whether another page follows this one (ask again with `after: endCursor`).
    pub has_next_page: bool,
    /// Whether a page precedes this one. Lists page forwards only, so this is true exactly
    /// when the request gave `after`.
    pub has_previous_page: bool,
    /// Cursor of the first edge, if any.
    pub start_cursor: Option<String>,
    /// Cursor of the last edge, if any: pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// Declares the `<Node>Connection` and `<Node>Edge` types of one node type; with
/// `uncounted`, a connection without `totalCount` (for lists that are not counted).
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, uncounted) => {
        /// One item in a connection and the cursor that points at it.
        #[derive(async_graphql::SimpleObject, Clone)]
        pub struct $edge {
            /// Opaque position of this edge; pass it as `after` to continue from here.
            pub cursor: String,
            /// The item at the end of the edge.
            pub node: $node,
        }

        /// One page of a list, in Relay connection form. Not counted.
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page with their cursors.
            pub edges: Vec<$edge>,
            /// The items of this page, for clients that do not need cursors.
            pub nodes: Vec<$node>,
            /// Pagination state of this page.
            pub page_info: $crate::connection::PageInfo,
        }

        impl $connection {
            /// Builds a page from `(cursor key, node)` pairs.
            pub fn new(items: Vec<(String, $node)>, has_next_page: bool, had_after: bool) -> Self {
                let (edges, page_info) =
                    $crate::connection::edges(items, has_next_page, had_after, |cursor, node| {
                        $edge { cursor, node }
                    });
                Self {
                    nodes: edges.iter().map(|e| e.node.clone()).collect(),
                    edges,
                    page_info,
                }
            }
        }
    };
    ($connection:ident, $edge:ident, $node:ty) => {
        /// One item in a connection and the cursor that points at it.
        #[derive(async_graphql::SimpleObject, Clone)]
        pub struct $edge {
            /// Opaque position of this edge; pass it as `after` to continue from here.
            pub cursor: String,
            /// The item at the end of the edge.
            pub node: $node,
        }

        /// One page of a list, in Relay connection form.
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page with their cursors.
            pub edges: Vec<$edge>,
            /// The items of this page, for clients that do not need cursors.
            pub nodes: Vec<$node>,
            /// Pagination state of this page.
            pub page_info: $crate::connection::PageInfo,
            /// How many items the whole list holds, ignoring pagination (counted only when asked for).
            pub total_count: i64,
        }

        impl $connection {
            /// Builds a page from `(cursor key, node)` pairs.
            pub fn new(
                items: Vec<(String, $node)>,
                has_next_page: bool,
                had_after: bool,
                total_count: i64,
            ) -> Self {
                let (edges, page_info) =
                    $crate::connection::edges(items, has_next_page, had_after, |cursor, node| {
                        $edge { cursor, node }
                    });
                Self {
                    nodes: edges.iter().map(|e| e.node.clone()).collect(),
                    edges,
                    page_info,
                    total_count,
                }
            }
        }
    };
}
pub(crate) use connection;

/// The edges of `(cursor key, node)` pairs (made by `edge` from the encoded cursor and
/// the node) and their page's info.
pub(crate) fn edges<N, E>(
    items: Vec<(String, N)>,
    has_next_page: bool,
    had_after: bool,
    edge: impl Fn(String, N) -> E,
) -> (Vec<E>, PageInfo) {
    let cursors: Vec<String> = items.iter().map(|(key, _)| encode_cursor(key)).collect();
    let page_info = PageInfo {
        has_next_page,
        has_previous_page: had_after,
        start_cursor: cursors.first().cloned(),
        end_cursor: cursors.last().cloned(),
    };
    let edges = items
        .into_iter()
        .zip(cursors)
        .map(|((_, node), cursor)| edge(cursor, node))
        .collect();
    (edges, page_info)
}

/// The UUID in an `after` cursor whose key is `prefix` and a UUID; `INVALID_CURSOR` for
/// anything else.
pub(crate) fn uuid_after(
    after: Option<String>,
    prefix: &str,
) -> async_graphql::Result<Option<uuid::Uuid>> {
    let Some(key) = after.as_deref().map(decode_cursor).transpose()? else {
        return Ok(None);
    };
    key.strip_prefix(prefix)
        .and_then(|k| uuid::Uuid::parse_str(k).ok())
        .map(Some)
        .ok_or_else(|| ApiCode::InvalidCursor.error("`after` is not a cursor of this list"))
}

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{key}"))
}

/// The key inside a cursor this API issued.
pub fn decode_cursor(cursor: &str) -> Result<String, async_graphql::Error> {
    let invalid = || ApiCode::InvalidCursor.error("`after` is not a cursor this API issued");
    if cursor.len() > 512 {
        return Err(invalid());
    }
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    text.strip_prefix(CURSOR_PREFIX)
        .map(str::to_owned)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor("go")).unwrap(), "go");
        assert!(decode_cursor("garbage!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("x:go")).is_err());
    }
}
