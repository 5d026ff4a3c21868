use async_graphql::{Context, Data, Request};
use domain::{Actor, Services};

use crate::taxonomy::loaders::TaxonomyLoaders;

/// Who is asking and under which request id: set by the HTTP layer for every request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub actor: Actor,
    /// The session the request authenticated with, if any.
    pub session: Option<domain::accounts::SessionId>,
    pub request_id: String,
}

impl RequestContext {
    /// Attaches the context and fresh DataLoaders to one request. Loaders live exactly as
    /// long as the request, so their caches never leak data between requests or actors.
    pub fn attach(self, request: Request, services: &Services) -> Request {
        let loaders = TaxonomyLoaders::new(services.clone(), self.actor.clone());
        let profiles =
            crate::profiles::loaders::ProfileLoaders::new(services.clone(), self.actor.clone());
        let agencies =
            crate::agencies::loaders::AgencyLoaders::new(services.clone(), self.actor.clone());
        let postings =
            crate::postings::loaders::PostingLoaders::new(services.clone(), self.actor.clone());
        let proposals =
            crate::proposals::loaders::ProposalLoaders::new(services.clone(), self.actor.clone());
        let threads = crate::proposals::thread_loaders::ThreadLoaders::new(
            services.clone(),
            self.actor.clone(),
        );
        request
            .data(loaders)
            .data(profiles)
            .data(agencies)
            .data(postings)
            .data(proposals)
            .data(threads)
            .data(crate::contracts::loaders::ContractLoaders::new(
                services.clone(),
                self.actor.clone(),
            ))
            .data(
                crate::proposals::assessment_loaders::AssessmentLoaders::new(
                    services.clone(),
                    self.actor.clone(),
                ),
            )
            .data(crate::reviews::loaders::ReviewLoaders::new(
                services.clone(),
                self.actor.clone(),
            ))
            .data(self)
    }

    /// The same for a WebSocket connection: loaders live as long as the connection.
    pub fn into_connection_data(self, services: &Services) -> Data {
        let mut data = Data::default();
        data.insert(TaxonomyLoaders::new(services.clone(), self.actor.clone()));
        data.insert(crate::contracts::loaders::ContractLoaders::new(
            services.clone(),
            self.actor.clone(),
        ));
        data.insert(crate::profiles::loaders::ProfileLoaders::new(
            services.clone(),
            self.actor.clone(),
        ));
        data.insert(crate::agencies::loaders::AgencyLoaders::new(
            services.clone(),
            self.actor.clone(),
        ));
        data.insert(crate::postings::loaders::PostingLoaders::new(
            services.clone(),
            self.actor.clone(),
        ));
        data.insert(crate::proposals::loaders::ProposalLoaders::new(
            services.clone(),
            self.actor.clone(),
        ));
        data.insert(crate::proposals::thread_loaders::ThreadLoaders::new(
            services.clone(),
            self.actor.clone(),
        ));
        data.insert(
            crate::proposals::assessment_loaders::AssessmentLoaders::new(
                services.clone(),
                self.actor.clone(),
            ),
        );
        data.insert(crate::reviews::loaders::ReviewLoaders::new(
            services.clone(),
            self.actor.clone(),
        ));
        data.insert(self);
        data
    }
}

/// The actor of the current request; anonymous when the HTTP layer attached none.
pub(crate) fn actor<'a>(ctx: &'a Context<'_>) -> &'a Actor {
    static ANONYMOUS: Actor = Actor::Anonymous;
    ctx.data_opt::<RequestContext>()
        .map(|c| &c.actor)
        .unwrap_or(&ANONYMOUS)
}

pub(crate) fn request_id(ctx: &Context<'_>) -> Option<String> {
    ctx.data_opt::<RequestContext>()
        .map(|c| c.request_id.clone())
}

/// The domain services. Missing only through a wiring bug, which is `INTERNAL`.
pub(crate) fn services<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Services> {
    data(ctx)
}

/// Data the HTTP layer must attach; its absence is a wiring bug, reported as `INTERNAL`.
pub(crate) fn data<'a, T: Send + Sync + 'static>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<&'a T> {
    ctx.data_opt::<T>().ok_or_else(|| {
        crate::errors::gql_error(
            ctx,
            &domain::DomainError::internal(format!(
                "{} missing from the request context",
                std::any::type_name::<T>()
            )),
        )
    })
}
