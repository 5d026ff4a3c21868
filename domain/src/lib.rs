//! HireQL domain: value types, life cycles, authorization policies and the services that
//! orchestrate them through ports. This crate knows no database, HTTP or GraphQL library;
//! `persistence` implements its ports and `schema` exposes its services.

pub mod accounts;
pub mod actor;
pub mod agencies;
pub mod contracts;
pub mod error;
pub mod money;
pub mod notifications;
pub mod pagination;
pub mod postings;
pub mod profiles;
pub mod proposals;
pub mod reviews;
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
    pub talent: profiles::TalentSearchService,
    pub agency_search: agencies::AgencySearchService,
    pub agencies: agencies::AgencyService,
    pub postings: postings::PostingService,
    pub posting_invitations: postings::PostingInvitationService,
    pub posting_search: postings::PostingSearchService,
    pub posting_board: postings::PostingBoardService,
    pub saved_searches: postings::SavedSearchService,
    pub proposals: proposals::ProposalService,
    /// Proposals' message threads between their client and freelancer sides.
    pub messages: proposals::MessageService,
    /// Referrals of freelancers to postings.
    pub referrals: proposals::ReferralService,
    /// Proposals' interviews.
    pub interviews: proposals::InterviewService,
    /// Proposals' coding tasks.
    pub coding_tasks: proposals::CodingTaskService,
    pub notifications: notifications::NotificationService,
    /// Offers, contracts, milestones and their money.
    pub contracts: contracts::ContractService,
    /// Reviews after contracts end.
    pub reviews: reviews::ReviewService,
}

/// The adapters the domain runs on (storage, outside services), wired by the api crate.
pub struct Ports {
    pub taxonomy: Arc<dyn taxonomy::TaxonomyRepository>,
    pub users: Arc<dyn accounts::UserRepository>,
    pub sessions: Arc<dyn accounts::SessionRepository>,
    pub sign_ins: Arc<dyn accounts::SignInRepository>,
    pub profiles: Arc<dyn profiles::ProfileRepository>,
    pub clients: Arc<dyn profiles::ClientProfileRepository>,
    /// Full-text talent search over public profiles.
    pub talent: Arc<dyn profiles::TalentIndex>,
    /// Full-text search over visible agencies.
    pub agency_index: Arc<dyn agencies::AgencyIndex>,
    pub agencies: Arc<dyn agencies::AgencyRepository>,
    pub postings: Arc<dyn postings::PostingRepository>,
    /// Invitations to postings (and who is invited to which invite-only posting).
    pub posting_invitations: Arc<dyn postings::PostingInvitationRepository>,
    /// Full-text search over public open postings.
    pub posting_index: Arc<dyn postings::PostingIndex>,
    /// Posting statistics and a client's own postings.
    pub posting_board: Arc<dyn postings::PostingBoardRepository>,
    /// Saved posting searches and their alerts' watermarks.
    pub saved_searches: Arc<dyn postings::SavedSearchRepository>,
    /// Proposals, their histories and the postings' pipelines.
    pub proposals: Arc<dyn proposals::ProposalRepository>,
    /// Postings' evaluators.
    pub evaluators: Arc<dyn proposals::EvaluatorRepository>,
    /// Scorecards of proposals.
    pub scorecards: Arc<dyn proposals::ScorecardRepository>,
    /// Proposals' message threads and their read marks.
    pub messages: Arc<dyn proposals::MessageRepository>,
    /// Referrals of freelancers to postings.
    pub referrals: Arc<dyn proposals::ReferralRepository>,
    /// Proposals' interviews and who interviews when.
    pub interviews: Arc<dyn proposals::InterviewRepository>,
    /// Proposals' coding tasks.
    pub coding_tasks: Arc<dyn proposals::CodingTaskRepository>,
    pub notifications: Arc<dyn notifications::NotificationRepository>,
    /// Offers, contracts, milestones, the ledger and idempotency keys.
    pub contracts: Arc<dyn contracts::ContractRepository>,
    /// Hourly contracts' time entries and weeks.
    pub timesheets: Arc<dyn contracts::TimesheetRepository>,
    /// Reviews after contracts end, reports and moderation.
    pub reviews: Arc<dyn reviews::ReviewRepository>,
    /// Reputations, recomputed from scratch (behind the cache).
    pub reputation: Arc<dyn reviews::ReputationRepository>,
    /// Where money comes in from and goes back to (the sandbox unless configured).
    pub payments: Arc<dyn contracts::PaymentProvider>,
    /// Where public repositories are imported from; `None` turns the import off.
    pub code_host: Option<Arc<dyn profiles::CodeHost>>,
}

impl Services {
    pub fn new(
        ports: Ports,
        session_limits: accounts::SessionLimits,
        contract_settings: contracts::ContractSettings,
    ) -> Self {
        let agencies = agencies::AgencyService::new(
            ports.agencies.clone(),
            ports.profiles.clone(),
            ports.taxonomy.clone(),
        );
        let postings = postings::PostingService::new(
            ports.postings,
            ports.posting_invitations.clone(),
            ports.taxonomy.clone(),
        );
        let messages = proposals::MessageService::new(
            ports.messages,
            ports.proposals.clone(),
            postings.clone(),
            ports.agencies.clone(),
            ports.evaluators.clone(),
        );
        let referrals = proposals::ReferralService::new(
            ports.referrals,
            postings.clone(),
            ports.profiles.clone(),
        );
        let proposals = proposals::ProposalService::new(
            ports.proposals,
            postings.clone(),
            ports.posting_invitations.clone(),
            ports.agencies.clone(),
            (ports.profiles.clone(), ports.reputation.clone()),
            (ports.evaluators, ports.scorecards),
        );
        let interviews = proposals::InterviewService::new(
            ports.interviews,
            proposals.clone(),
            postings.clone(),
            ports.agencies.clone(),
        );
        let contracts = contracts::ContractService::new(
            (ports.contracts, ports.timesheets),
            proposals.clone(),
            postings.clone(),
            ports.agencies.clone(),
            (ports.payments, messages.clone()),
            contract_settings,
        );
        let reviews = reviews::ReviewService::new(
            (ports.reviews, ports.reputation),
            contracts.clone(),
            ports.agencies.clone(),
            contract_settings.review_window,
        );
        let coding_tasks = proposals::CodingTaskService::new(
            ports.coding_tasks,
            proposals.clone(),
            postings.clone(),
            ports.agencies.clone(),
        );
        Self {
            contracts,
            reviews,
            proposals,
            messages,
            referrals,
            interviews,
            coding_tasks,
            clients: profiles::ClientProfileService::new(ports.clients),
            talent: profiles::TalentSearchService::new(ports.talent, ports.taxonomy.clone()),
            agency_search: agencies::AgencySearchService::new(
                ports.agency_index,
                ports.taxonomy.clone(),
            ),
            posting_invitations: postings::PostingInvitationService::new(
                ports.posting_invitations,
                postings.clone(),
                ports.profiles.clone(),
                agencies.clone(),
                ports.agencies,
            ),
            agencies,
            postings,
            posting_board: postings::PostingBoardService::new(ports.posting_board),
            saved_searches: postings::SavedSearchService::new(
                ports.saved_searches,
                postings::PostingSearchService::new(
                    ports.posting_index.clone(),
                    ports.taxonomy.clone(),
                ),
            ),
            posting_search: postings::PostingSearchService::new(
                ports.posting_index,
                ports.taxonomy.clone(),
            ),
            notifications: notifications::NotificationService::new(ports.notifications),
            profiles: profiles::ProfileService::new(
                ports.profiles,
                ports.taxonomy.clone(),
                ports.users.clone(),
                ports.code_host,
            ),
            taxonomy: taxonomy::TaxonomyService::new(ports.taxonomy),
            accounts: accounts::AccountService::new(
                ports.users,
                ports.sessions,
                ports.sign_ins,
                session_limits,
            ),
        }
    }
}
