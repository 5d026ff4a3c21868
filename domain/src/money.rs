//! Money: an integer number of minor units and an ISO-4217 currency. Never a float.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};

/// Currencies the marketplace accepts: ISO 4217 code, minor-unit exponent, and the
/// highest hourly rate accepted in major units (about 10,000 US dollars' worth, rounded;
/// a sanity bound against typos, not a business rule).
const CURRENCIES: &[(&str, u8, i64)] = &[
    ("AUD", 2, 15_000),
    ("BRL", 2, 60_000),
    ("CAD", 2, 15_000),
    ("CHF", 2, 10_000),
    ("CNY", 2, 75_000),
    ("CZK", 2, 250_000),
    ("DKK", 2, 70_000),
    ("EUR", 2, 10_000),
    ("GBP", 2, 10_000),
    ("HKD", 2, 80_000),
    ("HUF", 2, 4_000_000),
    ("ILS", 2, 40_000),
    ("INR", 2, 900_000),
    ("JPY", 0, 1_500_000),
    ("KRW", 0, 15_000_000),
    ("MXN", 2, 200_000),
    ("NOK", 2, 110_000),
    ("NZD", 2, 17_000),
    ("PLN", 2, 40_000),
    ("RON", 2, 50_000),
    ("SEK", 2, 110_000),
    ("SGD", 2, 14_000),
    ("TRY", 2, 400_000),
    ("UAH", 2, 420_000),
    ("USD", 2, 10_000),
    ("ZAR", 2, 190_000),
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
            .find(|(c, _, _)| *c == upper)
            .map(|(c, _, _)| Currency(c))
            .ok_or_else(|| {
                let shown: String = code.trim().chars().take(8).collect();
                format!("`{shown}` is not a supported ISO-4217 currency")
            })
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    /// Digits after the decimal point (2 for USD, 0 for JPY).
    pub fn exponent(self) -> u8 {
        CURRENCIES
            .iter()
            .find(|(c, _, _)| *c == self.0)
            .map_or(2, |(_, e, _)| *e)
    }

    /// The highest hourly rate accepted, in minor units.
    pub fn max_hourly_minor(self) -> i64 {
        let major = CURRENCIES
            .iter()
            .find(|(c, _, _)| *c == self.0)
            .map_or(10_000, |(_, _, m)| *m);
        major * 10_i64.pow(u32::from(self.exponent()))
    }
}

/// An amount of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents for USD; yen for JPY).
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    /// An hourly rate: positive and at most the currency's cap (about 10,000 USD).
    pub fn hourly_rate(amount_minor: i64, currency: &str, field: &[&str]) -> DomainResult<Self> {
        let currency = Currency::parse(currency).map_err(|m| {
            let mut path = field.to_vec();
            path.push("currency");
            DomainError::validation(&path, m)
        })?;
        let max = currency.max_hourly_minor();
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
        assert!(Money::hourly_rate(12_000, "JPY", &[]).is_ok(), "12,000 yen");
        assert!(Money::hourly_rate(50_000, "KRW", &[]).is_ok(), "50,000 won");
        assert!(Money::hourly_rate(1_500_001, "JPY", &[]).is_err());
        assert!(
            Money::hourly_rate(1_000_000, "USD", &[]).is_ok(),
            "exactly the cap"
        );
        let long = Currency::parse(&"X".repeat(300)).unwrap_err();
        assert!(long.len() < 80, "the input is not echoed in full");
        let err = Money::hourly_rate(100, "ABC", &["r"]).unwrap_err();
        assert_eq!(err.field_errors()[0].field, ["r", "currency"]);
    }
}
