use async_graphql::{Context, ID, Object, Result};
use domain::profiles::ProfileId;

use super::types::FreelancerProfile;
use crate::context::{actor, services};
use crate::errors::GqlResultExt;
use crate::ids::{NodeKind, decode_kind};

#[derive(Default)]
pub struct ProfileQuery;

#[Object]
impl ProfileQuery {
    /// A freelancer profile by ID; null when it does not exist or is hidden from you.
    async fn freelancer_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The profile's global ID.")] id: ID,
    ) -> Result<Option<FreelancerProfile>> {
        let id = ProfileId(decode_kind(&id, NodeKind::FreelancerProfile)?);
        let found = services(ctx)?
            .profiles
            .by_ids(actor(ctx), &[id])
            .await
            .gql(ctx)?;
        Ok(found.into_iter().next().map(FreelancerProfile))
    }
}
