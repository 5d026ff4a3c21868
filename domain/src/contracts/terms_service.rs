//! Changing an hourly contract's terms: its rate and its weekly limit. The rate changes at
//! once. A higher weekly limit applies at once; a lower one from next Monday (UTC), so a
//! week's hours are never cut under what was logged under the old limit. Every change is
//! in the contract's history (TERMS_CHANGED, saying what changed).

use chrono::{Datelike, Days, NaiveDate, Utc};

use super::lifecycle::ContractStatus;
use super::model::{Contract, ContractChange, ContractChangeKind, ContractId, Terms};
use super::money::{all, amount};
use super::offer_input::MAX_WEEKLY_HOURS;
use super::ports::ContractWrite;
use super::service::{ContractService, RETRIES, busy, must_be};
use crate::actor::Actor;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::money::Money;
use crate::profiles::MoneyInput;
use crate::proposals::access::Side;

/// `changeContractTerms`'s input: what changes (`None`: unchanged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsChange {
    pub hourly_rate: Option<MoneyInput>,
    pub weekly_limit_hours: Option<i32>,
}

/// The Monday (UTC) that starts the week of `day` (the first day there is, for a day
/// of the first week the calendar holds).
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
        .unwrap_or(NaiveDate::MIN)
}

/// The Monday after the week of `day` (the last day there is, past the calendar's end).
pub fn next_week(day: NaiveDate) -> NaiveDate {
    week_start(day)
        .checked_add_days(Days::new(7))
        .unwrap_or(NaiveDate::MAX)
}

impl Contract {
    /// An hourly contract's weekly limit in the week of `day`: the pending lower limit
    /// from its Monday on, the terms' limit before. `None` for a fixed-price contract.
    pub fn weekly_limit_on(&self, day: NaiveDate) -> Option<u8> {
        let Terms::Hourly {
            weekly_limit_hours, ..
        } = self.terms
        else {
            return None;
        };
        Some(match self.next_weekly_limit {
            Some((hours, from)) if week_start(day) >= from => hours,
            _ => weekly_limit_hours,
        })
    }

    /// The contract with a pending limit that is due by `day` made its terms' limit.
    fn settled_on(mut self, day: NaiveDate) -> Self {
        if let (
            Some(limit),
            Terms::Hourly {
                rate, manual_time, ..
            },
        ) = (self.weekly_limit_on(day), self.terms.clone())
            && self
                .next_weekly_limit
                .is_some_and(|(_, from)| week_start(day) >= from)
        {
            self.terms = Terms::Hourly {
                rate,
                weekly_limit_hours: limit,
                manual_time,
            };
            self.next_weekly_limit = None;
        }
        self
    }
}

fn show(m: Money) -> String {
    let exp = u32::from(m.currency.exponent());
    let unit = 10_i64.pow(exp);
    if exp == 0 {
        format!("{} {}", m.amount_minor, m.currency.code())
    } else {
        format!(
            "{}.{:0width$} {}",
            m.amount_minor / unit,
            m.amount_minor % unit,
            m.currency.code(),
            width = exp as usize
        )
    }
}

impl ContractService {
    /// The client changes an hourly contract's rate and/or weekly limit (1 to 168
    /// hours), in the contract's currency, while it is active or paused. A lower limit
    /// waits for next Monday; a higher one, or the rate, applies at once.
    pub async fn change_terms(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        input: &TermsChange,
    ) -> DomainResult<Contract> {
        for _ in 0..RETRIES {
            let (stored, side) = self.contract_for(actor, id).await?;
            must_be(side, Side::Client)?;
            let today = Utc::now().date_naive();
            let expected = stored.version;
            let before = stored.settled_on(today);
            let Terms::Hourly {
                rate,
                weekly_limit_hours,
                manual_time,
            } = before.terms.clone()
            else {
                return Err(DomainError::invalid_state_at(
                    &["contractId"],
                    "a fixed-price contract has no hourly terms",
                ));
            };
            if before.status == ContractStatus::Ended {
                return Err(DomainError::invalid_state_at(
                    &["contractId"],
                    "the contract has ended",
                ));
            }
            let mut errors = Vec::new();
            if input.hourly_rate.is_none() && input.weekly_limit_hours.is_none() {
                errors.push(FieldError::validation(
                    &[],
                    "give `hourlyRate`, `weeklyLimitHours` or both",
                ));
            }
            let currency = rate.currency;
            let new_rate = input.hourly_rate.as_ref().and_then(|r| {
                let checked = amount(r, Some(currency), &["hourlyRate"], &mut errors)?;
                if checked.amount_minor > currency.max_hourly_minor() {
                    errors.push(FieldError::validation(
                        &["hourlyRate", "amountMinor"],
                        format!(
                            "at most {} minor units of {} an hour",
                            currency.max_hourly_minor(),
                            currency.code()
                        ),
                    ));
                    return None;
                }
                Some(checked)
            });
            let new_limit = input.weekly_limit_hours.and_then(|h| {
                let ok = u8::try_from(h)
                    .ok()
                    .filter(|h| (1..=MAX_WEEKLY_HOURS).contains(&i32::from(*h)));
                if ok.is_none() {
                    errors.push(FieldError::validation(
                        &["weeklyLimitHours"],
                        format!("between 1 and {MAX_WEEKLY_HOURS} hours"),
                    ));
                }
                ok
            });
            all(errors)?;
            let mut said = Vec::new();
            let rate_now = new_rate.unwrap_or(rate);
            if rate_now != rate {
                said.push(format!("hourly rate {} → {}", show(rate), show(rate_now)));
            }
            let waiting = before.next_weekly_limit;
            let (limit_now, pending) = match new_limit {
                Some(h) if h < weekly_limit_hours => {
                    let from = next_week(today);
                    if waiting != Some((h, from)) {
                        if let Some((p, pf)) = waiting {
                            said.push(format!("the weekly limit of {p} hours from {pf} replaced"));
                        }
                        said.push(format!(
                            "weekly limit {weekly_limit_hours} → {h} hours from {from}"
                        ));
                    }
                    (weekly_limit_hours, Some((h, from)))
                }
                Some(h) => {
                    if h != weekly_limit_hours {
                        said.push(format!("weekly limit {weekly_limit_hours} → {h} hours"));
                    }
                    if let Some((p, pf)) = waiting {
                        said.push(format!("the weekly limit of {p} hours from {pf} cancelled"));
                    }
                    (h, None)
                }
                None => (weekly_limit_hours, waiting),
            };
            if said.is_empty() {
                return Ok(before);
            }
            let now = Utc::now();
            let after = Contract {
                terms: Terms::Hourly {
                    rate: rate_now,
                    weekly_limit_hours: limit_now,
                    manual_time,
                },
                next_weekly_limit: pending,
                updated_at: now,
                ..before.clone()
            };
            let change = ContractChange {
                contract_id: after.id,
                at: now,
                actor: actor.user_id(),
                kind: ContractChangeKind::TermsChanged,
                status: after.status,
                detail: Some(said.join("; ")),
            };
            match self.repo.save_contract(&after, expected, &change).await? {
                ContractWrite::Written(saved) => return Ok(*saved),
                ContractWrite::Stale => {}
                ContractWrite::MoneyHeld(_) => {
                    return Err(DomainError::internal("a terms change ended a contract"));
                }
            }
        }
        Err(busy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use uuid::Uuid;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-30 is a Monday.
        assert_eq!(week_start(day(2026, 11, 30)), day(2026, 11, 30));
        assert_eq!(week_start(day(2026, 12, 6)), day(2026, 11, 30));
        assert_eq!(week_start(day(2026, 12, 7)), day(2026, 12, 7));
        assert_eq!(next_week(day(2026, 12, 6)), day(2026, 12, 7));
        assert_eq!(next_week(day(2026, 11, 30)), day(2026, 12, 7));
    }

    #[test]
    fn a_pending_lower_limit_applies_from_its_monday() {
        let usd = Currency::parse("USD").unwrap();
        let now = Utc::now();
        let contract = Contract {
            id: ContractId(Uuid::nil()),
            offer_id: super::super::model::OfferId(Uuid::nil()),
            proposal_id: crate::proposals::ProposalId(Uuid::nil()),
            posting_id: crate::postings::PostingId(Uuid::nil()),
            client_id: crate::actor::UserId(Uuid::nil()),
            freelancer_id: crate::actor::UserId(Uuid::nil()),
            agency_id: None,
            title: "t".into(),
            terms: Terms::Hourly {
                rate: Money {
                    amount_minor: 5_000,
                    currency: usd,
                },
                weekly_limit_hours: 40,
                manual_time: true,
            },
            next_weekly_limit: Some((20, day(2026, 12, 7))),
            status: ContractStatus::Active,
            end_reason: None,
            ended_by: None,
            version: 1,
            started_at: now,
            updated_at: now,
            ended_at: None,
        };
        assert_eq!(contract.weekly_limit_on(day(2026, 12, 6)), Some(40));
        assert_eq!(contract.weekly_limit_on(day(2026, 12, 7)), Some(20));
        assert_eq!(contract.weekly_limit_on(day(2027, 1, 1)), Some(20));
        let settled = contract.clone().settled_on(day(2026, 12, 8));
        assert_eq!(settled.next_weekly_limit, None);
        assert_eq!(settled.weekly_limit_on(day(2026, 12, 8)), Some(20));
        assert_eq!(contract.clone().settled_on(day(2026, 12, 1)), contract);
        assert_eq!(
            show(Money {
                amount_minor: 12_345,
                currency: usd
            }),
            "123.45 USD"
        );
    }
}
