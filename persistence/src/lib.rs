//! HireQL persistence: SeaORM entities and migrations (PostgreSQL and SQLite from the same
//! code), the implementations of the domain's ports, and the cache port's Redis and
//! in-process implementations.

mod accounts_repo;
mod agencies_repo;
pub mod agency_search;
pub mod cache;
mod cached_reputation;
mod cached_sessions;
mod cached_taxonomy;
mod client_profiles_repo;
mod coding_tasks_repo;
#[cfg(test)]
mod coding_tasks_repo_tests;
mod contract_rows;
mod contracts_repo;
#[cfg(test)]
mod contracts_repo_tests;
mod db;
pub mod entities;
mod errors;
mod evaluation_repo;
#[cfg(test)]
mod evaluation_repo_tests;
mod interviews_repo;
#[cfg(test)]
mod interviews_repo_tests;
mod ledger_repo;
pub mod migration;
mod notifications_repo;
mod offers_repo;
mod pipeline_assessments;
mod pipelines_repo;
mod portfolio_repo;
pub mod posting_board;
mod posting_invitations_repo;
#[cfg(test)]
mod posting_invitations_repo_tests;
mod posting_lists;
mod posting_relevance;
mod posting_rows;
pub mod posting_search;
mod posting_snapshot;
mod postings_repo;
#[cfg(test)]
pub(crate) mod postings_repo_tests;
mod profiles_repo;
mod proposal_messages_repo;
#[cfg(test)]
mod proposal_messages_repo_tests;
mod proposal_rows;
mod proposals_repo;
#[cfg(test)]
mod proposals_repo_tests;
mod referrals_repo;
#[cfg(test)]
mod referrals_repo_tests;
mod reputation_marks;
mod reputation_repo;
#[cfg(test)]
mod reputation_repo_tests;
mod review_reports;
mod reviews_repo;
#[cfg(test)]
mod reviews_repo_tests;
mod saved_searches_repo;
#[cfg(test)]
mod saved_searches_repo_tests;
mod search_sql;
pub mod seed;
pub mod seed_postings;
mod sign_in_repo;
pub mod talent_search;
mod taxonomy_repo;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod timesheets_repo;
#[cfg(test)]
mod timesheets_repo_tests;

pub use accounts_repo::{SeaSessionRepository, SeaUserRepository};
pub use agencies_repo::SeaAgencyRepository;
pub use agency_search::SeaAgencyIndex;
pub use cached_reputation::CachedReputationRepository;
pub use cached_sessions::CachedSessionRepository;
pub use cached_taxonomy::CachedTaxonomyRepository;
pub use client_profiles_repo::SeaClientProfileRepository;
pub use coding_tasks_repo::SeaCodingTaskRepository;
pub use contracts_repo::SeaContractRepository;
pub use db::{Backend, Db, DbSettings, StatementCounter};
pub use evaluation_repo::SeaEvaluationRepository;
pub use interviews_repo::SeaInterviewRepository;
pub use notifications_repo::SeaNotificationRepository;
pub use posting_board::SeaPostingBoard;
pub use posting_invitations_repo::SeaPostingInvitationRepository;
pub use posting_search::SeaPostingIndex;
pub use postings_repo::SeaPostingRepository;
pub use profiles_repo::SeaProfileRepository;
pub use proposal_messages_repo::SeaMessageRepository;
pub use proposals_repo::SeaProposalRepository;
pub use referrals_repo::SeaReferralRepository;
pub use reputation_repo::SeaReputationRepository;
pub use reviews_repo::SeaReviewRepository;
pub use saved_searches_repo::SeaSavedSearchRepository;
pub use sign_in_repo::SeaSignInRepository;
pub use talent_search::SeaTalentIndex;
pub use taxonomy_repo::SeaTaxonomyRepository;

pub use sea_orm::DbErr;
