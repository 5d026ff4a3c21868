#![allow(clippy::expect_used)] // a test helper: failing loudly is its job

//! Fresh databases for tests: an SQLite file per test, always; and, when
//! `TEST_DATABASE_URL` names a PostgreSQL server, a fresh schema per test there too.
//! Each is migrated on creation and removed when the test ends.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database};

use crate::{Backend, Db, DbSettings, StatementCounter};

/// A TCP server that accepts connections and never says anything, like a hung Redis.
/// Returns its port; it stops when the handle is aborted or the runtime ends.
pub async fn hung_server() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let port = listener.local_addr().expect("local address").port();
    let handle = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    (port, handle)
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub settings: DbSettings,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Schema { admin_url: String, schema: String },
}

/// The back ends a test suite should run against: SQLite always, PostgreSQL when
/// `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        out.push(Backend::Postgres);
    }
    out
}

/// `TEST_REDIS_URL` when set and not empty.
pub fn redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

impl TestDatabase {
    /// Creates (but does not migrate) a fresh, empty database on `backend`.
    pub async fn create(backend: Backend) -> Self {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("hireql-test-{tag}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                Self {
                    settings: DbSettings::new(url),
                    cleanup: Cleanup::File(path),
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL")
                    .expect("TEST_DATABASE_URL is set for PostgreSQL tests");
                let schema = format!("test_{tag}");
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .expect("TEST_DATABASE_URL is reachable");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                    .await
                    .expect("create test schema");
                admin.close().await.ok();
                let mut settings = DbSettings::new(admin_url.clone());
                settings.schema = Some(schema.clone());
                settings.max_connections = 5;
                Self {
                    settings,
                    cleanup: Cleanup::Schema { admin_url, schema },
                }
            }
        }
    }

    /// A fresh database with every migration applied, and a pool on it.
    pub async fn migrated(backend: Backend) -> (Self, Db) {
        let test_db = Self::create(backend).await;
        let db = Db::connect(&test_db.settings)
            .await
            .expect("connect to test database");
        db.migrate_up().await.expect("migrations apply");
        (test_db, db)
    }

    /// Runs raw SQL on this database (tests use it to break things on purpose).
    pub async fn execute(&self, sql: &str) {
        let db = Db::connect(&self.settings)
            .await
            .expect("connect to test database");
        db.connection()
            .execute_unprepared(sql)
            .await
            .expect("statement runs");
        db.close().await.ok();
    }

    /// Runs a query that yields one integer (e.g. `SELECT COUNT(*) FROM users`).
    pub async fn count(&self, sql: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let db = Db::connect(&self.settings)
            .await
            .expect("connect to test database");
        let conn = db.connection();
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
            .await
            .expect("query runs")
            .expect("one row");
        let n: i64 = row.try_get_by_index(0).expect("an integer");
        db.close().await.ok();
        n
    }

    /// Another pool on this database that counts the statements it runs.
    pub async fn counting_pool(&self) -> (Db, StatementCounter) {
        let counter = StatementCounter::default();
        let db = Db::connect_counting(&self.settings, counter.clone())
            .await
            .expect("connect to test database");
        (db, counter)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
            }
            Cleanup::Schema { admin_url, schema } => {
                // Drop runs outside async; a short-lived runtime on its own thread drops the
                // schema so nothing of the test is left behind.
                let (url, schema) = (admin_url.clone(), schema.clone());
                let handle = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(admin) = Database::connect(url.as_str()).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                });
                let _ = handle.join();
            }
        }
    }
}
