//! The one place where failures become GraphQL errors. Expected failures keep their
//! stable code and field path; anything unexpected is logged with the request id and
//! reaches the client only as `INTERNAL` plus that id.

use async_graphql::{Context, Enum, ErrorExtensions, Response, SimpleObject};
use domain::{DomainError, ErrorCode, FieldError};

use crate::context::request_id;

/// Codes of GraphQL errors that the API adds to the domain's own codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiCode {
    /// The document is not valid GraphQL syntax, or nests beyond the parser's limit.
    ParseFailed,
    /// The document does not fit the schema (unknown field, wrong argument type ...).
    ValidationFailed,
    QueryTooDeep,
    QueryTooComplex,
    TooManyAliases,
    /// An argument's value is refused by the schema layer itself (a validator on the
    /// argument, or too many `ids` for `nodes`). Domain rules answer `VALIDATION`.
    BadUserInput,
    /// A global ID that this API did not issue.
    InvalidId,
    /// A pagination cursor that this API did not issue.
    InvalidCursor,
}

impl ApiCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiCode::ParseFailed => "GRAPHQL_PARSE_FAILED",
            ApiCode::ValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ApiCode::QueryTooDeep => "QUERY_TOO_DEEP",
            ApiCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ApiCode::TooManyAliases => "TOO_MANY_ALIASES",
            ApiCode::BadUserInput => "BAD_USER_INPUT",
            ApiCode::InvalidId => "INVALID_ID",
            ApiCode::InvalidCursor => "INVALID_CURSOR",
        }
    }

    /// Codes that mean the request was refused before anything executed.
    const REQUEST_ERRORS: [ApiCode; 5] = [
        ApiCode::ParseFailed,
        ApiCode::ValidationFailed,
        ApiCode::QueryTooDeep,
        ApiCode::QueryTooComplex,
        ApiCode::TooManyAliases,
    ];

    pub(crate) fn error(self, message: impl Into<String>) -> async_graphql::Error {
        async_graphql::Error::new(message).extend_with(|_, e| e.set("code", self.as_str()))
    }
}

pub(crate) fn code_of(err: &async_graphql::ServerError) -> Option<String> {
    let value = err.extensions.as_ref()?.get("code")?;
    match value {
        async_graphql::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// True when the response is a refusal before execution (parse, validation or limits):
/// the GraphQL-over-HTTP layer answers those with status 400.
pub fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| {
            code_of(e).is_some_and(|c| ApiCode::REQUEST_ERRORS.iter().any(|r| r.as_str() == c))
        })
}

/// Turns a domain error into a GraphQL error. `Internal` is masked: the client gets the
/// code and the request id, the log gets the cause.
pub(crate) fn gql_error(ctx: &Context<'_>, err: &DomainError) -> async_graphql::Error {
    let code = err.code();
    if code == ErrorCode::Internal {
        let request_id = request_id(ctx).unwrap_or_default();
        let cause = std::error::Error::source(err).map(|s| s.to_string());
        tracing::error!(error = %err, cause, request_id, "internal error");
        return async_graphql::Error::new("Internal server error").extend_with(|_, e| {
            e.set("code", ErrorCode::Internal.as_str());
            e.set("requestId", request_id.clone());
        });
    }
    let fields: Vec<Vec<String>> = err.field_errors().iter().map(|f| f.field.clone()).collect();
    async_graphql::Error::new(err.to_string()).extend_with(|_, e| {
        e.set("code", code.as_str());
        if !fields.is_empty() {
            e.set("fields", fields.clone());
        }
    })
}

/// Result extension: `.gql(ctx)?` at every resolver's edge.
pub(crate) trait GqlResultExt<T> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T>;
}

impl<T> GqlResultExt<T> for Result<T, DomainError> {
    fn gql(self, ctx: &Context<'_>) -> async_graphql::Result<T> {
        self.map_err(|e| gql_error(ctx, &e))
    }
}

/// The kind of an expected mutation failure.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A value breaks a rule: too long, wrong format, out of range, unknown reference.
    Validation,
    /// The value collides with existing data, e.g. a slug that is already taken.
    Conflict,
    /// A referenced object does not exist or is not visible to you.
    NotFound,
    /// The object is not in a state that allows this change.
    InvalidState,
    /// You have already applied to this posting.
    AlreadyApplied,
}

/// An expected failure of a mutation: which input field, and what went wrong.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// Path to the offending input field, starting at the argument, e.g. `["input", "slug"]`.
    /// Empty when the failure concerns the input as a whole.
    pub field: Vec<String>,
    /// Stable, machine-readable kind of the failure.
    pub code: UserErrorCode,
    /// Human-readable explanation, in English.
    pub message: String,
}

impl UserError {
    fn from_field(f: &FieldError) -> Self {
        let code = match f.code {
            ErrorCode::Conflict => UserErrorCode::Conflict,
            ErrorCode::NotFound => UserErrorCode::NotFound,
            ErrorCode::InvalidState => UserErrorCode::InvalidState,
            ErrorCode::AlreadyApplied => UserErrorCode::AlreadyApplied,
            _ => UserErrorCode::Validation,
        };
        let mut field = vec!["input".to_owned()];
        field.extend(f.field.iter().cloned());
        Self {
            field,
            code,
            message: f.message.clone(),
        }
    }
}

/// Splits a mutation's outcome: expected failures become `userErrors`, the rest a
/// GraphQL error.
pub(crate) fn into_payload<T>(
    ctx: &Context<'_>,
    result: Result<T, DomainError>,
) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(err) if err.is_user_error() => Ok((
            None,
            err.field_errors()
                .iter()
                .map(UserError::from_field)
                .collect(),
        )),
        Err(err) => Err(gql_error(ctx, &err)),
    }
}
