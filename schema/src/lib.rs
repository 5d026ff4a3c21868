//! The HireQL GraphQL schema: object types, inputs, resolvers, DataLoaders, Relay
//! connections and global IDs, and the limits every request is held to. It knows the
//! domain and async-graphql only: no database, no HTTP.

mod accounts;
mod agencies;
#[macro_use]
mod connection;
mod context;
mod errors;
mod ids;
mod limits;
mod live_session;
mod node;
mod notifications;
mod postings;
mod profiles;
mod proposals;
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
pub struct Query(
    node::NodeQuery,
    accounts::AccountQuery,
    agencies::query::AgencyQuery,
    agencies::search::AgencySearchQuery,
    postings::query::PostingQuery,
    postings::search::PostingSearchQuery,
    profiles::query::ProfileQuery,
    profiles::client::ClientProfileQuery,
    profiles::search::TalentQuery,
    proposals::query::ProposalQuery,
    taxonomy::TaxonomyQuery,
);

/// All root mutation fields.
#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountMutation,
    agencies::mutation::AgencyMutation,
    postings::mutation::PostingMutation,
    postings::saved::SavedSearchMutation,
    notifications::NotificationMutation,
    postings::invitation_mutation::PostingInvitationMutation,
    profiles::mutation::ProfileMutation,
    profiles::portfolio::PortfolioMutation,
    profiles::client::ClientProfileMutation,
    proposals::mutation::ProposalMutation,
    proposals::pipeline::PipelineMutation,
    proposals::evaluation::EvaluationMutation,
    proposals::messages::ProposalMessageMutation,
    proposals::referrals::ReferralMutation,
    proposals::interviews::InterviewMutation,
    proposals::coding_tasks::CodingTaskMutation,
    taxonomy::TaxonomyMutation,
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
