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

/// Whether `err` is a foreign key refusing a write. SQLite reports an `ON DELETE
/// RESTRICT` refusal with the trigger constraint code (1811), which sea-orm does not
/// classify, so its message is read too.
pub(crate) fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    ) || err.to_string().contains("FOREIGN KEY constraint failed")
}

/// Whether `err` is a unique index (or primary key) refusing a duplicate.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
