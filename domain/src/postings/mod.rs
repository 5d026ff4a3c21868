//! Postings: the roles clients want filled, from draft to closed: the posting's fields
//! and their validation, what publishing needs, the life cycle, search, the board, and
//! invitations (a client asks freelancers and agencies to propose).

mod board;
mod input;
mod invitation_service;
mod invitations;
mod lifecycle;
mod model;
pub mod policy;
mod ports;
mod saved;
#[cfg(test)]
mod saved_tests;
mod search;
mod service;
#[cfg(test)]
mod service_tests;

pub use board::{
    BidStats, PostingBoardRepository, PostingBoardService, PostingStats, ProposalCounts,
};
pub(crate) use input::cap as budget_cap;
pub use input::{
    BudgetInput, BudgetKind, MAX_DEADLINE_DAYS, PostingInput, QuestionInput, RequiredSkillInput,
};
pub use invitation_service::{InvitationInput, PostingInvitationService};
pub use invitations::{
    InvitationEvent as PostingInvitationEvent, InviteWrite, InvitedParty, Invitee,
    MAX_INVITATION_DECLINE_REASON, MAX_INVITATION_MESSAGE, MAX_INVITATIONS_PER_POSTING,
    PostingInvitation, PostingInvitationId, PostingInvitationRepository, PostingInvitationStatus,
    transition as invitation_transition,
};
pub use lifecycle::*;
pub use model::{
    Budget, ExpectedDuration, ExperienceLevel, HireType, MAX_POSITIONS, MAX_QUESTIONS, MAX_SKILLS,
    MIN_DESCRIPTION_TO_PUBLISH, Posting, PostingId, PostingVisibility, QuestionKind, RequiredSkill,
    ScreeningQuestion, WorkLocation, Workplace,
};
pub use ports::{PostingRepository, Revision};
pub use saved::{
    ALERT_BATCH, ALERT_CAP, ALERT_OVERLAP, AlertRun, IDLE_WATERMARK_MOVE, MAX_SAVED_SEARCH_NAME,
    MAX_SAVED_SEARCHES, MIN_ALERT_WINDOW, SavedSearch, SavedSearchName, SavedSearchRepository,
    SavedSearchService,
};
pub use search::{
    BudgetRange, BudgetRangeInput, MAX_POSTED_WITHIN_DAYS, MAX_PROPOSALS_FEWER_THAN, PostingFilter,
    PostingHit, PostingIndex, PostingPage, PostingSearch, PostingSearchService, PostingSort,
    RANKED_MATCHES,
};
pub use service::{EXPIRY_BATCH, ExpiryRun, PostingService};
