//! The `hireql` binary as an operator uses it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir()
            .join(format!("hireql-cli-{}", std::process::id()))
            .join(format!("{:?}", Instant::now()).replace(['.', ' '], ""));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn hireql(dir: &TempDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hireql"));
    cmd.current_dir(&dir.0)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "HIREQL_DATABASE_URL",
            format!("sqlite://{}/hireql.db?mode=rwc", dir.0.display()),
        );
    cmd
}

#[test]
fn help_documents_the_subcommands() {
    let dir = TempDir::new();
    let out = hireql(&dir).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["serve", "migrate", "print-schema", "admin"] {
        assert!(text.contains(sub), "{sub} in {text}");
    }
    let out = hireql(&dir).args(["migrate", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["up", "down", "status"] {
        assert!(text.contains(sub), "{sub} in {text}");
    }
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let dir = TempDir::new();
    let out = hireql(&dir).env("HIREQL_PORT", "eighty").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("PORT"), "{err}");

    let out = hireql(&dir)
        .env("HIREQL_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("LOG_FORMAT"));
}

#[test]
fn migrate_up_down_and_status() {
    let dir = TempDir::new();
    let status = |dir: &TempDir| {
        let out = hireql(dir).args(["migrate", "status"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(status(&dir).lines().all(|l| l.starts_with("pending ")));
    assert!(
        hireql(&dir)
            .args(["migrate", "up"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let after_up = status(&dir);
    assert!(
        after_up.lines().count() >= 2 && after_up.lines().all(|l| l.starts_with("applied ")),
        "{after_up}"
    );
    assert!(
        hireql(&dir)
            .args(["migrate", "down", "--steps", "1"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let after_down = status(&dir);
    assert!(
        after_down.lines().last().unwrap().starts_with("pending "),
        "{after_down}"
    );
    assert!(
        after_down.lines().next().unwrap().starts_with("applied "),
        "{after_down}"
    );
}

#[test]
fn print_schema_needs_no_configuration() {
    let dir = TempDir::new();
    let out = hireql(&dir)
        .env("HIREQL_PORT", "not-even-a-number")
        .arg("print-schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let sdl = String::from_utf8(out.stdout).unwrap();
    assert_eq!(sdl, schema::sdl());
}

/// A running `hireql serve` and every log line it has written so far.
struct Server {
    child: Child,
    port: u16,
    logs: Arc<Mutex<Vec<serde_json::Value>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(dir: &TempDir, env: &[(&str, &str)]) -> Self {
        let mut cmd = hireql(dir);
        cmd.env("HIREQL_PORT", "0")
            .env("HIREQL_WORKERS", "1")
            .env("HIREQL_SHUTDOWN_TIMEOUT_SECS", "10")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = logs.clone();
        // Keep reading the logs so the server never blocks on a full pipe.
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                if json["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("hireql listening"))
                {
                    tx.send(json["port"].as_u64().unwrap() as u16).ok();
                }
                sink.lock().unwrap().push(json);
            }
        });
        // Owned before waiting, so a server that never starts is still killed on drop.
        let mut server = Self {
            child,
            port: 0,
            logs,
            reader: Some(reader),
        };
        server.port = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server starts and logs its port");
        server
    }

    /// Every log line, once the server has exited and its output is read to the end.
    fn all_logs(&mut self) -> Vec<serde_json::Value> {
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.logs.lock().unwrap().clone()
    }

    fn terminate_and_wait(&mut self) -> std::process::ExitStatus {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        self.wait()
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends one HTTP/1.1 request and returns the raw response.
    fn request(&self, head: &str, body: &str) -> String {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            conn,
            "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        response
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sigterm_drains_in_flight_requests_then_exits() {
    let dir = TempDir::new();
    let mut server = Server::start(&dir, &[]);
    let body = r#"{"query":"{ skill(slug: \"rust\") { name } }"}"#;
    let mut conn = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        conn,
        "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));

    // The request is in flight (half its body sent) when the signal arrives.
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"name\":\"Rust\""), "{response}");
    assert!(server.wait().success());
}

const SKILL_QUERY_HEAD: &str = "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nx-request-id: trace-me-7\r\n";

#[test]
fn every_log_line_of_a_request_carries_its_request_id() {
    let dir = TempDir::new();
    // A Redis that is not there makes the request log cache warnings from deep inside
    // the persistence layer.
    let mut server = Server::start(&dir, &[("REDIS_URL", "redis://127.0.0.1:1/")]);
    let response = server.request(
        SKILL_QUERY_HEAD,
        r#"{"query":"{ skill(slug: \"go\") { name } }"}"#,
    );
    assert!(response.contains("\"name\":\"Go\""), "{response}");
    assert!(
        response.to_lowercase().contains("x-request-id: trace-me-7"),
        "{response}"
    );
    assert!(server.terminate_and_wait().success());

    let logs = server.all_logs();
    let of_request: Vec<_> = logs
        .iter()
        .filter(|l| {
            let m = l["message"].as_str().unwrap_or_default();
            m.contains("cache") || m == "request finished"
        })
        .collect();
    assert!(
        of_request.len() >= 2,
        "a cache warning and the request line: {logs:#?}"
    );
    for line in of_request {
        let spans = line["spans"]
            .as_array()
            .unwrap_or_else(|| panic!("no span list: {line}"));
        assert!(
            spans.iter().any(|s| s["request_id"] == "trace-me-7"),
            "{line}"
        );
    }
}

/// A minimal OTLP/HTTP collector: answers 200 to every request and reports its path and
/// body size.
fn fake_collector() -> (u16, std::sync::mpsc::Receiver<(String, usize)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        reader.read_line(&mut header).unwrap();
                        if header.trim().is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let path = request_line
                        .split_whitespace()
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" ");
                    tx.send((path, length)).ok();
                    writer
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        .unwrap();
                }
            });
        }
    });
    (port, rx)
}

#[test]
fn spans_are_exported_over_otlp_http_when_an_endpoint_is_set() {
    let (collector, received) = fake_collector();
    let dir = TempDir::new();
    let endpoint = format!("http://127.0.0.1:{collector}");
    let mut server = Server::start(&dir, &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let response = server.request(
        SKILL_QUERY_HEAD,
        r#"{"query":"{ skill(slug: \"go\") { name } }"}"#,
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // Shutting down flushes the batch of spans.
    assert!(server.terminate_and_wait().success());
    let (path, bytes) = received
        .recv_timeout(Duration::from_secs(10))
        .expect("spans reach the collector");
    assert_eq!(path, "POST /v1/traces");
    assert!(bytes > 100, "a real batch of spans ({bytes} bytes)");
}

#[test]
fn admin_grant_makes_a_user_with_a_verified_email_an_admin() {
    use domain::accounts::{ExternalIdentity, Provider};

    let dir = TempDir::new();
    let out = hireql(&dir)
        .args(["admin", "grant", "ada@example.com"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no user has the verified email"), "{err}");

    // Ada signs in once (through the domain, as the sign-in routes do).
    let settings = api::Settings {
        database_url: format!("sqlite://{}/hireql.db?mode=rwc", dir.0.display()).into(),
        ..api::Settings::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let services = runtime
        .block_on(api::Application::services(&settings))
        .unwrap();
    let ada = runtime
        .block_on(services.accounts.sign_in(
            &domain::Actor::Anonymous,
            ExternalIdentity {
                provider: Provider::Github,
                subject: "1".into(),
                email: Some("ada@example.com".into()),
                email_verified: true,
                display_name: Some("Ada".into()),
                avatar_url: None,
            },
        ))
        .unwrap();
    assert!(!ada.roles.contains(&domain::Role::Admin));

    let out = hireql(&dir)
        .args(["admin", "grant", "ADA@example.com"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("is now an admin"));
    let actor = domain::Actor::User {
        id: ada.id,
        roles: ada.roles.clone(),
    };
    let after = runtime
        .block_on(services.accounts.viewer(&actor))
        .unwrap()
        .unwrap();
    assert!(after.roles.contains(&domain::Role::Admin));
}

#[test]
fn seed_writes_profiles_that_search_finds_and_is_refused_in_production() {
    let dir = TempDir::new();
    let out = hireql(&dir)
        .args(["seed", "--profiles", "1200"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("seeded 1200 freelancer profiles"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The benchmark runs every typical search on them (it fails on a plan that reads a
    // whole table only from 10,000 profiles on; here it reports).
    let out = hireql(&dir)
        .args(["bench", "search", "--runs", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1200 profiles on Sqlite"), "{stdout}");
    for name in [
        "newest, no filter",
        "agencies: newest, no filter",
        "cheapest, no filter",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
    assert_eq!(
        stdout.matches("indexes only").count() + stdout.matches("FULL SCAN").count(),
        14,
        "{stdout}"
    );

    let out = hireql(&dir)
        .env("HIREQL_PROFILE", "production")
        .env("HIREQL_PUBLIC_URL", "https://hireql.example")
        .args(["seed", "--profiles", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("seed writes made-up users"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn jobs_saved_search_alerts_runs_the_alert_job_once_on_the_configured_database() {
    use domain::accounts::{ExternalIdentity, Provider};

    let dir = TempDir::new();
    // A user with one saved search (through the domain, as the API does).
    let settings = api::Settings {
        database_url: format!("sqlite://{}/hireql.db?mode=rwc", dir.0.display()).into(),
        ..api::Settings::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let services = runtime
        .block_on(api::Application::services(&settings))
        .unwrap();
    let ada = runtime
        .block_on(services.accounts.sign_in(
            &domain::Actor::Anonymous,
            ExternalIdentity {
                provider: Provider::Github,
                subject: "1".into(),
                email: None,
                email_verified: false,
                display_name: Some("Ada".into()),
                avatar_url: None,
            },
        ))
        .unwrap();
    let actor = domain::Actor::User {
        id: ada.id,
        roles: ada.roles.clone(),
    };
    runtime
        .block_on(services.saved_searches.create(
            &actor,
            "Everything",
            domain::postings::PostingSearch::default(),
        ))
        .unwrap();

    let out = hireql(&dir)
        .args(["jobs", "saved-search-alerts"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "checked 1 saved searches; wrote 0 notifications; 0 no longer valid; \
         0 with more to notify next run"
    );
    let out = hireql(&dir).args(["jobs", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for job in ["expire-postings", "saved-search-alerts"] {
        assert!(text.contains(job), "{job} in {text}");
    }
}
