//! SQL shared by the searches (talent, agencies): statements with numbered placeholders
//! on both back ends, full-text query syntax, and keyset pages over computed keys.

use std::collections::HashMap;

use domain::pagination::{Page, PageRequest};
use domain::{DomainError, DomainResult};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement, Value,
};

use crate::entities::{skill, skill_alias};
use crate::errors::internal;

/// The words free text finds a list of skills by: each skill's name and aliases, in list
/// order (so "golang" finds a profile or agency listing Go). Two statements.
pub(crate) async fn skills_text<C: ConnectionTrait>(
    db: &C,
    ids: &[uuid::Uuid],
) -> DomainResult<String> {
    if ids.is_empty() {
        return Ok(String::new());
    }
    let mut names: HashMap<uuid::Uuid, String> = skill::Entity::find()
        .filter(skill::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut aliases: HashMap<uuid::Uuid, Vec<String>> = HashMap::new();
    for a in skill_alias::Entity::find()
        .filter(skill_alias::Column::SkillId.is_in(ids.to_vec()))
        .order_by_asc(skill_alias::Column::AliasKey)
        .all(db)
        .await
        .map_err(internal)?
    {
        aliases.entry(a.skill_id).or_default().push(a.alias);
    }
    let mut words = Vec::new();
    for id in ids {
        words.extend(names.remove(id));
        words.extend(aliases.remove(id).unwrap_or_default());
    }
    Ok(words.join(" "))
}

/// SQL text with its bound values, in the back end's placeholder style.
pub(crate) struct Sql {
    pub(crate) backend: DbBackend,
    pub(crate) text: String,
    pub(crate) values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Binds a value and returns its placeholder. Placeholders are numbered on both back
    /// ends (`$n`, `?n`), so the text may use them in any order and more than once.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => format!("?{}", self.values.len()),
        }
    }

    pub(crate) fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(crate) fn list<T: Into<Value> + Clone>(&mut self, items: &[T]) -> String {
        items
            .iter()
            .map(|i| self.bind(i.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(crate) fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// The text query in the back end's syntax: every word must match, the last one also
/// as a prefix. Words hold only letters and digits, so nothing in them is syntax.
pub(crate) fn text_query(backend: DbBackend, words: &[String]) -> String {
    let last = words.len().saturating_sub(1);
    let parts = words.iter().enumerate().map(|(i, w)| match backend {
        DbBackend::Postgres if i == last => format!("{w}:*"),
        DbBackend::Postgres => w.clone(),
        _ if i == last => format!("\"{w}\"*"),
        _ => format!("\"{w}\""),
    });
    match backend {
        DbBackend::Postgres => parts.collect::<Vec<_>>().join(" & "),
        _ => parts.collect::<Vec<_>>().join(" "),
    }
}

/// A table searched by full text: on PostgreSQL its own `search_vector` column, on SQLite
/// an FTS5 table whose rowids map to the table's IDs through a key table.
pub(crate) struct FullText {
    /// The searched table and its alias in the statement, e.g. `postings`, `p`.
    pub(crate) table: &'static str,
    pub(crate) alias: &'static str,
    /// SQLite: the FTS5 table, the key table (`rowid` to ID) and its ID column.
    pub(crate) fts: &'static str,
    pub(crate) keys: &'static str,
    pub(crate) key_id: &'static str,
}

impl FullText {
    /// ` FROM ...`: the table alone, or on SQLite with text, reached through the FTS5
    /// table.
    pub(crate) fn from(&self, sql: &mut Sql, has_text: bool) {
        let FullText {
            table,
            alias,
            fts,
            keys,
            key_id,
        } = self;
        if has_text && sql.backend != DbBackend::Postgres {
            sql.push(&format!(
                " FROM {fts} JOIN {keys} k ON k.rowid = {fts}.rowid \
                 JOIN {table} {alias} ON {alias}.id = k.{key_id}"
            ));
        } else {
            sql.push(&format!(" FROM {table} {alias}"));
        }
    }

    /// ` AND <text matches query>` (in [`text_query`] syntax); on PostgreSQL returns the
    /// query's placeholder, for the rank.
    pub(crate) fn matches(&self, sql: &mut Sql, query: String) -> Option<String> {
        let q = sql.bind(query);
        if sql.backend == DbBackend::Postgres {
            sql.push(&format!(
                " AND {}.search_vector @@ to_tsquery('english', {q})",
                self.alias
            ));
            Some(q)
        } else {
            sql.push(&format!(" AND {} MATCH {q}", self.fts));
            None
        }
    }
}

/// ` AND` conditions on a list of skills kept in `table` by `owner_col` for the row
/// `owner` (e.g. `p.id`): every skill of `all`, and at least one of `any`.
pub(crate) fn skill_conditions(
    sql: &mut Sql,
    table: &str,
    owner_col: &str,
    owner: &str,
    all: &[domain::taxonomy::SkillId],
    any: &[domain::taxonomy::SkillId],
) {
    for skill in all {
        let s = sql.bind(skill.0);
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM {table} x WHERE x.{owner_col} = {owner} \
             AND x.skill_id = {s})"
        ));
    }
    if !any.is_empty() {
        let ids: Vec<uuid::Uuid> = any.iter().map(|s| s.0).collect();
        let list = sql.list(&ids);
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM {table} x WHERE x.{owner_col} = {owner} \
             AND x.skill_id IN ({list}))"
        ));
    }
}

/// One key column of an order: its SQL expression, its alias in the result, and whether
/// the order (and the cursor comparison) uses it; an unordered key is only read back
/// into the cursor.
pub(crate) struct Key {
    pub(crate) expr: String,
    pub(crate) alias: &'static str,
    pub(crate) ordered: bool,
}

impl Key {
    /// A key the order uses.
    pub(crate) fn ordered(expr: &str, alias: &'static str) -> Self {
        Self {
            expr: expr.to_owned(),
            alias,
            ordered: true,
        }
    }

    /// A key only read back into the cursor.
    pub(crate) fn fixed(expr: &str, alias: &'static str) -> Self {
        Self {
            expr: expr.to_owned(),
            alias,
            ordered: false,
        }
    }
}

/// One page in key order: `SELECT <id> AS id, <keys> <inner FROM/WHERE>`, after the row
/// whose key values (every key, then the ID) are `after`, at most `limit` rows. The keys
/// are compared as one row value, so the page starts right after the cursor's row.
pub(crate) fn keyset(
    inner: Sql,
    id: &str,
    keys: &[Key],
    descending: bool,
    after: Option<Vec<Value>>,
    limit: u64,
) -> Statement {
    let select: Vec<String> = std::iter::once(format!("{id} AS id"))
        .chain(keys.iter().map(|k| format!("{} AS {}", k.expr, k.alias)))
        .collect();
    let mut sql = Sql {
        backend: inner.backend,
        text: format!(
            "SELECT t.* FROM (SELECT {}{}) t",
            select.join(", "),
            inner.text
        ),
        values: inner.values,
    };
    let columns: Vec<String> = keys
        .iter()
        .filter(|k| k.ordered)
        .map(|k| format!("t.{}", k.alias))
        .chain(std::iter::once("t.id".to_owned()))
        .collect();
    if let Some(after) = after {
        debug_assert_eq!(
            after.len(),
            keys.len() + 1,
            "a cursor value per key, then the ID"
        );
        // The cursor's values of the ordered keys, then the ID.
        let ordered = keys.iter().map(|k| k.ordered).chain(std::iter::once(true));
        let bound: Vec<String> = after
            .into_iter()
            .zip(ordered)
            .filter_map(|(v, o)| o.then_some(v))
            .map(|v| sql.bind(v))
            .collect();
        sql.push(&format!(
            " WHERE ({}) {} ({})",
            columns.join(", "),
            if descending { "<" } else { ">" },
            bound.join(", ")
        ));
    }
    let direction = if descending { "DESC" } else { "ASC" };
    let order_by: Vec<String> = columns.iter().map(|c| format!("{c} {direction}")).collect();
    let limit = sql.bind(i64::try_from(limit).unwrap_or(i64::MAX));
    sql.push(&format!(" ORDER BY {} LIMIT {limit}", order_by.join(", ")));
    sql.statement()
}

/// Runs a page statement built for `page` and reads each row into a hit with `read`
/// (the extra row only says that more follow). A page of 0 runs nothing.
pub(crate) async fn run_page<K, H>(
    db: &sea_orm::DatabaseConnection,
    page: &PageRequest<K>,
    statement: impl FnOnce(DbBackend) -> Statement,
    read: impl Fn(&sea_orm::QueryResult) -> Result<H, sea_orm::DbErr>,
) -> DomainResult<Page<H>> {
    if page.first() == 0 {
        return Ok(Page {
            items: Vec::new(),
            has_next_page: false,
        });
    }
    let rows = db
        .query_all_raw(statement(db.get_database_backend()))
        .await
        .map_err(internal)?;
    let hits = rows
        .iter()
        .map(|row| read(row).map_err(internal))
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(hits, page))
}

/// Runs `SELECT COUNT(*) AS n ...`.
pub(crate) async fn run_count(
    db: &sea_orm::DatabaseConnection,
    statement: Statement,
) -> DomainResult<u64> {
    let row = db
        .query_one_raw(statement)
        .await
        .map_err(internal)?
        .ok_or_else(|| DomainError::internal("COUNT returned no row"))?;
    let n: i64 = row.try_get("", "n").map_err(internal)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_queries_quote_every_word() {
        let words = ["rust".to_owned(), "postgr".to_owned()];
        assert_eq!(text_query(DbBackend::Postgres, &words), "rust & postgr:*");
        assert_eq!(
            text_query(DbBackend::Sqlite, &words),
            "\"rust\" \"postgr\"*"
        );
    }

    #[test]
    fn keyset_pages_compare_ordered_keys_and_number_placeholders() {
        let mut inner = Sql::new(DbBackend::Sqlite);
        let v = inner.bind(true);
        inner.push(&format!(" FROM t0 WHERE flag = {v}"));
        let keys = [Key::fixed("0", "k_fixed"), Key::ordered("t0.n", "k_n")];
        let after = vec![Value::from(0i32), Value::from(7i64), Value::from(9i64)];
        let st = keyset(inner, "t0.id", &keys, false, Some(after), 21);
        assert_eq!(
            st.sql,
            "SELECT t.* FROM (SELECT t0.id AS id, 0 AS k_fixed, t0.n AS k_n FROM t0 WHERE flag = ?1) t \
             WHERE (t.k_n, t.id) > (?2, ?3) ORDER BY t.k_n ASC, t.id ASC LIMIT ?4"
        );
        assert_eq!(st.values.map(|v| v.0.len()), Some(4));
    }
}
