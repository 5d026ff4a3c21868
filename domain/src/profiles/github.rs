//! Importing a freelancer's public GitHub repositories as portfolio items.

use async_trait::async_trait;

use crate::accounts::Provider;
use crate::error::DomainResult;

/// A public repository as the code host describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRepo {
    /// `owner/name`: the key that makes re-imports update instead of duplicating.
    pub full_name: String,
    pub name: String,
    pub description: Option<String>,
    pub html_url: String,
    /// The primary language, e.g. `Rust`.
    pub language: Option<String>,
    pub topics: Vec<String>,
    pub stars: u32,
    pub fork: bool,
    pub archived: bool,
}

/// Where public repositories come from (GitHub's REST API in production).
#[async_trait]
pub trait CodeHost: Send + Sync {
    /// The identity provider whose accounts this host knows (github.com, or an
    /// Enterprise server): the freelancer's linked identity of it names the account.
    fn provider(&self) -> Provider;
    /// The account's public repositories. `Unavailable` when the host does not answer.
    async fn public_repositories(&self, account_id: &str) -> DomainResult<Vec<PublicRepo>>;
}

/// Taxonomy terms (slugs or aliases) a GitHub language or topic may stand for.
pub fn skill_terms(name: &str) -> Vec<String> {
    let lower = name.trim().to_lowercase();
    let special: &[&str] = match lower.as_str() {
        "c#" => &["c-sharp", "csharp"],
        "c++" => &["cpp", "cplusplus"],
        "shell" | "bash" => &["bash", "shell"],
        "hcl" => &["terraform"],
        "dockerfile" => &["docker"],
        "jupyter notebook" => &["python"],
        "plpgsql" => &["postgresql"],
        "tsql" => &["sql-server"],
        _ => &[],
    };
    let mut terms: Vec<String> = special.iter().map(|s| (*s).to_owned()).collect();
    let slug: String = lower
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if !slug.is_empty() {
        terms.push(slug);
    }
    terms.push(lower);
    terms.dedup();
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_become_taxonomy_terms() {
        assert!(skill_terms("Rust").contains(&"rust".to_string()));
        assert!(skill_terms("C#").contains(&"c-sharp".to_string()));
        assert!(skill_terms("Dockerfile").contains(&"docker".to_string()));
        assert!(skill_terms("Ruby on Rails").contains(&"ruby-on-rails".to_string()));
    }
}
