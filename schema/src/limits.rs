//! Request limits and the stable codes of refusals before execution.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextSubscribe,
    NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, Response, ServerError, ServerResult, ValidationResult, Variables,
};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::errors::{ApiCode, code_of};

/// Limits every GraphQL request is held to. The defaults suit a public API.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Deepest allowed selection nesting.
    pub max_depth: usize,
    /// Highest allowed complexity (each field costs 1; lists multiply by their page size).
    pub max_complexity: usize,
    /// Most aliases one document may use.
    pub max_aliases: usize,
    /// Deepest nesting the parser accepts (guards the parser's stack).
    pub max_recursive_depth: usize,
    /// Most directives on one field.
    pub max_directives: usize,
    /// Whether introspection queries are answered.
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 2_000,
            max_aliases: 30,
            max_recursive_depth: 32,
            max_directives: 10,
            introspection: true,
        }
    }
}

/// Counts aliases after parsing and puts a stable `code` on every error raised before
/// execution.
pub(crate) struct LimitsAndCodes {
    max_aliases: usize,
}

impl LimitsAndCodes {
    pub(crate) fn new(max_aliases: usize) -> Self {
        Self { max_aliases }
    }
}

impl ExtensionFactory for LimitsAndCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsAndCodesExt {
            max_aliases: self.max_aliases,
        })
    }
}

struct LimitsAndCodesExt {
    max_aliases: usize,
}

fn with_code(mut err: ServerError, code: ApiCode) -> ServerError {
    if code_of(&err).is_none() {
        err.extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("code", code.as_str());
    }
    err
}

/// Whatever async-graphql raised itself without a code concerns the request: without a
/// path it was refused before execution (validation); with one, an argument's value was
/// refused while resolving that field.
fn with_fallback_codes(mut response: Response) -> Response {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|e| {
            let fallback = if e.path.is_empty() {
                ApiCode::ValidationFailed
            } else {
                ApiCode::BadUserInput
            };
            with_code(e, fallback)
        })
        .collect();
    response
}

fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|sel| match &sel.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + in_set(&f.node.selection_set.node)
                }
                Selection::InlineFragment(f) => in_set(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| in_set(&op.node.selection_set.node))
        .sum();
    let fragments: usize = doc
        .fragments
        .values()
        .map(|f| in_set(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

#[async_trait::async_trait]
impl Extension for LimitsAndCodesExt {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        with_fallback_codes(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        Box::pin(next.run(ctx, stream).map(with_fallback_codes))
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, ApiCode::ParseFailed))?;
        let aliases = count_aliases(&doc);
        if aliases > self.max_aliases {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "Query uses {aliases} aliases; at most {} are allowed.",
                        self.max_aliases
                    ),
                    None,
                ),
                ApiCode::TooManyAliases,
            ));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = match e.message.as_str() {
                        "Query is nested too deep." => ApiCode::QueryTooDeep,
                        "Query is too complex." => ApiCode::QueryTooComplex,
                        _ => ApiCode::ValidationFailed,
                    };
                    with_code(e, code)
                })
                .collect()
        })
    }
}
