//! Money: an integer number of minor units and an ISO-4217 currency. Never a float.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};

/// Currencies the marketplace accepts, with their minor-unit exponent (ISO 4217).
const CURRENCIES: &[(&str, u8)] = &[
    ("AUD", 2),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("ILS", 2),
    ("INR", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("MXN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("PLN", 2),
    ("RON", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("TRY", 2),
    ("UAH", 2),
    ("USD", 2),
    ("ZAR", 2),
];

/// An ISO-4217 currency code the marketplace accepts, e.g. `USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(&'static str);

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self, String> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|(c, _)| Currency(c))
            .ok_or_else(|| format!("`{}` is not a supported ISO-4217 currency", code.trim()))
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    /// Digits after the decimal point (2 for USD, 0 for JPY).
    pub fn exponent(self) -> u8 {
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == self.0)
            .map_or(2, |(_, e)| *e)
    }
}

/// An amount of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents for USD; yen for JPY).
    pub amount_minor: i64,
    pub currency: Currency,
}

/// The most an hourly rate may be, in major units (a sanity bound, not a business rule).
const MAX_HOURLY_MAJOR: i64 = 10_000;

impl Money {
    /// An hourly rate: positive and at most 10,000 a hour in major units.
    pub fn hourly_rate(amount_minor: i64, currency: &str, field: &[&str]) -> DomainResult<Self> {
        let currency = Currency::parse(currency).map_err(|m| {
            let mut path = field.to_vec();
            path.push("currency");
            DomainError::validation(&path, m)
        })?;
        let max = MAX_HOURLY_MAJOR * 10_i64.pow(u32::from(currency.exponent()));
        if !(1..=max).contains(&amount_minor) {
            let mut path = field.to_vec();
            path.push("amountMinor");
            return Err(DomainError::validation(
                &path,
                format!(
                    "must be between 1 and {max} minor units of {}",
                    currency.code()
                ),
            ));
        }
        Ok(Self {
            amount_minor,
            currency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_and_hourly_rates() {
        assert_eq!(Currency::parse(" usd ").unwrap().code(), "USD");
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert!(Currency::parse("XXX").is_err());
        assert!(Currency::parse("").is_err());
        let rate = Money::hourly_rate(8_500, "EUR", &["input", "hourlyRate"]).unwrap();
        assert_eq!((rate.amount_minor, rate.currency.code()), (8_500, "EUR"));
        let err = Money::hourly_rate(0, "EUR", &["hourlyRate"]).unwrap_err();
        assert_eq!(err.field_errors()[0].field, ["hourlyRate", "amountMinor"]);
        assert!(
            Money::hourly_rate(1_000_001, "USD", &[]).is_err(),
            "above 10,000.00"
        );
        assert!(Money::hourly_rate(10_000, "JPY", &[]).is_ok(), "10,000 yen");
        assert!(Money::hourly_rate(10_001, "JPY", &[]).is_err());
        let err = Money::hourly_rate(100, "ABC", &["r"]).unwrap_err();
        assert_eq!(err.field_errors()[0].field, ["r", "currency"]);
    }
}
