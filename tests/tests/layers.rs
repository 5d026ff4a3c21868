//! The dependency rule of the architecture (README.md, "Layers"), checked on the
//! resolved dependency graph: a layer may not reach a forbidden crate directly or
//! through any of its normal dependencies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails loudly

use std::collections::{HashMap, HashSet, VecDeque};
use std::process::Command;

use serde_json::Value;

/// Crate-name prefixes each layer must never depend on.
const RULES: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "sea-orm",
            "sea-query",
            "sqlx",
            "actix",
            "async-graphql",
            "redis",
            "persistence",
            "schema",
            "api",
        ],
    ),
    (
        "schema",
        &[
            "sea-orm",
            "sea-query",
            "sqlx",
            "actix",
            "redis",
            "persistence",
            "api",
        ],
    ),
    ("persistence", &["actix", "async-graphql", "schema", "api"]),
];

/// Everything the domain crate itself may depend on.
const DOMAIN_ALLOWED: &[&str] = &[
    "serde",
    "thiserror",
    "chrono",
    // chrono's IANA time zone database: time zones are validated and their offsets
    // computed where the rules live.
    "chrono-tz",
    "time",
    "uuid",
    "validator",
    "async-trait",
];

/// Every crate reachable from `start` over normal edges, with the path that reached it;
/// the walk does not go on past a crate for which `stop` holds.
fn walk<'a>(
    edges: &HashMap<&'a str, Vec<&'a str>>,
    names: &HashMap<&'a str, &'a str>,
    start: &'a str,
    stop: impl Fn(&str) -> bool,
) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut seen = HashSet::from([start]);
    let mut queue = VecDeque::from([(start, vec![names[start]])]);
    let mut reached = Vec::new();
    while let Some((id, path)) = queue.pop_front() {
        for next in edges.get(id).into_iter().flatten() {
            if !seen.insert(*next) {
                continue;
            }
            let name = names[next];
            let mut path = path.clone();
            path.push(name);
            reached.push((name, path.clone()));
            if !stop(name) {
                queue.push_back((*next, path));
            }
        }
    }
    reached
}

fn forbidden(name: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| {
        name == *p || name.starts_with(&format!("{p}-")) || name.starts_with(&format!("{p}_"))
    })
}

#[test]
fn layers_depend_only_on_what_the_architecture_allows() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The host's graph is what gets built; filtering to it keeps `--offline` possible
    // (crates for other platforms are never downloaded).
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc names its host");
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            &host,
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();

    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    // Normal (non-dev, non-build) edges of the resolved graph.
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let from = node["id"].as_str().unwrap();
        for dep in node["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                edges
                    .entry(from)
                    .or_default()
                    .push(dep["pkg"].as_str().unwrap());
            }
        }
    }

    let id_of = |layer: &str| {
        names
            .iter()
            .find(|(id, name)| {
                **name == layer
                    && meta["workspace_members"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| m == **id)
            })
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("workspace has a `{layer}` crate"))
    };

    // The domain's own dependencies come from a short allow-list (the architecture's,
    // plus async-trait: a compile-time macro for object-safe async ports).
    let domain_deps: Vec<&str> = edges
        .get(id_of("domain"))
        .into_iter()
        .flatten()
        .map(|id| names[id])
        .collect();
    assert!(
        !domain_deps.is_empty(),
        "the domain's dependencies were found"
    );
    for dep in &domain_deps {
        assert!(
            DOMAIN_ALLOWED.contains(dep),
            "domain may not depend on `{dep}`"
        );
    }

    // Control: the walk does see the frameworks where they belong.
    let from_api: HashSet<&str> = walk(&edges, &names, id_of("api"), |_| false)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for expected in ["actix-web", "sea-orm", "async-graphql", "redis", "domain"] {
        assert!(
            from_api.contains(expected),
            "the graph walk reaches `{expected}` from api"
        );
    }

    let mut violations = Vec::new();
    for (layer, prefixes) in RULES {
        let is_forbidden = |name: &str| forbidden(name, prefixes);
        for (name, path) in walk(&edges, &names, id_of(layer), is_forbidden) {
            if is_forbidden(name) {
                violations.push(path.join(" -> "));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer rule broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_rule_catches_a_forbidden_name() {
    assert!(forbidden("actix-web", &["actix"]));
    assert!(forbidden("sea-orm", &["sea-orm"]));
    assert!(forbidden("async-graphql-parser", &["async-graphql"]));
    assert!(!forbidden("serde", &["sea-orm", "actix"]));
}
