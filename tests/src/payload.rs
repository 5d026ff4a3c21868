//! Reading a mutation's payload in tests: how it ended, and its user errors.

use serde_json::Value;

/// `OK`, the GraphQL error's code, or the first user error's code.
pub fn outcome(body: &Value, mutation: &str) -> String {
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return code.to_owned();
    }
    match body["data"][mutation]["userErrors"].as_array() {
        Some(errors) if !errors.is_empty() => errors[0]["code"].as_str().unwrap().to_owned(),
        Some(_) => "OK".to_owned(),
        None => panic!("no payload in {body}"),
    }
}

/// The user errors as `code@path`, sorted.
pub fn errors(body: &Value, mutation: &str) -> Vec<String> {
    let mut out: Vec<String> = body["data"][mutation]["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no payload in {body}"))
        .iter()
        .map(|e| {
            let path: Vec<&str> = e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            format!("{}@{}", e["code"].as_str().unwrap(), path.join("."))
        })
        .collect();
    out.sort();
    out
}
