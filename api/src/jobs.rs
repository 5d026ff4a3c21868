//! Background jobs each server runs on a timer. Every job is safe to run from several
//! servers at once (the domain makes each step a conditional write), so there is no
//! leader election: a job simply runs wherever it is enabled.

use std::time::Duration;

use domain::Services;

/// Runs the posting expiry job every `every`, the first time one period after start.
/// Failures are logged and retried at the next tick; the task ends with the server's
/// runtime.
pub fn spawn_posting_expiry(services: &Services, every: Duration) {
    let postings = services.postings.clone();
    actix_web::rt::spawn(async move {
        let start = tokio::time::Instant::now() + every;
        let mut tick = tokio::time::interval_at(start, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            expire_postings_once(&postings).await.ok();
        }
    });
}

/// Runs the saved-search alert job every `every`, the first time one period after start.
/// Failures are logged and retried at the next tick; the task ends with the server's
/// runtime.
pub fn spawn_saved_search_alerts(services: &Services, every: Duration) {
    let saved = services.saved_searches.clone();
    actix_web::rt::spawn(async move {
        let start = tokio::time::Instant::now() + every;
        let mut tick = tokio::time::interval_at(start, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            saved_search_alerts_once(&saved).await.ok();
        }
    });
}

/// Runs the contract jobs (offer expiry, automatic milestone release, approval of
/// unreviewed weeks) every `every`,
/// the first time one period after start. Failures are logged and retried at the next
/// tick; the task ends with the server's runtime.
pub fn spawn_contract_jobs(services: &Services, every: Duration) {
    let services = services.clone();
    actix_web::rt::spawn(async move {
        let start = tokio::time::Instant::now() + every;
        let mut tick = tokio::time::interval_at(start, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            contract_jobs_once(&services).await.ok();
        }
    });
}

/// What one run of the contract jobs did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractJobsRun {
    /// Offers recorded as expired.
    pub expired: u32,
    /// Milestones released automatically.
    pub released: u32,
    /// Weeks of hourly contracts approved (and paid) automatically.
    pub weeks_approved: u32,
    /// Reviews made public because their review window closed.
    pub reviews_published: usize,
    /// Reputations recomputed because something they count changed.
    pub reputations_recomputed: u32,
}

/// One run of the contract jobs, logged. They run independently: one failing does not
/// stop the others. Reputations go last, to count what the others changed.
pub async fn contract_jobs_once(
    services: &Services,
) -> Result<ContractJobsRun, domain::DomainError> {
    let contracts = &services.contracts;
    let now = chrono::Utc::now();
    let reviews = services.reviews.run_publication(now).await;
    let expiry = contracts.run_offer_expiry(now).await;
    let release = contracts.run_auto_release(now).await;
    let hours = contracts.run_hours_approval(now).await;
    let reputation = services.reviews.run_reputation(now).await;
    let expired = match &expiry {
        Ok(run) => {
            for (offer, error) in &run.failed {
                tracing::warn!(
                    offer = %offer.0,
                    error = %error,
                    "an offer could not be expired; retrying at the next tick"
                );
            }
            run.expired
        }
        Err(e) => {
            tracing::error!(error = %e, "offer expiry failed; retrying at the next tick");
            0
        }
    };
    let released = match &release {
        Ok(run) => {
            for (milestone, error) in &run.failed {
                tracing::warn!(
                    milestone = %milestone.0,
                    error = %error,
                    "a milestone could not be released; retrying at the next tick"
                );
            }
            run.released
        }
        Err(e) => {
            tracing::error!(error = %e, "automatic milestone release failed; retrying at the next tick");
            0
        }
    };
    let weeks_approved = match &hours {
        Ok(run) => {
            for (week, error) in &run.failed {
                tracing::warn!(
                    timesheet = %week.0,
                    error = %error,
                    "a week could not be approved; retrying at the next tick"
                );
            }
            run.approved
        }
        Err(e) => {
            tracing::error!(error = %e, "automatic week approval failed; retrying at the next tick");
            0
        }
    };
    let reviews_published = match &reviews {
        Ok(n) => *n,
        Err(e) => {
            tracing::error!(error = %e, "review publication failed; retrying at the next tick");
            0
        }
    };
    let reputations_recomputed = match &reputation {
        Ok(run) => {
            for (subject, error) in &run.failed {
                tracing::warn!(
                    role = subject.role(),
                    subject = %subject.id(),
                    error = %error,
                    "a reputation could not be recomputed; retrying at the next tick"
                );
            }
            run.recomputed
        }
        Err(e) => {
            tracing::error!(error = %e, "reputation recomputation failed; retrying at the next tick");
            0
        }
    };
    if expired > 0
        || released > 0
        || weeks_approved > 0
        || reviews_published > 0
        || reputations_recomputed > 0
    {
        tracing::info!(
            expired,
            released,
            weeks_approved,
            reviews_published,
            reputations_recomputed,
            "contract jobs"
        );
    }
    expiry?;
    release?;
    hours?;
    reviews?;
    reputation?;
    Ok(ContractJobsRun {
        expired,
        released,
        weeks_approved,
        reviews_published,
        reputations_recomputed,
    })
}

/// One run of the saved-search alert job, logged; what it did.
pub async fn saved_search_alerts_once(
    saved: &domain::postings::SavedSearchService,
) -> Result<domain::postings::AlertRun, domain::DomainError> {
    match saved.run_alerts(chrono::Utc::now()).await {
        Ok(run) => {
            if !run.invalid.is_empty() {
                let ids: Vec<String> = run.invalid.iter().map(|i| i.0.to_string()).collect();
                tracing::warn!(
                    saved_searches = ids.join(","),
                    "saved searches whose filter no longer validates (a skill or category \
                     was removed) match nothing"
                );
            }
            if run.notified > 0 {
                tracing::info!(
                    searches = run.searches,
                    notified = run.notified,
                    behind = run.behind,
                    "saved-search alert job"
                );
            }
            Ok(run)
        }
        Err(e) => {
            tracing::error!(error = %e, "saved-search alert job failed; retrying at the next tick");
            Err(e)
        }
    }
}

/// One run of the posting expiry job, logged; what it did.
pub async fn expire_postings_once(
    postings: &domain::postings::PostingService,
) -> Result<domain::postings::ExpiryRun, domain::DomainError> {
    match postings.run_expiry(chrono::Utc::now()).await {
        Ok(run) => {
            if run.expired > 0 || run.warned > 0 {
                tracing::info!(
                    expired = run.expired,
                    warned = run.warned,
                    "posting expiry job"
                );
            }
            Ok(run)
        }
        Err(e) => {
            tracing::error!(error = %e, "posting expiry job failed; retrying at the next tick");
            Err(e)
        }
    }
}
