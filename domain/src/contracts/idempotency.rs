//! Idempotency keys of money mutations.
//!
//! Every mutation that moves money (fund, approve, refund, bonus, approve a week of hours)
//! takes a key chosen by
//! the caller (a UUID is a good one). Keys belong to the user who sent them. The first
//! request with a key is carried out and remembered with a fingerprint of its input and
//! what it produced; a later request with the same key and the same input returns that
//! first result without moving money again; the same key with other input (or another
//! operation) is `CONFLICT` on `idempotencyKey`. Keys are kept at least
//! [`KEY_RETENTION_HOURS`] (storage may drop older ones).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ledger::TransactionId;
use crate::actor::UserId;
use crate::error::{DomainError, DomainResult};

/// How long a key is remembered, at least.
pub const KEY_RETENTION_HOURS: i64 = 24 * 30;

/// A caller's idempotency key: 8 to 100 characters of letters, digits, `-`, `_`, `:`
/// and `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> DomainResult<Self> {
        let ok = (8..=100).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::validation(
                &["idempotencyKey"],
                "must be 8 to 100 letters, digits, `-`, `_`, `:` or `.` (a UUID is a good key)",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A money mutation, as its key remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub user_id: UserId,
    pub key: IdempotencyKey,
    /// The operation and its input, canonically written: equal for equal requests.
    pub fingerprint: String,
    /// What the operation acted on (the milestone, the contract for a bonus, the week
    /// for an approval of hours).
    pub target: Uuid,
    /// The money it moved.
    pub transaction_id: TransactionId,
    pub created_at: DateTime<Utc>,
}

/// The canonical fingerprint of an operation's input: its name and its fields.
pub fn fingerprint(operation: &str, fields: &[&str]) -> String {
    let mut out = operation.to_owned();
    for f in fields {
        out.push('\u{1f}');
        out.push_str(f);
    }
    out
}

/// A remembered record for `fingerprint`: its first result, or `CONFLICT` when the
/// key was used for something else.
pub fn replay(record: &KeyRecord, fingerprint: &str) -> DomainResult<()> {
    if record.fingerprint == fingerprint {
        Ok(())
    } else {
        Err(DomainError::conflict(
            &["idempotencyKey"],
            "this key was already used for a different request; use a new key",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_and_bounded() {
        assert!(IdempotencyKey::parse("0b7e3c1e-4a7f-4b8e-9d3c-2a1f0e9d8c7b").is_ok());
        assert!(IdempotencyKey::parse("fund:m1:try1").is_ok());
        for bad in [
            "short",
            "",
            "has space in it",
            &"x".repeat(101),
            "ünicode-key",
        ] {
            let e = IdempotencyKey::parse(bad).unwrap_err();
            assert_eq!(e.field_errors()[0].field, ["idempotencyKey"], "{bad}");
        }
    }

    #[test]
    fn a_key_replays_its_own_input_only() {
        let record = KeyRecord {
            user_id: UserId(Uuid::nil()),
            key: IdempotencyKey::parse("key-12345").unwrap(),
            fingerprint: fingerprint("fund", &["m1"]),
            target: Uuid::nil(),
            transaction_id: TransactionId(Uuid::nil()),
            created_at: Utc::now(),
        };
        assert!(replay(&record, &fingerprint("fund", &["m1"])).is_ok());
        let e = replay(&record, &fingerprint("fund", &["m2"])).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Conflict);
        assert!(replay(&record, &fingerprint("approve", &["m1"])).is_err());
        assert_ne!(fingerprint("a", &["b", "c"]), fingerprint("a", &["bc"]));
    }
}
