//! Amounts of contract money: positive, in the contract's currency, under a sanity cap.

use crate::error::{DomainError, DomainResult, FieldError};
use crate::money::{Currency, Money};
use crate::profiles::MoneyInput;

/// The largest single amount (a milestone, a bonus, a contract's total), in multiples of
/// the currency's hourly-rate cap: 10,000 of those (about 100 million US dollars). A guard
/// against typos and overflow, not a business rule.
const MAX_AMOUNT_IN_HOURLY_CAPS: i64 = 10_000;

/// The largest amount accepted in `currency`, in minor units.
pub fn max_amount(currency: Currency) -> i64 {
    currency
        .max_hourly_minor()
        .saturating_mul(MAX_AMOUNT_IN_HOURLY_CAPS)
}

fn path(field: &[&str], last: &str) -> Vec<String> {
    let mut p: Vec<String> = field.iter().map(|s| (*s).to_owned()).collect();
    p.push(last.to_owned());
    p
}

fn error(field: &[&str], last: &str, message: String) -> FieldError {
    let p = path(field, last);
    let refs: Vec<&str> = p.iter().map(String::as_str).collect();
    FieldError::validation(&refs, message)
}

/// `input` as an amount of contract money on `field`: a supported currency, the
/// contract's (`expected`, when there is one) and between 1 and [`max_amount`] minor units.
/// Problems are pushed to `errors`; `None` then.
pub fn amount(
    input: &MoneyInput,
    expected: Option<Currency>,
    field: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<Money> {
    let currency = match Currency::parse(&input.currency) {
        Ok(c) => c,
        Err(m) => {
            errors.push(error(field, "currency", m));
            return None;
        }
    };
    if let Some(expected) = expected.filter(|e| *e != currency) {
        errors.push(error(
            field,
            "currency",
            format!(
                "must be {}, the contract's currency, not {}",
                expected.code(),
                currency.code()
            ),
        ));
        return None;
    }
    let max = max_amount(currency);
    if !(1..=max).contains(&input.amount_minor) {
        errors.push(error(
            field,
            "amountMinor",
            format!(
                "must be between 1 and {max} minor units of {}",
                currency.code()
            ),
        ));
        return None;
    }
    Some(Money {
        amount_minor: input.amount_minor,
        currency,
    })
}

/// `Err(VALIDATION)` with every collected problem, or `Ok` when there are none.
pub fn all(errors: Vec<FieldError>) -> DomainResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(amount_minor: i64, currency: &str) -> MoneyInput {
        MoneyInput {
            amount_minor,
            currency: currency.into(),
        }
    }

    #[test]
    fn amounts_are_positive_capped_and_in_the_contracts_currency() {
        let usd = Currency::parse("USD").unwrap();
        let mut errors = Vec::new();
        assert!(amount(&input(1, "USD"), Some(usd), &["a"], &mut errors).is_some());
        assert!(errors.is_empty());
        for (money, field) in [
            (input(0, "USD"), "amountMinor"),
            (input(-5, "USD"), "amountMinor"),
            (input(max_amount(usd) + 1, "USD"), "amountMinor"),
            (input(100, "EUR"), "currency"),
            (input(100, "XXX"), "currency"),
        ] {
            let mut errors = Vec::new();
            assert!(amount(&money, Some(usd), &["bonus", "amount"], &mut errors).is_none());
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, ["bonus", "amount", field]);
        }
        let mut errors = Vec::new();
        assert!(amount(&input(max_amount(usd), "USD"), None, &[], &mut errors).is_some());
    }
}
