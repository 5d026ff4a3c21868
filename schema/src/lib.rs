//! The HireQL GraphQL schema: object types, inputs, resolvers, DataLoaders, Relay
//! connections and global IDs, and the limits every request is held to. It knows the
//! domain and async-graphql only: no database, no HTTP.

mod accounts;
mod agencies;
#[macro_use]
mod connection;
mod context;
mod contracts;
mod errors;
mod ids;
mod limits;
mod live_session;
mod node;
mod notifications;
mod postings;
mod profiles;
mod proposals;
mod reviews;
mod subscription;
mod taxonomy;

use async_graphql::{MergedObject, Schema, SchemaBuilder};
use domain::Services;

pub use accounts::AuthProviderInfo;
pub use context::RequestContext;
pub use errors::{ApiCode, is_request_error};
pub use limits::Limits;
pub use live_session::LiveSession;

/// All root query fields.
#[derive(MergedObject, Default)]
pub struct Query(PeopleQuery, WorkQuery);

/// Root query fields about people: accounts, profiles, agencies, talent, taxonomy.
/// (The root is merged from groups so that its type stays shallow.)
#[derive(MergedObject, Default)]
pub struct PeopleQuery(
    node::NodeQuery,
    accounts::AccountQuery,
    agencies::query::AgencyQuery,
    agencies::search::AgencySearchQuery,
    profiles::query::ProfileQuery,
    profiles::client::ClientProfileQuery,
    profiles::search::TalentQuery,
    taxonomy::TaxonomyQuery,
);

/// Root query fields about work: postings, proposals, contracts.
#[derive(MergedObject, Default)]
pub struct WorkQuery(
    postings::query::PostingQuery,
    postings::search::PostingSearchQuery,
    proposals::query::ProposalQuery,
    contracts::query::ContractQuery,
    reviews::ReviewQuery,
    reviews::ModerationQuery,
);

/// All root mutation fields.
#[derive(MergedObject, Default)]
pub struct Mutation(PeopleMutation, HiringMutation, WorkMutation);

/// Mutations of accounts, profiles, agencies and the taxonomy.
#[derive(MergedObject, Default)]
pub struct PeopleMutation(
    accounts::AccountMutation,
    agencies::mutation::AgencyMutation,
    notifications::NotificationMutation,
    profiles::mutation::ProfileMutation,
    profiles::portfolio::PortfolioMutation,
    profiles::client::ClientProfileMutation,
    taxonomy::TaxonomyMutation,
);

/// Mutations of postings and proposals.
#[derive(MergedObject, Default)]
pub struct HiringMutation(
    postings::mutation::PostingMutation,
    postings::saved::SavedSearchMutation,
    postings::invitation_mutation::PostingInvitationMutation,
    proposals::mutation::ProposalMutation,
    proposals::pipeline::PipelineMutation,
);

/// Mutations of evaluation, conversations and contracts.
#[derive(MergedObject, Default)]
pub struct WorkMutation(
    proposals::evaluation::EvaluationMutation,
    proposals::messages::ProposalMessageMutation,
    proposals::referrals::ReferralMutation,
    proposals::interviews::InterviewMutation,
    proposals::coding_tasks::CodingTaskMutation,
    contracts::mutation::ContractMutation,
    contracts::hours::HoursMutation,
    contracts::messages::ContractMessageMutation,
    reviews::ReviewMutation,
    reviews::ModerationMutation,
);

pub type Subscription = subscription::Subscription;

/// The executable HireQL schema.
pub type HireqlSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits and extensions but no services: enough to print the SDL.
pub fn schema_builder(limits: &Limits) -> SchemaBuilder<Query, Mutation, Subscription> {
    let builder = Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::Subscription,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(limits.max_recursive_depth)
    .limit_directives(limits.max_directives)
    .extension(limits::LimitsAndCodes::new(limits.max_aliases))
    .extension(live_session::RecheckSession)
    .extension(async_graphql::extensions::Tracing);
    if limits.introspection {
        builder
    } else {
        builder.disable_introspection()
    }
}

/// The schema that serves requests, backed by the domain services, offering these
/// sign-in providers.
pub fn build_schema(
    services: Services,
    limits: &Limits,
    providers: Vec<AuthProviderInfo>,
) -> HireqlSchema {
    schema_builder(limits)
        .data(services)
        .data(accounts::AuthProviders(providers))
        .finish()
}

/// The SDL that `schema/schema.graphql` must equal.
pub fn sdl() -> String {
    schema_builder(&Limits::default()).finish().sdl()
}
