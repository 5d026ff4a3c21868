//! Freelancer profiles: what clients read before hiring.

mod client;
mod client_service;
pub(crate) mod codes;
mod github;
pub(crate) mod input;
mod model;
pub(crate) mod policy;
mod portfolio;
mod ports;
mod search;
pub(crate) mod service;

pub use client::{ClientProfile, ClientProfileId, ClientProfileInput, ClientStats, CompanySize};
pub use client_service::ClientProfileService;
pub use github::{CodeHost, PublicRepo, skill_terms};
pub use input::{
    Change, ExternalProfileInput, LanguageInput, MoneyInput, ProfileInput, SkillInput,
};
pub use model::{
    Availability, ExternalProfile, ExternalSite, FreelancerProfile, LanguageLevel, Location,
    ProfileId, ProfileSkill, SpokenLanguage, Visibility,
};
pub use portfolio::{
    Employment, EmploymentId, EmploymentInput, PortfolioItem, PortfolioItemId, PortfolioItemInput,
};
pub use ports::{ClientProfileRepository, ProfileRepository};
pub(crate) use search::page_request;
pub use search::{
    LanguageRequirement, LanguageRequirementInput, RateRange, ResultOrder, SearchWords,
    TalentCursor, TalentFilter, TalentHit, TalentIndex, TalentPage, TalentSearch,
    TalentSearchError, TalentSearchService, TalentSort, fingerprint, fingerprint_of,
};
pub use service::ProfileService;
