//! The domain error: one enum with stable, machine-readable codes.

use std::fmt;

/// A stable code that clients may branch on. The string form never changes once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    NotFound,
    Forbidden,
    Unauthenticated,
    Validation,
    Conflict,
    AlreadyApplied,
    InvalidState,
    /// Something we depend on (e.g. GitHub) did not answer; try again later.
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Validation => "VALIDATION",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::AlreadyApplied => "ALREADY_APPLIED",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one input field. `field` is the path inside the operation's input,
/// e.g. `["slug"]` or `["aliases", "2"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Vec<String>,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &[&str], code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.iter().map(|s| (*s).to_owned()).collect(),
            code,
            message: message.into(),
        }
    }

    pub fn validation(field: &[&str], message: impl Into<String>) -> Self {
        Self::new(field, ErrorCode::Validation, message)
    }
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything a domain operation can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("sign in to do this")]
    Unauthenticated,
    /// Input that breaks a rule; each entry names its field.
    #[error("invalid input: {}", summary(.0))]
    Validation(Vec<FieldError>),
    /// The change collides with existing data (a unique key, a stale version).
    #[error("{}", summary(.0))]
    Conflict(Vec<FieldError>),
    #[error("{message}")]
    InvalidState { message: String },
    /// A service we depend on did not answer; the message names it for the client.
    #[error("{message}")]
    Unavailable { message: String },
    /// Anything unexpected: a broken connection, a bug. Never shown to clients verbatim.
    #[error("internal error: {0}")]
    Internal(#[source] BoxError),
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| {
            if e.field.is_empty() {
                e.message.clone()
            } else {
                format!("{}: {}", e.field.join("."), e.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl DomainError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::NotFound { .. } => ErrorCode::NotFound,
            DomainError::Forbidden => ErrorCode::Forbidden,
            DomainError::Unauthenticated => ErrorCode::Unauthenticated,
            DomainError::Validation(_) => ErrorCode::Validation,
            DomainError::Conflict(_) => ErrorCode::Conflict,
            DomainError::InvalidState { .. } => ErrorCode::InvalidState,
            DomainError::Unavailable { .. } => ErrorCode::Unavailable,
            DomainError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn internal(err: impl Into<BoxError>) -> Self {
        DomainError::Internal(err.into())
    }

    pub fn validation(field: &[&str], message: impl Into<String>) -> Self {
        DomainError::Validation(vec![FieldError::validation(field, message)])
    }

    /// The input names something (by ID) that does not exist or that the actor may not
    /// see: a user error on that field, telling the two apart for no one.
    pub fn not_found_at(field: &str, message: impl Into<String>) -> Self {
        DomainError::Validation(vec![FieldError::new(
            &[field],
            ErrorCode::NotFound,
            message,
        )])
    }

    /// The object is not in a state that allows the change: a user error on `field`
    /// with the code `INVALID_STATE` (e.g. the last owner leaving their agency).
    pub fn invalid_state_at(field: &[&str], message: impl Into<String>) -> Self {
        DomainError::Validation(vec![FieldError::new(
            field,
            ErrorCode::InvalidState,
            message,
        )])
    }

    pub fn conflict(field: &[&str], message: impl Into<String>) -> Self {
        DomainError::Conflict(vec![FieldError::new(field, ErrorCode::Conflict, message)])
    }

    /// The field-level errors an expected failure carries (empty for the others).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            DomainError::Validation(errors) | DomainError::Conflict(errors) => errors,
            _ => &[],
        }
    }

    /// Expected failures belong in a mutation payload; the rest become GraphQL errors.
    pub fn is_user_error(&self) -> bool {
        matches!(self, DomainError::Validation(_) | DomainError::Conflict(_))
    }

    /// Converts `validator` results into field errors, keeping nested paths.
    pub fn from_validation(errors: &validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        collect(errors, &mut Vec::new(), &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        DomainError::Validation(out)
    }
}

fn collect(
    errors: &validator::ValidationErrors,
    prefix: &mut Vec<String>,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind as Kind;
    for (field, kind) in errors.errors() {
        prefix.push(to_camel(field));
        match kind {
            Kind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| format!("is invalid ({})", e.code));
                    out.push(FieldError {
                        field: prefix.clone(),
                        code: ErrorCode::Validation,
                        message,
                    });
                }
            }
            Kind::Struct(inner) => collect(inner, prefix, out),
            Kind::List(items) => {
                for (index, inner) in items {
                    prefix.push(index.to_string());
                    collect(inner, prefix, out);
                    prefix.pop();
                }
            }
        }
        prefix.pop();
    }
}

/// Field paths follow the GraphQL input names, which are camelCase.
fn to_camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

pub type DomainResult<T> = Result<T, DomainError>;

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate)]
    struct Sample {
        #[validate(length(min = 2, message = "must have at least 2 characters"))]
        display_name: String,
    }

    #[test]
    fn validator_errors_become_camel_case_field_paths() {
        let err = Sample {
            display_name: "x".into(),
        }
        .validate()
        .unwrap_err();
        let err = DomainError::from_validation(&err);
        assert_eq!(err.code(), ErrorCode::Validation);
        assert_eq!(
            err.field_errors(),
            &[FieldError::validation(
                &["displayName"],
                "must have at least 2 characters"
            )]
        );
    }

    #[test]
    fn codes_are_stable_strings() {
        assert_eq!(ErrorCode::AlreadyApplied.as_str(), "ALREADY_APPLIED");
        assert_eq!(DomainError::Forbidden.code().as_str(), "FORBIDDEN");
        assert!(DomainError::conflict(&["slug"], "taken").is_user_error());
        assert!(!DomainError::Unauthenticated.is_user_error());
    }
}
