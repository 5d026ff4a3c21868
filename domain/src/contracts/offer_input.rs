//! `makeOffer`'s input and its checks.

use chrono::NaiveDate;

use super::model::{MilestonePlan, Terms};
use super::money::amount;
use crate::error::{DomainError, FieldError};
use crate::money::Currency;
use crate::profiles::MoneyInput;
use crate::proposals::ProposalId;

/// At most this many milestones in an offer or a contract.
pub const MAX_MILESTONES: usize = 20;
/// The longest offer title and milestone title.
pub const MAX_TITLE: usize = 200;
/// The longest offer message, milestone description, note or reason.
pub const MAX_NOTE: usize = 5_000;
/// The highest weekly limit: every hour of the week.
pub const MAX_WEEKLY_HOURS: i32 = 168;

/// A milestone as the client writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneInput {
    pub title: String,
    pub description: Option<String>,
    pub amount: MoneyInput,
    pub due_on: Option<NaiveDate>,
}

/// Fixed-price terms: the total and the milestones adding up to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedTermsInput {
    pub total: MoneyInput,
    pub milestones: Vec<MilestoneInput>,
}

/// Hourly terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourlyTermsInput {
    pub rate: MoneyInput,
    pub weekly_limit_hours: i32,
    pub manual_time: bool,
}

/// `makeOffer`'s input: exactly one of `fixed` and `hourly`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferInput {
    /// `None` for an ID that names no proposal.
    pub proposal: Option<ProposalId>,
    pub title: String,
    pub message: Option<String>,
    pub fixed: Option<FixedTermsInput>,
    pub hourly: Option<HourlyTermsInput>,
}

fn text(
    raw: &str,
    max: usize,
    multi: bool,
    field: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let checked = if multi {
        crate::text::multi_line(raw, 1, max)
    } else {
        crate::text::single_line(raw, 1, max)
    };
    checked
        .map_err(|m| errors.push(FieldError::validation(field, m)))
        .ok()
}

/// An optional note (1 to [`MAX_NOTE`] characters when given) on `field`.
pub(super) fn note(raw: Option<&str>, field: &str) -> Result<Option<String>, DomainError> {
    let mut errors = Vec::new();
    let checked = raw.and_then(|r| text(r, MAX_NOTE, true, &[field], &mut errors));
    super::money::all(errors)?;
    Ok(checked)
}

/// A milestone of an offer or a contract at `field`, in `currency`, due no earlier
/// than `today`.
pub(super) fn milestone(
    input: &MilestoneInput,
    currency: Currency,
    today: NaiveDate,
    field: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<MilestonePlan> {
    let at = |last: &'static str| {
        let mut p = field.to_vec();
        p.push(last);
        p
    };
    let title = text(&input.title, MAX_TITLE, false, &at("title"), errors);
    let description = input
        .description
        .as_deref()
        .map(|d| text(d, MAX_NOTE, true, &at("description"), errors));
    let money = amount(&input.amount, Some(currency), &at("amount"), errors);
    if input.due_on.is_some_and(|d| d < today) {
        errors.push(FieldError::validation(
            &at("dueOn"),
            "must not be in the past",
        ));
    }
    Some(MilestonePlan {
        title: title?,
        description: description
            .unwrap_or(Some(String::new()))
            .filter(|d| !d.is_empty()),
        amount: money?,
        due_on: input.due_on,
    })
}

/// The checked title, message, terms and milestones of an offer in `currency` (the
/// proposal's), or every problem at once.
pub fn check(
    input: &OfferInput,
    currency: Currency,
    today: NaiveDate,
) -> Result<(String, Option<String>, Terms, Vec<MilestonePlan>), DomainError> {
    let mut errors = Vec::new();
    let title = text(&input.title, MAX_TITLE, false, &["title"], &mut errors);
    let message = input
        .message
        .as_deref()
        .map(|m| text(m, MAX_NOTE, true, &["message"], &mut errors));
    let (terms, milestones) = match (&input.fixed, &input.hourly) {
        (Some(fixed), None) => {
            let total = amount(
                &fixed.total,
                Some(currency),
                &["fixed", "total"],
                &mut errors,
            );
            if fixed.milestones.is_empty() || fixed.milestones.len() > MAX_MILESTONES {
                errors.push(FieldError::validation(
                    &["fixed", "milestones"],
                    format!("between 1 and {MAX_MILESTONES} milestones"),
                ));
            }
            let plans: Vec<Option<MilestonePlan>> = fixed
                .milestones
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let i = i.to_string();
                    milestone(
                        m,
                        currency,
                        today,
                        &["fixed", "milestones", &i],
                        &mut errors,
                    )
                })
                .collect();
            let plans: Option<Vec<MilestonePlan>> = plans.into_iter().collect();
            if let (Some(total), Some(plans)) = (total, &plans) {
                let sum: i128 = plans
                    .iter()
                    .map(|p| i128::from(p.amount.amount_minor))
                    .sum();
                if !plans.is_empty() && sum != i128::from(total.amount_minor) {
                    errors.push(FieldError::validation(
                        &["fixed", "milestones"],
                        format!(
                            "the milestones add up to {sum} minor units, not the total {}",
                            total.amount_minor
                        ),
                    ));
                }
            }
            (
                total.map(|total| Terms::Fixed { total }),
                plans.unwrap_or_default(),
            )
        }
        (None, Some(hourly)) => {
            let rate = amount(
                &hourly.rate,
                Some(currency),
                &["hourly", "rate"],
                &mut errors,
            );
            let rate = rate.filter(|r| {
                let ok = r.amount_minor <= currency.max_hourly_minor();
                if !ok {
                    errors.push(FieldError::validation(
                        &["hourly", "rate", "amountMinor"],
                        format!(
                            "at most {} minor units of {} an hour",
                            currency.max_hourly_minor(),
                            currency.code()
                        ),
                    ));
                }
                ok
            });
            let limit = u8::try_from(hourly.weekly_limit_hours)
                .ok()
                .filter(|h| (1..=MAX_WEEKLY_HOURS).contains(&i32::from(*h)));
            if limit.is_none() {
                errors.push(FieldError::validation(
                    &["hourly", "weeklyLimitHours"],
                    format!("between 1 and {MAX_WEEKLY_HOURS} hours"),
                ));
            }
            let terms = match (rate, limit) {
                (Some(rate), Some(weekly_limit_hours)) => Some(Terms::Hourly {
                    rate,
                    weekly_limit_hours,
                    manual_time: hourly.manual_time,
                }),
                _ => None,
            };
            (terms, Vec::new())
        }
        _ => {
            errors.push(FieldError::validation(
                &[],
                "give exactly one of `fixed` and `hourly`",
            ));
            (None, Vec::new())
        }
    };
    super::money::all(errors)?;
    match (title, terms) {
        (Some(title), Some(terms)) => Ok((title, message.flatten(), terms, milestones)),
        _ => Err(DomainError::internal("checked offer without its values")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(amount_minor: i64) -> MoneyInput {
        MoneyInput {
            amount_minor,
            currency: "USD".into(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn fixed(total: i64, parts: &[i64]) -> OfferInput {
        OfferInput {
            proposal: None,
            title: "Build the API".into(),
            message: Some("Welcome aboard".into()),
            fixed: Some(FixedTermsInput {
                total: usd(total),
                milestones: parts
                    .iter()
                    .enumerate()
                    .map(|(i, a)| MilestoneInput {
                        title: format!("Part {i}"),
                        description: None,
                        amount: usd(*a),
                        due_on: None,
                    })
                    .collect(),
            }),
            hourly: None,
        }
    }

    fn fields(e: DomainError) -> Vec<String> {
        e.field_errors().iter().map(|f| f.field.join(".")).collect()
    }

    #[test]
    fn fixed_milestones_add_up_to_the_total() {
        let usd_c = Currency::parse("USD").unwrap();
        let (title, message, terms, plans) =
            check(&fixed(3_000, &[1_000, 2_000]), usd_c, today()).unwrap();
        assert_eq!(title, "Build the API");
        assert_eq!(message.as_deref(), Some("Welcome aboard"));
        assert_eq!(terms.kind_key(), "FIXED");
        assert_eq!(plans.len(), 2);
        let e = check(&fixed(3_000, &[1_000, 1_000]), usd_c, today()).unwrap_err();
        assert_eq!(fields(e), ["fixed.milestones"]);
        let e = check(&fixed(0, &[0, -5]), usd_c, today()).unwrap_err();
        assert_eq!(
            fields(e),
            [
                "fixed.total.amountMinor",
                "fixed.milestones.0.amount.amountMinor",
                "fixed.milestones.1.amount.amountMinor"
            ]
        );
        let mut eur = fixed(100, &[100]);
        if let Some(f) = eur.fixed.as_mut() {
            f.milestones[0].amount.currency = "EUR".into();
            f.milestones[0].due_on = Some(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        }
        let e = check(&eur, usd_c, today()).unwrap_err();
        assert_eq!(
            fields(e),
            [
                "fixed.milestones.0.amount.currency",
                "fixed.milestones.0.dueOn"
            ]
        );
        let e = check(&fixed(100, &[]), usd_c, today()).unwrap_err();
        assert_eq!(fields(e), ["fixed.milestones"]);
    }

    #[test]
    fn hourly_terms_and_exactly_one_kind() {
        let usd_c = Currency::parse("USD").unwrap();
        let mut input = fixed(100, &[100]);
        input.hourly = Some(HourlyTermsInput {
            rate: usd(5_000),
            weekly_limit_hours: 40,
            manual_time: true,
        });
        assert_eq!(fields(check(&input, usd_c, today()).unwrap_err()), [""]);
        input.fixed = None;
        let (_, _, terms, plans) = check(&input, usd_c, today()).unwrap();
        assert_eq!(
            terms,
            Terms::Hourly {
                rate: crate::money::Money {
                    amount_minor: 5_000,
                    currency: usd_c
                },
                weekly_limit_hours: 40,
                manual_time: true
            }
        );
        assert!(plans.is_empty());
        for hours in [0, 169, -1, 1_000] {
            if let Some(h) = input.hourly.as_mut() {
                h.weekly_limit_hours = hours;
            }
            assert_eq!(
                fields(check(&input, usd_c, today()).unwrap_err()),
                ["hourly.weeklyLimitHours"]
            );
        }
        input.title = " ".into();
        input.hourly = Some(HourlyTermsInput {
            rate: usd(1_000_001),
            weekly_limit_hours: 10,
            manual_time: false,
        });
        assert_eq!(
            fields(check(&input, usd_c, today()).unwrap_err()),
            ["title", "hourly.rate.amountMinor"]
        );
    }
}
