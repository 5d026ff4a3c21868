//! The money ledger: double-entry accounts and balanced transactions.
//!
//! Every movement of money is one [`LedgerTransaction`] of two or more entries in one
//! currency whose amounts sum to zero; an entry's amount is what it adds to its account's
//! balance (negative: taken from it). Balances are never stored apart from the entries:
//! they are sums of entries. The accounts:
//!
//! - **Client funding** (one per client and currency) is the client's side of the world
//!   outside: a payment in through the provider takes from it, a refund gives back to it.
//!   Its balance is minus what the client has paid in net, so it is zero or negative.
//! - **Escrow** (one per contract) holds what is funded and not yet released or refunded;
//!   it is never negative (the code checks, and the database refuses an entry that would
//!   take it below zero).
//! - **Earnings** (one per freelancer and currency): what the freelancer has earned, net
//!   of the fee.
//! - **Platform fee** (one per currency): the marketplace's share, a configurable
//!   percentage of every amount a freelancer earns (rounded down, in the freelancer's
//!   favour).
//!
//! So at every moment: money in (minus the funding balances) equals money out (earnings
//! and fees) plus money held (escrow).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{ContractId, MilestoneId};
use crate::actor::UserId;
use crate::error::{DomainError, DomainResult};
use crate::money::{Currency, Money};

/// The namespace of accounts' IDs: an account's ID is a v5 UUID of its key, so the same
/// account always has the same ID and storage can create it on first use without a read.
const ACCOUNT_NAMESPACE: Uuid = Uuid::from_u128(0x6b1d_3c2e_8f4a_4d7b_9e21_0c5f_a3d8_7e64);

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    ClientFunding,
    Escrow,
    Earnings,
    PlatformFee,
}

impl AccountKind {
    pub const ALL: [AccountKind; 4] = [
        AccountKind::ClientFunding,
        AccountKind::Escrow,
        AccountKind::Earnings,
        AccountKind::PlatformFee,
    ];

    /// The stable storage and API key, e.g. `ESCROW`.
    pub fn key(self) -> &'static str {
        match self {
            AccountKind::ClientFunding => "CLIENT_FUNDING",
            AccountKind::Escrow => "ESCROW",
            AccountKind::Earnings => "EARNINGS",
            AccountKind::PlatformFee => "PLATFORM_FEE",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A ledger account: its kind, whose it is (the client, the contract, the freelancer;
/// nobody's for the platform fee) and its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Account {
    pub kind: AccountKind,
    /// The client or freelancer user, or the contract for escrow; `None` for the fee.
    pub owner: Option<Uuid>,
    pub currency: Currency,
}

impl Account {
    pub fn client_funding(client: UserId, currency: Currency) -> Self {
        Self {
            kind: AccountKind::ClientFunding,
            owner: Some(client.0),
            currency,
        }
    }

    pub fn escrow(contract: ContractId, currency: Currency) -> Self {
        Self {
            kind: AccountKind::Escrow,
            owner: Some(contract.0),
            currency,
        }
    }

    pub fn earnings(freelancer: UserId, currency: Currency) -> Self {
        Self {
            kind: AccountKind::Earnings,
            owner: Some(freelancer.0),
            currency,
        }
    }

    pub fn platform_fee(currency: Currency) -> Self {
        Self {
            kind: AccountKind::PlatformFee,
            owner: None,
            currency,
        }
    }

    /// The account's stable key, e.g. `ESCROW:<contract>:USD`.
    pub fn key(&self) -> String {
        let owner = self.owner.map_or_else(|| "-".to_owned(), |o| o.to_string());
        format!("{}:{owner}:{}", self.kind.key(), self.currency.code())
    }

    /// The account's ID: the same for the same key, always.
    pub fn id(&self) -> Uuid {
        Uuid::new_v5(&ACCOUNT_NAMESPACE, self.key().as_bytes())
    }
}

/// One line of a transaction: what it adds to (or, negative, takes from) an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub account: Account,
    pub amount_minor: i64,
}

/// Why money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    /// The client paid a milestone's amount into escrow.
    Fund,
    /// Escrow paid a milestone's amount to the freelancer (less the fee) on approval.
    Release,
    /// Escrow paid it on its own, 14 days after submission without the client acting.
    AutoRelease,
    /// Escrow paid a milestone's amount back to the client.
    Refund,
    /// The client paid the freelancer a bonus (less the fee).
    Bonus,
    /// The client paid for a week's approved hours (less the fee).
    Hours,
}

impl TransactionKind {
    pub const ALL: [TransactionKind; 6] = [
        TransactionKind::Fund,
        TransactionKind::Release,
        TransactionKind::AutoRelease,
        TransactionKind::Refund,
        TransactionKind::Bonus,
        TransactionKind::Hours,
    ];

    /// The stable storage and API key, e.g. `FUND`.
    pub fn key(self) -> &'static str {
        match self {
            TransactionKind::Fund => "FUND",
            TransactionKind::Release => "RELEASE",
            TransactionKind::AutoRelease => "AUTO_RELEASE",
            TransactionKind::Refund => "REFUND",
            TransactionKind::Bonus => "BONUS",
            TransactionKind::Hours => "HOURS",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(pub Uuid);

/// One movement of money: balanced entries in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerTransaction {
    pub id: TransactionId,
    pub kind: TransactionKind,
    pub contract_id: ContractId,
    pub milestone_id: Option<MilestoneId>,
    /// Who made it happen (`None`: the platform, e.g. an automatic release).
    pub actor: Option<UserId>,
    /// The payment provider's reference for money that came in or went back out.
    pub provider_reference: Option<String>,
    pub memo: Option<String>,
    pub entries: Vec<Entry>,
    pub at: DateTime<Utc>,
}

impl LedgerTransaction {
    /// The currency of its entries.
    pub fn currency(&self) -> Option<Currency> {
        self.entries.first().map(|e| e.account.currency)
    }

    /// The sum of its entries' amounts, in `i128` (never overflows); 0 when balanced.
    pub fn sum(&self) -> i128 {
        self.entries
            .iter()
            .map(|e| i128::from(e.amount_minor))
            .sum()
    }

    /// Checks the transaction is well formed: two entries or more, none zero, one
    /// currency, summing to zero. Every constructor here builds only such; storage checks
    /// again before writing.
    pub fn check(&self) -> DomainResult<()> {
        let currency = self.currency();
        let well_formed = self.entries.len() >= 2
            && self.entries.iter().all(|e| e.amount_minor != 0)
            && self
                .entries
                .iter()
                .all(|e| Some(e.account.currency) == currency)
            && self.sum() == 0;
        if well_formed {
            Ok(())
        } else {
            Err(DomainError::internal(format!(
                "unbalanced ledger transaction {:?}",
                self.id
            )))
        }
    }
}

/// The platform's fee: a share of every amount a freelancer earns, in basis points
/// (1,000 = 10%), at most 50%.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeRate {
    basis_points: u32,
}

impl FeeRate {
    pub const MAX_BASIS_POINTS: u32 = 5_000;

    pub fn new(basis_points: u32) -> Result<Self, String> {
        if basis_points > Self::MAX_BASIS_POINTS {
            return Err(format!(
                "the platform fee is at most {} basis points (50%), not {basis_points}",
                Self::MAX_BASIS_POINTS
            ));
        }
        Ok(Self { basis_points })
    }

    pub fn basis_points(self) -> u32 {
        self.basis_points
    }

    /// The fee on `amount_minor`, rounded down.
    pub fn fee_of(self, amount_minor: i64) -> i64 {
        let fee = i128::from(amount_minor) * i128::from(self.basis_points) / 10_000;
        i64::try_from(fee).unwrap_or(0)
    }
}

impl Default for FeeRate {
    fn default() -> Self {
        Self {
            basis_points: 1_000,
        }
    }
}

/// What a transaction is about, besides its entries.
#[derive(Debug, Clone)]
pub struct Movement {
    pub id: TransactionId,
    pub contract_id: ContractId,
    pub milestone_id: Option<MilestoneId>,
    pub actor: Option<UserId>,
    pub provider_reference: Option<String>,
    pub memo: Option<String>,
    pub at: DateTime<Utc>,
}

impl Movement {
    fn with(self, kind: TransactionKind, entries: Vec<Entry>) -> LedgerTransaction {
        LedgerTransaction {
            id: self.id,
            kind,
            contract_id: self.contract_id,
            milestone_id: self.milestone_id,
            actor: self.actor,
            provider_reference: self.provider_reference,
            memo: self.memo,
            entries: entries
                .into_iter()
                .filter(|e| e.amount_minor != 0)
                .collect(),
            at: self.at,
        }
    }

    /// The client pays `amount` into the contract's escrow.
    pub fn fund(self, client: UserId, amount: Money) -> LedgerTransaction {
        let contract = self.contract_id;
        self.with(
            TransactionKind::Fund,
            vec![
                Entry {
                    account: Account::client_funding(client, amount.currency),
                    amount_minor: -amount.amount_minor,
                },
                Entry {
                    account: Account::escrow(contract, amount.currency),
                    amount_minor: amount.amount_minor,
                },
            ],
        )
    }

    /// Escrow pays `amount` to the freelancer, less the fee (`kind`: a release on
    /// approval or an automatic one).
    pub fn release(
        self,
        kind: TransactionKind,
        freelancer: UserId,
        amount: Money,
        fee: FeeRate,
    ) -> LedgerTransaction {
        let contract = self.contract_id;
        let cut = fee.fee_of(amount.amount_minor);
        self.with(
            kind,
            vec![
                Entry {
                    account: Account::escrow(contract, amount.currency),
                    amount_minor: -amount.amount_minor,
                },
                Entry {
                    account: Account::earnings(freelancer, amount.currency),
                    amount_minor: amount.amount_minor - cut,
                },
                Entry {
                    account: Account::platform_fee(amount.currency),
                    amount_minor: cut,
                },
            ],
        )
    }

    /// Escrow pays `amount` back to the client.
    pub fn refund(self, client: UserId, amount: Money) -> LedgerTransaction {
        let contract = self.contract_id;
        self.with(
            TransactionKind::Refund,
            vec![
                Entry {
                    account: Account::escrow(contract, amount.currency),
                    amount_minor: -amount.amount_minor,
                },
                Entry {
                    account: Account::client_funding(client, amount.currency),
                    amount_minor: amount.amount_minor,
                },
            ],
        )
    }

    /// The client pays the freelancer `amount` directly (a bonus, or approved hours),
    /// less the fee.
    pub fn pay(
        self,
        kind: TransactionKind,
        client: UserId,
        freelancer: UserId,
        amount: Money,
        fee: FeeRate,
    ) -> LedgerTransaction {
        let cut = fee.fee_of(amount.amount_minor);
        self.with(
            kind,
            vec![
                Entry {
                    account: Account::client_funding(client, amount.currency),
                    amount_minor: -amount.amount_minor,
                },
                Entry {
                    account: Account::earnings(freelancer, amount.currency),
                    amount_minor: amount.amount_minor - cut,
                },
                Entry {
                    account: Account::platform_fee(amount.currency),
                    amount_minor: cut,
                },
            ],
        )
    }
}

/// An account's balance: the sum of its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub account: Account,
    pub amount_minor: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn movement() -> Movement {
        Movement {
            id: TransactionId(Uuid::now_v7()),
            contract_id: ContractId(Uuid::now_v7()),
            milestone_id: None,
            actor: None,
            provider_reference: None,
            memo: None,
            at: Utc::now(),
        }
    }

    fn usd(amount_minor: i64) -> Money {
        Money {
            amount_minor,
            currency: Currency::parse("USD").unwrap(),
        }
    }

    #[test]
    fn accounts_have_stable_ids_and_keys() {
        let user = UserId(Uuid::from_u128(7));
        let usd = Currency::parse("USD").unwrap();
        let a = Account::earnings(user, usd);
        assert_eq!(a.id(), Account::earnings(user, usd).id());
        assert_ne!(a.id(), Account::client_funding(user, usd).id());
        assert_ne!(
            a.id(),
            Account::earnings(user, Currency::parse("EUR").unwrap()).id()
        );
        assert_eq!(
            Account::platform_fee(usd).key(),
            "PLATFORM_FEE:-:USD".to_owned()
        );
        for kind in AccountKind::ALL {
            assert_eq!(AccountKind::parse(kind.key()), Some(kind));
        }
        for kind in TransactionKind::ALL {
            assert_eq!(TransactionKind::parse(kind.key()), Some(kind));
        }
    }

    #[test]
    fn the_fee_is_rounded_down_and_capped() {
        let fee = FeeRate::new(1_000).unwrap();
        assert_eq!(fee.fee_of(10_000), 1_000);
        assert_eq!(fee.fee_of(9), 0);
        assert_eq!(fee.fee_of(19), 1);
        assert_eq!(FeeRate::new(0).unwrap().fee_of(12_345), 0);
        assert!(FeeRate::new(5_001).is_err());
        assert_eq!(FeeRate::default().basis_points(), 1_000);
    }

    #[test]
    fn a_release_without_a_fee_has_no_zero_entry() {
        let user = UserId(Uuid::from_u128(1));
        let t = movement().release(TransactionKind::Release, user, usd(5), FeeRate::default());
        assert_eq!(t.entries.len(), 2, "5 cents carry no fee: {t:?}");
        t.check().unwrap();
    }

    #[test]
    fn an_unbalanced_transaction_is_refused() {
        let user = UserId(Uuid::from_u128(1));
        let mut t = movement().fund(user, usd(100));
        t.check().unwrap();
        t.entries[1].amount_minor = 99;
        assert!(t.check().is_err());
        t.entries.truncate(1);
        assert!(t.check().is_err());
    }

    proptest! {
        #[test]
        fn every_movement_balances(amount in 1_i64..=1_000_000_000_000, bp in 0_u32..=5_000) {
            let client = UserId(Uuid::from_u128(1));
            let freelancer = UserId(Uuid::from_u128(2));
            let fee = FeeRate::new(bp).unwrap();
            for t in [
                movement().fund(client, usd(amount)),
                movement().release(TransactionKind::Release, freelancer, usd(amount), fee),
                movement().refund(client, usd(amount)),
                movement().pay(TransactionKind::Bonus, client, freelancer, usd(amount), fee),
            ] {
                prop_assert!(t.check().is_ok(), "{t:?}");
                prop_assert!(t.entries.iter().all(|e| e.amount_minor != 0));
            }
        }
    }
}
