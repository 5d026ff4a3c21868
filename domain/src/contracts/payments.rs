//! The payment provider port, and the built-in sandbox provider.
//!
//! Money comes in (a client pays for a milestone, a bonus, a week of hours) and goes back
//! out (a refund) through a provider. Every call carries the caller's idempotency key, so
//! a retry after a failure or a timeout never charges twice: a provider answers the same
//! key with the same payment. The services call the provider before they write, and
//! write the state change and its ledger transaction in one database transaction only
//! when it succeeded; when the write is refused after a successful charge, they void it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::actor::UserId;
use crate::money::Money;

/// Why a provider call did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The provider refused (a declined card, a closed account).
    #[error("the payment was declined: {0}")]
    Declined(String),
    /// The provider did not answer in time: the payment may or may not have happened;
    /// a retry with the same key settles it.
    #[error("the payment provider did not answer in time")]
    Timeout,
}

/// A payment the provider made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The provider's reference, kept with the ledger transaction.
    pub reference: String,
}

#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Takes `amount` from `client`; the same `key` returns the same payment (and is
    /// refused for another amount, or once voided). Keeping keys apart is the callers'
    /// business: the services scope them by user and operation.
    async fn charge(
        &self,
        key: &str,
        client: UserId,
        amount: Money,
    ) -> Result<Payment, PaymentError>;
    /// Gives `amount` back to `client`; the same `key` returns the same payment.
    async fn refund(
        &self,
        key: &str,
        client: UserId,
        amount: Money,
    ) -> Result<Payment, PaymentError>;
    /// Cancels the charge or refund made with `key` (nothing happens when there was
    /// none).
    async fn void(&self, key: &str) -> Result<(), PaymentError>;
}

/// What the sandbox does with its next calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxFailure {
    /// Refuses without charging.
    Decline,
    /// Charges, then reports a timeout (the worst case: the money moved, the caller does
    /// not know).
    TimeoutAfterCharging,
    /// Reports a timeout without charging.
    TimeoutBeforeCharging,
}

#[derive(Debug, Default)]
struct SandboxState {
    /// Payments by key: (reference, amount, voided).
    payments: HashMap<String, (String, Money, bool)>,
    failures: Vec<SandboxFailure>,
    calls: u64,
}

/// The built-in provider: moves no real money, remembers payments by key, and can be
/// told to fail its next calls (for tests and demos). Clones share their state.
#[derive(Debug, Clone, Default)]
pub struct SandboxProvider {
    state: Arc<Mutex<SandboxState>>,
}

impl SandboxProvider {
    fn with<T>(&self, f: impl FnOnce(&mut SandboxState) -> T) -> T {
        let mut state = match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut state)
    }

    /// The next calls fail in these ways, in order.
    pub fn fail_next(&self, failures: &[SandboxFailure]) {
        self.with(|s| s.failures.extend_from_slice(failures));
    }

    /// Payments made and not voided: (key, amount).
    pub fn payments(&self) -> Vec<(String, Money)> {
        self.with(|s| {
            let mut out: Vec<_> = s
                .payments
                .iter()
                .filter(|(_, (_, _, voided))| !voided)
                .map(|(k, (_, m, _))| (k.clone(), *m))
                .collect();
            out.sort_by(|a, b| a.0.cmp(&b.0));
            out
        })
    }

    /// How many calls it answered (failures included).
    pub fn calls(&self) -> u64 {
        self.with(|s| s.calls)
    }

    fn pay(&self, kind: &str, key: &str, amount: Money) -> Result<Payment, PaymentError> {
        self.with(|s| {
            s.calls += 1;
            let failure = if s.failures.is_empty() {
                None
            } else {
                Some(s.failures.remove(0))
            };
            if matches!(
                failure,
                Some(SandboxFailure::Decline | SandboxFailure::TimeoutBeforeCharging)
            ) {
                return Err(match failure {
                    Some(SandboxFailure::Decline) => {
                        PaymentError::Declined("the sandbox was told to decline".into())
                    }
                    _ => PaymentError::Timeout,
                });
            }
            let scoped = format!("{kind}:{key}");
            let entry = s.payments.entry(scoped).or_insert_with(|| {
                (
                    format!("sandbox_{kind}_{}", uuid::Uuid::now_v7()),
                    amount,
                    false,
                )
            });
            if entry.1 != amount {
                return Err(PaymentError::Declined(
                    "this key was used for another amount".into(),
                ));
            }
            if entry.2 {
                return Err(PaymentError::Declined(
                    "the payment made with this key was voided; use a new key".into(),
                ));
            }
            let reference = entry.0.clone();
            if failure == Some(SandboxFailure::TimeoutAfterCharging) {
                return Err(PaymentError::Timeout);
            }
            Ok(Payment { reference })
        })
    }
}

#[async_trait]
impl PaymentProvider for SandboxProvider {
    async fn charge(
        &self,
        key: &str,
        _client: UserId,
        amount: Money,
    ) -> Result<Payment, PaymentError> {
        self.pay("charge", key, amount)
    }

    async fn refund(
        &self,
        key: &str,
        _client: UserId,
        amount: Money,
    ) -> Result<Payment, PaymentError> {
        self.pay("refund", key, amount)
    }

    async fn void(&self, key: &str) -> Result<(), PaymentError> {
        self.with(|s| {
            s.calls += 1;
            for kind in ["charge", "refund"] {
                if let Some(p) = s.payments.get_mut(&format!("{kind}:{key}")) {
                    p.2 = true;
                }
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(amount_minor: i64) -> Money {
        Money {
            amount_minor,
            currency: Currency::parse("USD").unwrap(),
        }
    }

    #[tokio::test]
    async fn the_sandbox_charges_once_per_key_and_fails_when_told() {
        let sandbox = SandboxProvider::default();
        let client = UserId(uuid::Uuid::nil());
        let a = sandbox.charge("k1", client, usd(100)).await.unwrap();
        let again = sandbox.charge("k1", client, usd(100)).await.unwrap();
        assert_eq!(a, again, "the same key is the same payment");
        sandbox.fail_next(&[
            SandboxFailure::Decline,
            SandboxFailure::TimeoutAfterCharging,
        ]);
        assert!(matches!(
            sandbox.charge("k2", client, usd(5)).await,
            Err(PaymentError::Declined(_))
        ));
        assert_eq!(sandbox.payments().len(), 1, "a decline charges nothing");
        assert_eq!(
            sandbox.charge("k2", client, usd(5)).await,
            Err(PaymentError::Timeout)
        );
        assert_eq!(sandbox.payments().len(), 2, "charged before timing out");
        let settled = sandbox.charge("k2", client, usd(5)).await.unwrap();
        assert_eq!(
            sandbox.payments().len(),
            2,
            "the retry found the same payment"
        );
        assert!(settled.reference.starts_with("sandbox_charge_"));
        sandbox.void("k2").await.unwrap();
        assert_eq!(sandbox.payments(), vec![("charge:k1".into(), usd(100))]);
        assert!(
            matches!(
                sandbox.charge("k2", client, usd(5)).await,
                Err(PaymentError::Declined(_))
            ),
            "a voided payment does not come back"
        );
        assert!(
            matches!(
                sandbox.charge("k1", client, usd(101)).await,
                Err(PaymentError::Declined(_))
            ),
            "a key names one amount"
        );
        assert_eq!(sandbox.calls(), 8);
    }
}
