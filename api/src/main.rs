// The merged GraphQL root is a deep type: laying out the server's futures needs more than
// the default 128 levels of the compiler's queries.
#![recursion_limit = "256"]

use std::process::ExitCode;

use api::cli::{AdminAction, BenchTarget, Cli, Command, Job, MigrateAction};
use api::{Application, Settings, telemetry};
use clap::Parser;
use persistence::Db;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", schema::sdl());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let _telemetry = match telemetry::init(&settings) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = actix_web::rt::System::new().block_on(run(cli.command, settings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "hireql stopped");
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    command: Option<Command>,
    settings: Settings,
) -> Result<(), Box<dyn std::error::Error>> {
    match command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
            tracing::info!("hireql stopped gracefully");
        }
        Command::Migrate { action } => {
            let db = Db::connect(&settings.db_settings()).await?;
            match action {
                MigrateAction::Up => db.migrate_up().await?,
                MigrateAction::Down { steps } => db.migrate_down(steps).await?,
                MigrateAction::Status => {}
            }
            for (name, applied) in db.migration_status().await? {
                println!("{} {name}", if applied { "applied" } else { "pending" });
            }
        }
        Command::PrintSchema => print!("{}", schema::sdl()),
        Command::Seed {
            profiles,
            postings,
            seed,
        } => api::bench::seed(&settings, profiles, postings, seed).await?,
        Command::Bench {
            what: BenchTarget::Search { runs },
        } => api::bench::search(&settings, runs).await?,
        Command::Bench {
            what: BenchTarget::Postings { runs },
        } => api::bench::postings(&settings, runs).await?,
        Command::Jobs {
            job: Job::ExpirePostings,
        } => {
            let services = Application::services(&settings).await?;
            let run = api::jobs::expire_postings_once(&services.postings).await?;
            println!(
                "expired {} postings; warned {} clients",
                run.expired, run.warned
            );
        }
        Command::Jobs {
            job: Job::SavedSearchAlerts,
        } => {
            let services = Application::services(&settings).await?;
            let run = api::jobs::saved_search_alerts_once(&services.saved_searches).await?;
            println!(
                "checked {} saved searches; wrote {} notifications; {} no longer valid; \
                 {} with more to notify next run",
                run.searches,
                run.notified,
                run.invalid.len(),
                run.behind
            );
        }
        Command::Jobs {
            job: Job::Contracts,
        } => {
            settings
                .payments_allowed()
                .map_err(|(key, message)| api::StartupError::Config { key, message })?;
            let services = Application::services(&settings).await?;
            let run = api::jobs::contract_jobs_once(&services).await?;
            println!(
                "expired {} offers; released {} milestones; approved {} weeks of hours; \
                 published {} reviews; recomputed {} reputations",
                run.expired,
                run.released,
                run.weeks_approved,
                run.reviews_published,
                run.reputations_recomputed
            );
        }
        Command::Admin {
            action: AdminAction::Grant { email },
        } => {
            let services = Application::services(&settings).await?;
            let user = services
                .accounts
                .grant_admin(&domain::Actor::System, &email)
                .await
                .map_err(|e| match e {
                    domain::DomainError::NotFound { .. } => {
                        format!("no user has the verified email {email}; they must sign in first")
                    }
                    other => other.to_string(),
                })?;
            println!("{} ({}) is now an admin", user.display_name, user.id.0);
        }
    }
    Ok(())
}
