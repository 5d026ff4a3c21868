use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::ChronoUtc;

use super::seed_data::{CATEGORIES, SKILLS, category_id, skill_id};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let now = ChronoUtc::now();
        let mut categories = Query::insert()
            .into_table("categories")
            .columns([
                "id",
                "slug",
                "name",
                "description",
                "position",
                "created_at",
            ])
            .to_owned();
        for (position, c) in CATEGORIES.iter().enumerate() {
            categories.values_panic([
                category_id(c.slug).into(),
                c.slug.into(),
                c.name.into(),
                c.description.into(),
                (position as i32 + 1).into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(categories).await?;

        let mut skills = Query::insert()
            .into_table("skills")
            .columns([
                "id",
                "slug",
                "name",
                "name_key",
                "description",
                "category_id",
                "created_at",
                "updated_at",
            ])
            .to_owned();
        let mut aliases = Query::insert()
            .into_table("skill_aliases")
            .columns(["skill_id", "alias_key", "alias"])
            .to_owned();
        for s in SKILLS {
            skills.values_panic([
                skill_id(s.slug).into(),
                s.slug.into(),
                s.name.into(),
                s.name.to_lowercase().into(),
                Option::<String>::None.into(),
                category_id(s.category).into(),
                now.into(),
                now.into(),
            ]);
            for alias in s.aliases {
                aliases.values_panic([
                    skill_id(s.slug).into(),
                    alias.to_lowercase().into(),
                    (*alias).into(),
                ]);
            }
        }
        manager.exec_stmt(skills).await?;
        manager.exec_stmt(aliases).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ids: Vec<_> = SKILLS.iter().map(|s| skill_id(s.slug)).collect();
        manager
            .exec_stmt(
                Query::delete()
                    .from_table("skills")
                    .and_where(Expr::col("id").is_in(ids))
                    .to_owned(),
            )
            .await?;
        let ids: Vec<_> = CATEGORIES.iter().map(|c| category_id(c.slug)).collect();
        manager
            .exec_stmt(
                Query::delete()
                    .from_table("categories")
                    .and_where(Expr::col("id").is_in(ids))
                    .to_owned(),
            )
            .await
    }
}
