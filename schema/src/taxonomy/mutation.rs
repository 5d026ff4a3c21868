use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use domain::taxonomy::{CategoryId, CreateSkill};

use super::types::Skill;
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};

#[derive(Default)]
pub struct TaxonomyMutation;

/// A skill to add to the taxonomy.
#[derive(InputObject)]
pub struct CreateSkillInput {
    /// URL-safe identifier: lowercase letters and digits joined by single hyphens, at most 64 characters.
    pub slug: String,
    /// Display name, 1 to 80 characters, unique regardless of case.
    pub name: String,
    /// Global ID of the category the skill belongs to.
    pub category_id: ID,
    /// Optional longer explanation, at most 2000 characters.
    pub description: Option<String>,
    /// Other names for the skill (at most 20, each at most 64 characters, unique across all skills).
    #[graphql(default)]
    pub aliases: Vec<String>,
}

/// The outcome of `createSkill`.
#[derive(SimpleObject)]
pub struct CreateSkillPayload {
    /// The new skill; null when `userErrors` is not empty.
    pub skill: Option<Skill>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

#[Object]
impl TaxonomyMutation {
    /// Adds a skill to the taxonomy. Admins only.
    async fn create_skill(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The skill to add.")] input: CreateSkillInput,
    ) -> Result<CreateSkillPayload> {
        // An ID that is not a category's becomes a field error, judged by the domain only
        // after it has decided whether the caller may create skills at all.
        let command = CreateSkill {
            slug: input.slug,
            name: input.name,
            category_id: decode_kind(&input.category_id, NodeKind::Category)
                .ok()
                .map(CategoryId),
            description: input.description,
            aliases: input.aliases,
        };
        let result = services(ctx)?
            .taxonomy
            .create_skill(actor(ctx), command)
            .await;
        let (skill, user_errors) = into_payload(ctx, result)?;
        Ok(CreateSkillPayload {
            skill: skill.map(Skill),
            user_errors,
        })
    }
}
