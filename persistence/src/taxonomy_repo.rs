use std::collections::HashMap;

use async_trait::async_trait;
use domain::DomainResult;
use domain::pagination::{Page, PageRequest};
use domain::taxonomy::{
    Category, CategoryId, NewSkill, Skill, SkillFilter, SkillId, SkillSlug, TaxonomyRepository,
};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::{category, skill, skill_alias};
use crate::errors::{internal, map_db_err};

/// The taxonomy repository on SeaORM.
#[derive(Clone)]
pub struct SeaTaxonomyRepository {
    db: sea_orm::DatabaseConnection,
}

impl SeaTaxonomyRepository {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

fn to_category(m: category::Model) -> Category {
    Category {
        id: CategoryId(m.id),
        slug: m.slug,
        name: m.name,
        description: m.description,
        position: m.position,
    }
}

fn to_skill(m: skill::Model) -> Skill {
    Skill {
        id: SkillId(m.id),
        slug: m.slug,
        name: m.name,
        description: m.description,
        category_id: CategoryId(m.category_id),
    }
}

/// `%term%` with LIKE's wildcards in the term escaped, so `_` and `%` match themselves.
fn contains_pattern(term: &str) -> LikeExpr {
    let mut escaped = String::with_capacity(term.len() + 2);
    escaped.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    LikeExpr::new(escaped).escape('\\')
}

fn filter_condition(filter: &SkillFilter) -> Condition {
    let mut cond = Condition::all();
    if let Some(category) = filter.category {
        cond = cond.add(skill::Column::CategoryId.eq(category.0));
    }
    if let Some(term) = &filter.search {
        let aliased = Query::select()
            .column(skill_alias::Column::SkillId)
            .from(skill_alias::Entity)
            .and_where(
                Expr::col(skill_alias::Column::AliasKey).like(contains_pattern(term.as_str())),
            )
            .to_owned();
        cond = cond.add(
            Condition::any()
                .add(skill::Column::NameKey.like(contains_pattern(term.as_str())))
                .add(skill::Column::Slug.like(contains_pattern(term.as_str())))
                .add(skill::Column::Id.in_subquery(aliased)),
        );
    }
    cond
}

#[derive(FromQueryResult)]
struct CategoryCount {
    category_id: uuid::Uuid,
    count: i64,
}

#[async_trait]
impl TaxonomyRepository for SeaTaxonomyRepository {
    async fn list_categories(&self) -> DomainResult<Vec<Category>> {
        let rows = category::Entity::find()
            .order_by_asc(category::Column::Position)
            .order_by_asc(category::Column::Slug)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(to_category).collect())
    }

    async fn categories_by_ids(&self, ids: &[CategoryId]) -> DomainResult<Vec<Category>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = category::Entity::find()
            .filter(category::Column::Id.is_in(ids.iter().map(|id| id.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(to_category).collect())
    }

    async fn category_by_slug(&self, slug: &str) -> DomainResult<Option<Category>> {
        let row = category::Entity::find()
            .filter(category::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(row.map(to_category))
    }

    async fn skill_counts(&self, ids: &[CategoryId]) -> DomainResult<HashMap<CategoryId, u64>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = skill::Entity::find()
            .select_only()
            .column(skill::Column::CategoryId)
            .column_as(skill::Column::Id.count(), "count")
            .filter(skill::Column::CategoryId.is_in(ids.iter().map(|id| id.0)))
            .group_by(skill::Column::CategoryId)
            .into_model::<CategoryCount>()
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    CategoryId(r.category_id),
                    u64::try_from(r.count).unwrap_or(0),
                )
            })
            .collect())
    }

    async fn skill_by_slug(&self, slug: &SkillSlug) -> DomainResult<Option<Skill>> {
        let row = skill::Entity::find()
            .filter(skill::Column::Slug.eq(slug.as_str()))
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(row.map(to_skill))
    }

    async fn skills_by_ids(&self, ids: &[SkillId]) -> DomainResult<Vec<Skill>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = skill::Entity::find()
            .filter(skill::Column::Id.is_in(ids.iter().map(|id| id.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(to_skill).collect())
    }

    async fn skills_by_terms(&self, terms: &[String]) -> DomainResult<HashMap<String, SkillId>> {
        let mut out = HashMap::new();
        if terms.is_empty() {
            return Ok(out);
        }
        let mut terms: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
        terms.sort();
        terms.dedup();
        for row in skill::Entity::find()
            .filter(skill::Column::Slug.is_in(terms.iter().map(String::as_str)))
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            out.insert(row.slug.clone(), SkillId(row.id));
        }
        for row in skill_alias::Entity::find()
            .filter(skill_alias::Column::AliasKey.is_in(terms.iter().map(String::as_str)))
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            out.entry(row.alias_key.clone())
                .or_insert(SkillId(row.skill_id));
        }
        Ok(out)
    }

    async fn skills_by_slugs(&self, slugs: &[SkillSlug]) -> DomainResult<Vec<Skill>> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let rows = skill::Entity::find()
            .filter(skill::Column::Slug.is_in(slugs.iter().map(SkillSlug::as_str)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(to_skill).collect())
    }

    async fn aliases(&self, ids: &[SkillId]) -> DomainResult<HashMap<SkillId, Vec<String>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = skill_alias::Entity::find()
            .filter(skill_alias::Column::SkillId.is_in(ids.iter().map(|id| id.0)))
            .order_by_asc(skill_alias::Column::SkillId)
            .order_by_asc(skill_alias::Column::AliasKey)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let mut out: HashMap<SkillId, Vec<String>> = HashMap::new();
        for row in rows {
            out.entry(SkillId(row.skill_id))
                .or_default()
                .push(row.alias);
        }
        Ok(out)
    }

    async fn search_skills(
        &self,
        filter: &SkillFilter,
        page: &PageRequest<SkillSlug>,
    ) -> DomainResult<Page<Skill>> {
        let mut cond = filter_condition(filter);
        if let Some(after) = page.after() {
            cond = cond.add(skill::Column::Slug.gt(after.as_str()));
        }
        let rows = skill::Entity::find()
            .filter(cond)
            .order_by_asc(skill::Column::Slug)
            .limit(page.fetch_limit())
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(to_skill).collect(),
            page,
        ))
    }

    async fn count_skills(&self, filter: &SkillFilter) -> DomainResult<u64> {
        skill::Entity::find()
            .filter(filter_condition(filter))
            .count(&self.db)
            .await
            .map_err(internal)
    }

    async fn create_skill(&self, new: &NewSkill) -> DomainResult<Skill> {
        const UNIQUE_FIELDS: &[(&str, &str)] = &[
            ("alias_key", "aliases"),
            ("name_key", "name"),
            ("slug", "slug"),
        ];
        let now = chrono::Utc::now();
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let model = skill::ActiveModel {
            id: Set(new.id.0),
            slug: Set(new.slug.as_str().to_owned()),
            name: Set(new.name.clone()),
            name_key: Set(new.name.to_lowercase()),
            description: Set(new.description.clone()),
            category_id: Set(new.category_id.0),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let inserted = skill::Entity::insert(model)
            .exec_with_returning(&txn)
            .await
            .map_err(|e| map_db_err(e, UNIQUE_FIELDS))?;
        if !new.aliases.is_empty() {
            let aliases = new.aliases.iter().map(|alias| skill_alias::ActiveModel {
                skill_id: Set(new.id.0),
                alias_key: Set(alias.to_lowercase()),
                alias: Set(alias.clone()),
            });
            skill_alias::Entity::insert_many(aliases)
                .exec(&txn)
                .await
                .map_err(|e| map_db_err(e, UNIQUE_FIELDS))?;
        }
        txn.commit().await.map_err(internal)?;
        tracing::info!(skill = %inserted.slug, id = %inserted.id, "skill created");
        Ok(to_skill(inserted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::{SKILLS, category_id};
    use crate::testing::{TestDatabase, backends};
    use domain::ErrorCode;

    fn new_skill(slug: &str, name: &str, aliases: &[&str]) -> NewSkill {
        NewSkill {
            id: SkillId(uuid::Uuid::now_v7()),
            slug: SkillSlug::parse(slug).unwrap(),
            name: name.into(),
            category_id: CategoryId(category_id("databases")),
            description: None,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn search(term: &str) -> SkillFilter {
        SkillFilter {
            search: domain::taxonomy::SearchTerm::parse(term).unwrap(),
            category: None,
        }
    }

    async fn all_slugs(
        repo: &SeaTaxonomyRepository,
        filter: &SkillFilter,
        first: i64,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = repo
                .search_skills(
                    filter,
                    &PageRequest::new(Some(first), after.clone()).unwrap(),
                )
                .await
                .unwrap();
            out.extend(page.items.iter().map(|s| s.slug.clone()));
            if !page.has_next_page {
                return out;
            }
            after = Some(SkillSlug::parse(out.last().unwrap()).unwrap());
        }
    }

    #[tokio::test]
    async fn seeded_taxonomy_pages_and_searches() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaTaxonomyRepository::new(&db);
            let all = SkillFilter::default();
            assert_eq!(repo.count_skills(&all).await.unwrap(), SKILLS.len() as u64);

            // Keyset pages of 7 visit every skill exactly once, in order.
            let slugs = all_slugs(&repo, &all, 7).await;
            assert_eq!(slugs.len(), SKILLS.len(), "{backend:?}");
            let mut dedup = slugs.clone();
            dedup.dedup();
            assert_eq!(dedup, slugs);

            // Aliases, names and slugs all match, case-insensitively.
            assert_eq!(all_slugs(&repo, &search("GoLang"), 10).await, vec!["go"]);
            assert!(
                all_slugs(&repo, &search("postgres"), 10)
                    .await
                    .contains(&"postgresql".to_string())
            );
            assert!(
                all_slugs(&repo, &search("k8s"), 10)
                    .await
                    .contains(&"kubernetes".to_string())
            );
            // LIKE wildcards in the term match only themselves.
            assert!(all_slugs(&repo, &search("%"), 10).await.is_empty());
            assert!(all_slugs(&repo, &search("_"), 10).await.is_empty());

            let dbs = CategoryId(category_id("databases"));
            let in_dbs = SkillFilter {
                search: None,
                category: Some(dbs),
            };
            let db_slugs = all_slugs(&repo, &in_dbs, 100).await;
            assert!(
                db_slugs.contains(&"redis".to_string()) && !db_slugs.contains(&"rust".to_string())
            );
            let counts = repo.skill_counts(&[dbs]).await.unwrap();
            assert_eq!(counts[&dbs], db_slugs.len() as u64);

            let go = repo
                .skill_by_slug(&SkillSlug::parse("go").unwrap())
                .await
                .unwrap()
                .unwrap();
            let aliases = repo.aliases(&[go.id]).await.unwrap();
            assert_eq!(aliases[&go.id], vec!["golang".to_string()]);
            assert_eq!(repo.skills_by_ids(&[go.id]).await.unwrap(), vec![go]);

            let cats = repo.list_categories().await.unwrap();
            assert_eq!(
                cats.first().map(|c| c.slug.as_str()),
                Some("backend-development")
            );
            assert_eq!(
                repo.category_by_slug("databases")
                    .await
                    .unwrap()
                    .map(|c| c.id),
                Some(dbs)
            );
        }
    }

    #[tokio::test]
    async fn first_zero_reports_whether_anything_follows() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaTaxonomyRepository::new(&db);
            let page = repo
                .search_skills(&search("golang"), &PageRequest::new(Some(0), None).unwrap())
                .await
                .unwrap();
            assert!(page.items.is_empty() && page.has_next_page);
        }
    }

    #[tokio::test]
    async fn duplicates_are_conflicts_on_the_right_field() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaTaxonomyRepository::new(&db);
            let created = repo
                .create_skill(&new_skill("tidb", "TiDB", &["ti-db"]))
                .await
                .unwrap();
            assert_eq!(created.slug, "tidb");

            for (skill, field) in [
                (new_skill("tidb", "Another", &[]), "slug"),
                (new_skill("tidb-2", "tidb", &[]), "name"),
                (new_skill("tidb-3", "TiDB 3", &["TI-DB"]), "aliases"),
                (new_skill("tidb-4", "TiDB 4", &["golang"]), "aliases"),
            ] {
                let err = repo.create_skill(&skill).await.unwrap_err();
                assert_eq!(err.code(), ErrorCode::Conflict, "{backend:?} {field}");
                assert_eq!(
                    err.field_errors()[0].field,
                    vec![field.to_string()],
                    "{backend:?}"
                );
            }
            // A failed insert leaves nothing half-written.
            assert!(
                repo.skill_by_slug(&SkillSlug::parse("tidb-4").unwrap())
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }

    #[tokio::test]
    async fn concurrent_duplicates_end_with_exactly_one_row() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaTaxonomyRepository::new(&db);
            let attempts = (0..8).map(|i| {
                let repo = repo.clone();
                tokio::spawn(async move {
                    repo.create_skill(&new_skill("duckdb", &format!("DuckDB {i}"), &[]))
                        .await
                })
            });
            let results = futures_util_join(attempts).await;
            let ok = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(ok, 1, "{backend:?}");
            for r in results.iter().filter_map(|r| r.as_ref().err()) {
                assert_eq!(r.code(), ErrorCode::Conflict);
            }
            let filter = search("duckdb");
            assert_eq!(repo.count_skills(&filter).await.unwrap(), 1);
        }
    }

    async fn futures_util_join<T>(
        handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for h in handles.collect::<Vec<_>>() {
            out.push(h.await.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn replicas_migrating_together_apply_each_migration_once() {
        // Replicas share a database server only on PostgreSQL; an SQLite file belongs to
        // one process. Without the advisory lock this fails with "already exists".
        for backend in backends()
            .into_iter()
            .filter(|b| *b == crate::Backend::Postgres)
        {
            let test_db = TestDatabase::create(backend).await;
            let mut runs = Vec::new();
            for _ in 0..3 {
                let mut settings = test_db.settings.clone();
                // One connection is enough: the migrations run on the lock's transaction.
                settings.max_connections = 1;
                runs.push(tokio::spawn(async move {
                    let db = crate::Db::connect(&settings).await.unwrap();
                    db.migrate_up().await
                }));
            }
            for run in runs {
                run.await.unwrap().unwrap();
            }
            let db = crate::Db::connect(&test_db.settings).await.unwrap();
            let repo = SeaTaxonomyRepository::new(&db);
            assert_eq!(
                repo.count_skills(&SkillFilter::default()).await.unwrap(),
                SKILLS.len() as u64
            );
        }
    }

    #[tokio::test]
    async fn migrations_go_down_and_up_again() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let status = db.migration_status().await.unwrap();
            assert!(status.iter().all(|(_, applied)| *applied));
            db.migrate_down(status.len() as u32).await.unwrap();
            assert!(db.migration_status().await.unwrap().iter().all(|(_, a)| !a));
            db.migrate_up().await.unwrap();
            let repo = SeaTaxonomyRepository::new(&db);
            assert_eq!(
                repo.count_skills(&SkillFilter::default()).await.unwrap(),
                SKILLS.len() as u64
            );
        }
    }
}
