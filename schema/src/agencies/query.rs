use async_graphql::{Context, ID, Object, Result};
use domain::agencies::AgencyId;

use super::loaders::agency_loaders;
use super::types::Agency;
use crate::ids::{NodeKind, decode_kind};
use crate::taxonomy::types::load_error;

#[derive(Default)]
pub struct AgencyQuery;

#[Object]
impl AgencyQuery {
    /// An agency by ID; null when it does not exist or is hidden from you.
    async fn agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency's global ID.")] id: ID,
    ) -> Result<Option<Agency>> {
        let id = AgencyId(decode_kind(&id, NodeKind::Agency)?);
        Ok(agency_loaders(ctx)?
            .agency
            .load_one(id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Agency))
    }
}
