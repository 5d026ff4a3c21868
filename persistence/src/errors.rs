use domain::DomainError;
use sea_orm::{DbErr, SqlErr};

/// Maps a database error to the domain's error. A unique-index violation is the database
/// having the last word on a duplicate: it becomes a `Conflict` on the field that the
/// index guards (`fields` pairs a fragment of the index or column name with that field).
pub(crate) fn map_db_err(err: DbErr, fields: &[(&str, &str)]) -> DomainError {
    if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
        if let Some((_, field)) = fields.iter().find(|(needle, _)| message.contains(needle)) {
            return DomainError::conflict(&[field], "is already taken");
        }
        return DomainError::conflict(&[], "already exists");
    }
    DomainError::internal(err)
}

pub(crate) fn internal(err: DbErr) -> DomainError {
    DomainError::internal(err)
}
