//! Schema migrations. One migration per file (`DeriveMigrationName` names it after the
//! file); each runs unchanged on PostgreSQL and SQLite (000018 changes PostgreSQL only).
//! Applied migrations never change: a fix is a new migration.

use sea_orm_migration::prelude::*;

mod m20261129_000001_create_taxonomy;
mod m20261129_000002_seed_taxonomy;
mod m20261129_000003_create_accounts;
mod m20261129_000004_create_sign_ins;
mod m20261129_000005_create_freelancer_profiles;
mod m20261129_000006_create_portfolio;
mod m20261129_000007_create_client_profiles;
mod m20261129_000008_create_agencies;
mod m20261129_000009_talent_search;
mod m20261129_000010_search_rate_order_and_offsets;
mod m20261129_000011_agency_search;
mod m20261129_000012_create_postings;
mod m20261129_000013_posting_search;
mod m20261129_000014_posting_board;
mod m20261129_000015_posting_invitations;
mod m20261129_000016_saved_searches;
mod m20261130_000017_proposal_count;
mod m20261130_000018_proposal_count_per_statement;
mod m20261130_000019_proposals;
mod m20261130_000020_evaluation;
mod m20261130_000021_messages_referrals;
mod m20261130_000022_interviews_coding_tasks;
mod m20261130_000023_contracts;
mod m20261130_000024_timesheets;
mod m20261130_000025_reviews;
mod m20261130_000026_reputation;
mod seed_data;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_taxonomy::Migration),
            Box::new(m20261129_000002_seed_taxonomy::Migration),
            Box::new(m20261129_000003_create_accounts::Migration),
            Box::new(m20261129_000004_create_sign_ins::Migration),
            Box::new(m20261129_000005_create_freelancer_profiles::Migration),
            Box::new(m20261129_000006_create_portfolio::Migration),
            Box::new(m20261129_000007_create_client_profiles::Migration),
            Box::new(m20261129_000008_create_agencies::Migration),
            Box::new(m20261129_000009_talent_search::Migration),
            Box::new(m20261129_000010_search_rate_order_and_offsets::Migration),
            Box::new(m20261129_000011_agency_search::Migration),
            Box::new(m20261129_000012_create_postings::Migration),
            Box::new(m20261129_000013_posting_search::Migration),
            Box::new(m20261129_000014_posting_board::Migration),
            Box::new(m20261129_000015_posting_invitations::Migration),
            Box::new(m20261129_000016_saved_searches::Migration),
            Box::new(m20261130_000017_proposal_count::Migration),
            Box::new(m20261130_000018_proposal_count_per_statement::Migration),
            Box::new(m20261130_000019_proposals::Migration),
            Box::new(m20261130_000020_evaluation::Migration),
            Box::new(m20261130_000021_messages_referrals::Migration),
            Box::new(m20261130_000022_interviews_coding_tasks::Migration),
            Box::new(m20261130_000023_contracts::Migration),
            Box::new(m20261130_000024_timesheets::Migration),
            Box::new(m20261130_000025_reviews::Migration),
            Box::new(m20261130_000026_reputation::Migration),
        ]
    }
}

pub use seed_data::{CATEGORIES, SKILLS, category_id, skill_id};
