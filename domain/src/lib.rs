//! HireQL domain: value types, life cycles, authorization policies and the services that
//! orchestrate them through ports. This crate knows no database, HTTP or GraphQL library;
//! `persistence` implements its ports and `schema` exposes its services.

pub mod accounts;
pub mod actor;
pub mod error;
pub mod money;
pub mod pagination;
pub mod profiles;
pub mod taxonomy;
pub mod text;

use std::sync::Arc;

pub use actor::{Actor, PUBLIC_OPERATIONS, Role, UserId};
pub use error::{DomainError, DomainResult, ErrorCode, FieldError};

/// Every domain service, wired once at start-up and shared by all requests.
#[derive(Clone)]
pub struct Services {
    pub taxonomy: taxonomy::TaxonomyService,
    pub accounts: accounts::AccountService,
    pub profiles: profiles::ProfileService,
    pub clients: profiles::ClientProfileService,
}

impl Services {
    pub fn new(
        taxonomy_repo: Arc<dyn taxonomy::TaxonomyRepository>,
        users: Arc<dyn accounts::UserRepository>,
        sessions: Arc<dyn accounts::SessionRepository>,
        sign_ins: Arc<dyn accounts::SignInRepository>,
        profiles: Arc<dyn profiles::ProfileRepository>,
        clients: Arc<dyn profiles::ClientProfileRepository>,
        session_limits: accounts::SessionLimits,
    ) -> Self {
        Self {
            clients: profiles::ClientProfileService::new(clients),
            profiles: profiles::ProfileService::new(profiles, taxonomy_repo.clone()),
            taxonomy: taxonomy::TaxonomyService::new(taxonomy_repo),
            accounts: accounts::AccountService::new(users, sessions, sign_ins, session_limits),
        }
    }
}
