use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, TransactionTrait,
};
use sea_orm_migration::{MigrationStatus, MigratorTrait};

use crate::migration::Migrator;

/// Advisory lock key that serialises migrations across processes (PostgreSQL).
const MIGRATION_LOCK: i32 = 0x6869_7265; // "hire"

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout: Duration,
    /// PostgreSQL only: the schema to use (tests use one schema per test).
    pub schema: Option<String>,
}

impl DbSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            connect_timeout: Duration::from_secs(5),
            schema: None,
        }
    }
}

/// An in-memory SQLite URL, read as sqlx reads it: the path `:memory:` (`sqlite::memory:`,
/// `sqlite://:memory:`) or a `mode=memory` parameter.
fn is_in_memory(url: &str) -> bool {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    path == ":memory:" || params.split('&').any(|p| p == "mode=memory")
}

/// Counts the SQL statements a connection runs: tests use it to prove that the number
/// of statements for a query does not grow with the number of rows.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// An open connection pool.
///
/// On SQLite the pool never runs migrations itself: they run on a pool of their own,
/// and the connections this pool opened before (at connect) are closed after them. A
/// connection that is open while another changes the schema reloads it, and with the
/// bundled SQLite 3.51 a reloaded schema makes some statements fail on that connection
/// for good ("no such table" for an `UPDATE` that sets a foreign-key column and a
/// column a full-text trigger watches). So no connection serving requests ever sees a
/// schema change; on SQLite, run `hireql migrate` only while no server runs.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    backend: Backend,
    settings: DbSettings,
}

impl Db {
    /// Opens a pool. SQLite files are created when missing, use WAL and enforce foreign keys.
    pub async fn connect(settings: &DbSettings) -> Result<Self, DbErr> {
        Self::connect_inner(settings, None).await
    }

    /// Like [`Db::connect`], counting every statement in `counter`.
    pub async fn connect_counting(
        settings: &DbSettings,
        counter: StatementCounter,
    ) -> Result<Self, DbErr> {
        Self::connect_inner(settings, Some(counter)).await
    }

    async fn connect_inner(
        settings: &DbSettings,
        counter: Option<StatementCounter>,
    ) -> Result<Self, DbErr> {
        let backend = Backend::from_url(&settings.url).ok_or_else(|| {
            DbErr::Custom("database URL must start with sqlite: or postgres://".into())
        })?;
        if backend == Backend::Sqlite && is_in_memory(&settings.url) {
            // Migrations run on a pool of their own (see `Db`): they would migrate a
            // database the serving pool never sees.
            return Err(DbErr::Custom(
                "an in-memory SQLite database is not supported: use a file \
                 (sqlite://hireql.db?mode=rwc)"
                    .into(),
            ));
        }
        let mut opts = ConnectOptions::new(settings.url.clone());
        opts.max_connections(settings.max_connections)
            .connect_timeout(settings.connect_timeout)
            .acquire_timeout(settings.connect_timeout)
            .sqlx_logging(false);
        if let Some(schema) = &settings.schema {
            opts.set_schema_search_path(schema.clone());
        }
        if backend == Backend::Postgres {
            // Plan every statement for its values. After five runs of a prepared
            // statement PostgreSQL may switch to one plan for any values, and for
            // searches that plan is wrong for most of them: "api" + python ranked by
            // relevance took 2.2 s per page on a generic plan and 150 ms on its own
            // (1,000,000 postings, docs/postings.md). Planning a simple statement costs
            // a small fraction of a millisecond.
            opts.map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
        }
        if backend == Backend::Sqlite {
            opts.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    // SQLite has one writer: a burst of writes (20 concurrent accepts
                    // of one offer, on a loaded machine) queues behind it. Waiting longer
                    // beats failing with "database is locked".
                    .busy_timeout(Duration::from_secs(15))
                    .foreign_keys(true)
            });
        }
        let mut conn = Database::connect(opts).await?;
        if let Some(counter) = counter {
            conn.set_metric_callback(move |_| {
                counter.0.fetch_add(1, Ordering::SeqCst);
            });
        }
        Ok(Self {
            conn,
            backend,
            settings: settings.clone(),
        })
    }

    /// SQLite: closes the idle connections of this pool (opened before a migration), so
    /// the next ones are opened on the schema as it is now (see [`Db`]).
    fn renew_connections(&self) {
        let pool = self.conn.get_sqlite_connection_pool();
        while let Some(idle) = pool.try_acquire() {
            drop(idle.detach());
        }
    }

    /// SQLite: a pool of one connection for migrations alone, closed after them (see
    /// [`Db`]); with one connection, none of it reloads a schema another changed.
    async fn migration_pool(&self) -> Result<DatabaseConnection, DbErr> {
        let settings = DbSettings {
            max_connections: 1,
            ..self.settings.clone()
        };
        Ok(Self::connect_inner(&settings, None).await?.conn)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Cheap round trip for readiness checks.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    /// Applies pending migrations. On PostgreSQL they run inside one transaction that
    /// first takes an advisory lock (scoped to the schema), so replicas starting together
    /// take turns and each migration runs once; a failure rolls everything back. Needs
    /// only one connection.
    pub async fn migrate_up(&self) -> Result<(), DbErr> {
        match self.backend {
            Backend::Sqlite => {
                let pool = self.migration_pool().await?;
                let done = Migrator::up(&pool, None).await;
                let closed = pool.close().await;
                self.renew_connections();
                // The migration's error says more than the close's.
                done.and(closed)
            }
            Backend::Postgres => {
                let txn = self.conn.begin().await?;
                txn.execute_unprepared(&format!(
                    "SELECT pg_advisory_xact_lock({MIGRATION_LOCK}, hashtext(current_schema()))"
                ))
                .await?;
                // Dropping the transaction on error rolls back and frees the lock.
                Migrator::up(&txn, None).await?;
                txn.commit().await
            }
        }
    }

    /// Migrates for a command-line task (seed, jobs, bench) that may run beside a server.
    /// On PostgreSQL as [`Db::migrate_up`]. On SQLite a new database (no migration
    /// applied) is migrated, but one that is partly migrated is refused: changing its
    /// schema under a server that runs on it would break the server's connections (see
    /// [`Db`]); `hireql migrate` with no server running, or a server start, migrates it.
    /// Two that start at once on a new file both migrate it: SQLite's write lock orders
    /// them, and the second may fail on tables the first made (run it again).
    pub async fn migrate_for_task(&self) -> Result<(), DbErr> {
        if self.backend == Backend::Postgres {
            return self.migrate_up().await;
        }
        let status = Migrator::get_migration_with_status_read_only(&self.conn).await?;
        let pending = status
            .iter()
            .filter(|m| m.status() == MigrationStatus::Pending)
            .count();
        match (status.len() - pending, pending) {
            (_, 0) => Ok(()),
            (0, _) => self.migrate_up().await,
            (_, n) => Err(DbErr::Custom(format!(
                "this SQLite database lacks {n} migration(s); stop any server using it and \
                 run `hireql migrate`, or start the server, which migrates on start"
            ))),
        }
    }

    /// Reverts the last `steps` migrations.
    pub async fn migrate_down(&self, steps: u32) -> Result<(), DbErr> {
        match self.backend {
            Backend::Sqlite => {
                let pool = self.migration_pool().await?;
                let done = Migrator::down(&pool, Some(steps)).await;
                let closed = pool.close().await;
                self.renew_connections();
                done.and(closed)
            }
            Backend::Postgres => Migrator::down(&self.conn, Some(steps)).await,
        }
    }

    /// Each known migration and whether it has been applied.
    pub async fn migration_status(&self) -> Result<Vec<(String, bool)>, DbErr> {
        let applied = Migrator::get_applied_migrations_read_only(&self.conn).await?;
        let applied: Vec<String> = applied.iter().map(|m| m.name().to_owned()).collect();
        Ok(Migrator::migrations()
            .iter()
            .map(|m| {
                let name = m.name().to_owned();
                let done = applied.contains(&name);
                (name, done)
            })
            .collect())
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes cannot wait for
/// a concurrent writer and fails with "database is locked". PostgreSQL ignores the mode.
pub(crate) async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::TransactionTrait;
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Commits `txn` when `decided` is a write to keep, rolls it back otherwise (a refusal
/// or an error); returns `decided`.
pub(crate) async fn settle<T>(
    txn: sea_orm::DatabaseTransaction,
    decided: domain::DomainResult<T>,
    keep: impl FnOnce(&T) -> bool,
) -> domain::DomainResult<T> {
    match decided {
        Ok(value) if keep(&value) => {
            txn.commit().await.map_err(crate::errors::internal)?;
            Ok(value)
        }
        other => {
            let rolled_back = txn.rollback().await;
            // The write's own error says more than the rollback's.
            let value = other?;
            rolled_back.map_err(crate::errors::internal)?;
            Ok(value)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::testing::TestDatabase;

    /// On SQLite the serving pool's connections are all opened after the migrations, on
    /// a schema that no longer changes: none has to reload one (see [`Db`]).
    #[tokio::test]
    async fn sqlite_migrations_leave_the_pool_no_connection_opened_before_them() {
        let guard = TestDatabase::create(Backend::Sqlite).await;
        let db = Db::connect(&guard.settings).await.unwrap();
        let pool = db.connection().get_sqlite_connection_pool();
        assert_eq!(
            pool.size(),
            1,
            "sea-orm reads the SQLite version at connect"
        );
        db.migrate_up().await.unwrap();
        assert_eq!(pool.size(), 0, "the migrations ran on a pool of their own");
        let applied = db.migration_status().await.unwrap();
        assert!(applied.iter().all(|(_, done)| *done), "{applied:?}");
        assert!(pool.size() >= 1);
    }

    /// A task beside a server migrates a new SQLite database, but refuses one that is
    /// partly migrated and leaves it as it was; on PostgreSQL it migrates as a server
    /// start does.
    #[tokio::test]
    async fn a_task_migrates_a_new_sqlite_database_and_refuses_a_partly_migrated_one() {
        for backend in crate::testing::backends() {
            let guard = TestDatabase::create(backend).await;
            let db = Db::connect(&guard.settings).await.unwrap();
            db.migrate_for_task().await.unwrap();
            let all_applied = |status: &[(String, bool)]| status.iter().all(|(_, d)| *d);
            assert!(all_applied(&db.migration_status().await.unwrap()));
            db.migrate_down(1).await.unwrap();
            let result = db.migrate_for_task().await;
            let status = db.migration_status().await.unwrap();
            match backend {
                Backend::Sqlite => {
                    let err = result.unwrap_err().to_string();
                    assert!(err.contains("lacks 1 migration"), "{err}");
                    assert!(err.contains("hireql migrate"), "{err}");
                    assert_eq!(
                        status.iter().filter(|(_, d)| !*d).count(),
                        1,
                        "nothing migrated"
                    );
                }
                Backend::Postgres => {
                    result.unwrap();
                    assert!(all_applied(&status));
                }
            }
            // Fully migrated: nothing to do on either.
            db.migrate_up().await.unwrap();
            db.migrate_for_task().await.unwrap();
        }
    }

    /// Every connection of a pool is set up as its back end needs, whichever serves:
    /// SQLite enforces foreign keys and writes ahead; PostgreSQL plans each statement for
    /// its own values (see `connect_inner`).
    #[tokio::test]
    async fn every_connection_is_set_up_for_its_back_end() {
        for backend in crate::testing::backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let checks: &[(&str, &str)] = match backend {
                Backend::Postgres => &[(
                    "SELECT current_setting('plan_cache_mode') AS v",
                    "force_custom_plan",
                )],
                Backend::Sqlite => &[
                    (
                        "SELECT CAST(foreign_keys AS TEXT) AS v FROM pragma_foreign_keys",
                        "1",
                    ),
                    ("SELECT journal_mode AS v FROM pragma_journal_mode", "wal"),
                ],
            };
            // Three transactions open at once: three connections of the pool answer.
            let mut open = Vec::new();
            for _ in 0..3 {
                open.push(db.connection().begin().await.unwrap());
            }
            for txn in &open {
                for (sql, want) in checks {
                    let row = txn
                        .query_one_raw(sea_orm::Statement::from_string(
                            txn.get_database_backend(),
                            *sql,
                        ))
                        .await
                        .unwrap()
                        .unwrap();
                    let got: String = row.try_get("", "v").unwrap();
                    assert_eq!(&got, want, "{backend:?}: {sql}");
                }
            }
            for txn in open {
                txn.rollback().await.unwrap();
            }
        }
    }

    #[tokio::test]
    async fn an_in_memory_sqlite_database_is_refused() {
        let guard = TestDatabase::create(Backend::Sqlite).await;
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://x.db?mode=memory&cache=shared",
        ] {
            let settings = DbSettings {
                url: url.to_owned(),
                ..guard.settings.clone()
            };
            let err = Db::connect(&settings).await.err().unwrap().to_string();
            assert!(err.contains("in-memory SQLite"), "{url}: {err}");
        }
    }

    /// Connections a pool opened before migrations ran (two here, both writing) would
    /// reload the changed schema; after the migrations none of them serves, so an edit
    /// of a posting's title and category (a foreign key and a full-text column in one
    /// `UPDATE`, the statement a reloaded SQLite schema refuses) goes through.
    #[tokio::test]
    async fn connections_opened_before_the_migrations_never_serve_after_them() {
        use domain::postings::PostingRepository;
        let guard = TestDatabase::create(Backend::Sqlite).await;
        let db = Db::connect(&guard.settings).await.unwrap();
        db.migrate_up().await.unwrap();
        let repo = crate::SeaPostingRepository::new(&db);
        let client = crate::postings_repo_tests::client(&db, "ada").await;
        let budget = domain::postings::Budget::Fixed(domain::money::Money {
            amount_minor: 50_000,
            currency: domain::money::Currency::parse("USD").unwrap(),
        });
        let posting = || crate::postings_repo_tests::full_posting(client, budget);
        // Two connections write postings (and keep their statements); then the last
        // migration goes and comes back, as an operator's `migrate down` and `up` would.
        let (first, second) = (posting(), posting());
        let (before, other) = tokio::join!(repo.create(&first), repo.create(&second));
        let before = before.unwrap();
        other.unwrap();
        db.migrate_down(1).await.unwrap();
        db.migrate_up().await.unwrap();
        let mut current = before;
        // Twice: on each connection of the pool, in turn.
        for (title, category) in [
            ("Staff Rust engineer", "data-engineering"),
            ("Lead Rust engineer", "backend-development"),
        ] {
            let mut after = current.clone();
            after.title = title.into();
            after.category_id = Some(domain::taxonomy::CategoryId(crate::migration::category_id(
                category,
            )));
            current = crate::postings_repo_tests::save_edit(&repo, &current, &after, client).await;
        }
        assert_eq!(current.title, "Lead Rust engineer");
    }
}
