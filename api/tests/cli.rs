//! The `hireql` binary as an operator uses it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
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
    for sub in ["serve", "migrate", "print-schema"] {
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

fn start(dir: &TempDir) -> (Child, u16) {
    let mut child = hireql(dir)
        .env("HIREQL_PORT", "0")
        .env("HIREQL_WORKERS", "1")
        .env("HIREQL_SHUTDOWN_TIMEOUT_SECS", "10")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines.next().expect("server logs before exiting").unwrap();
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if json["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("hireql listening"))
        {
            break json["port"].as_u64().unwrap() as u16;
        }
    };
    // Keep draining the logs so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, port)
}

#[test]
fn sigterm_drains_in_flight_requests_then_exits() {
    let dir = TempDir::new();
    let (mut child, port) = start(&dir);
    let body = r#"{"query":"{ skill(slug: \"rust\") { name } }"}"#;
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
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
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"name\":\"Rust\""), "{response}");

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
