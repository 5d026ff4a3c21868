//! How partial-change inputs become domain changes, shared by every profile mutation:
//! absent keeps, `null` clears (or, where a field cannot be cleared, is reported), and
//! field errors are placed under the nested input object they came from.

use async_graphql::MaybeUndefined;
use domain::DomainError;
use domain::profiles::Change;

/// A clearable field.
pub(crate) fn change<T, U>(value: MaybeUndefined<T>, map: impl FnOnce(T) -> U) -> Change<U> {
    match value {
        MaybeUndefined::Undefined => Change::Keep,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(v) => Change::Set(map(v)),
    }
}

/// A field that cannot be cleared: its value when given; when sent as `null`, its name is
/// noted in `nulls` for the domain to report.
pub(crate) fn kept<T>(
    value: MaybeUndefined<T>,
    name: &'static str,
    nulls: &mut Vec<&'static str>,
) -> Option<T> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => {
            nulls.push(name);
            None
        }
        MaybeUndefined::Value(v) => Some(v),
    }
}

/// Field errors name fields of the nested object (`profile`, `item`, `employment`);
/// prefix them with it, leaving errors on the top-level ID field (`id_field`) alone.
pub(crate) fn nest(err: DomainError, under: &str, id_field: &str) -> DomainError {
    match err {
        DomainError::Validation(errors) => DomainError::Validation(
            errors
                .into_iter()
                .map(|mut f| {
                    if f.field.first().is_some_and(|p| p != id_field) {
                        f.field.insert(0, under.to_owned());
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}
