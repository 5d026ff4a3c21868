//! The `hireql` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// HireQL: a self-hostable GraphQL backend for a hiring marketplace.
///
/// With no command, `hireql` serves. Settings come from defaults, then the config file,
/// then `HIREQL_*` environment variables (plus `DATABASE_URL` and `REDIS_URL`).
#[derive(Debug, Parser)]
#[command(name = "hireql", version, about, long_about)]
pub struct Cli {
    /// TOML config file (default: ./hireql.toml when it exists).
    #[arg(long, short, global = true, env = "HIREQL_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL over HTTP and WebSocket (the default).
    Serve,
    /// Apply, revert or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL) to standard output.
    PrintSchema,
    /// Generate realistic demo data: freelancer profiles (users, skills, languages, rates,
    /// ratings, agencies) and postings (with their clients, in every state).
    Seed {
        /// How many freelancer profiles to write.
        #[arg(long, default_value_t = 1_000)]
        profiles: u64,
        /// How many postings to write (about 70% public and open).
        #[arg(long, default_value_t = 200)]
        postings: u64,
        /// Random seed: the same seed writes the same kind of data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Time typical operations on the configured database.
    Bench {
        #[command(subcommand)]
        what: BenchTarget,
    },
    /// Run a background job once, now (for a scheduler such as cron, when the servers
    /// run it with its interval setting at 0, e.g. `posting_expiry_interval_secs = 0`).
    Jobs {
        #[command(subcommand)]
        job: Job,
    },
    /// Operator tasks on accounts.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Typical talent searches: p50 / p99 per search, and a check that every plan uses
    /// indexes (fails when one reads a whole table). Seed data first (`hireql seed`).
    Search {
        /// Runs per search.
        #[arg(long, default_value_t = 200)]
        runs: usize,
    },
    /// Typical posting searches and the first page of NEWEST: p50 / p99 per search, and
    /// a check that every plan uses indexes. Seed postings first (`hireql seed`).
    Postings {
        /// Runs per search.
        #[arg(long, default_value_t = 200)]
        runs: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum Job {
    /// Close postings idle for 30 days as EXPIRED and warn clients 5 days before.
    /// Safe to run while servers run it too.
    ExpirePostings,
    /// Notify users of postings published since the last run that match their saved
    /// searches, once per search and posting. Safe to run while servers run it too.
    SavedSearchAlerts,
    /// End offers past their expiry, release milestones whose work was submitted long
    /// enough ago without the client acting, and approve (pay) weeks of hours nobody
    /// reviewed by the Friday after them. Safe to run while servers run it too.
    Contracts,
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Make the user with this email an admin. The user must have signed in once, with
    /// a provider that verified the email.
    Grant {
        /// The user's email address.
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the most recent migrations.
    Down {
        /// How many migrations to revert.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}
