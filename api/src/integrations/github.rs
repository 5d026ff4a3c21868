//! GitHub's REST API as the domain's `CodeHost`: a user's public repositories.

use async_trait::async_trait;
use domain::accounts::Provider;
use domain::profiles::{CodeHost, PublicRepo};
use domain::{DomainError, DomainResult};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::auth::http_client::{ProviderHttp, classify};

/// The identity provider whose accounts a GitHub API serves: github.com for
/// `api.github.com`, otherwise the Enterprise server by host (and port).
pub(crate) fn github_provider_for(api: &Url) -> Provider {
    match (api.host_str(), api.port()) {
        (Some("api.github.com"), None) => Provider::Github,
        (Some(h), Some(p)) => Provider::GithubEnterprise(format!("{h}:{p}")),
        (Some(h), None) => Provider::GithubEnterprise(h.to_owned()),
        (None, _) => Provider::GithubEnterprise(api.as_str().to_owned()),
    }
}

/// The largest GitHub answer read (100 repositories take about 0.5 MiB).
const MAX_BODY: usize = 4 * 1024 * 1024;

pub(crate) struct GithubCodeHost {
    http: ProviderHttp,
    api: Url,
    token: Option<SecretString>,
}

impl GithubCodeHost {
    pub(crate) fn new(http: ProviderHttp, api: Url, token: Option<SecretString>) -> Self {
        Self { http, api, token }
    }

    fn url(&self, path: &str) -> DomainResult<Url> {
        let base = self.api.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path}")).map_err(DomainError::internal)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: Url) -> DomainResult<T> {
        let unavailable = |why: String| {
            tracing::warn!(why, "GitHub did not answer as expected");
            DomainError::Unavailable {
                message: "GitHub is not answering right now; try again later".into(),
            }
        };
        let mut request = self
            .http
            .client()
            .get(url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose_secret());
        }
        let response = request
            .send()
            .await
            .map_err(|e| unavailable(classify(e).to_string()))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(DomainError::Validation(vec![domain::FieldError::new(
                &["profileId"],
                domain::ErrorCode::InvalidState,
                "GitHub no longer knows your account",
            )]));
        }
        if !status.is_success() {
            return Err(unavailable(format!("status {status}")));
        }
        // Read at most MAX_BODY bytes: a host cannot make us buffer without bound.
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(unavailable("response too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| unavailable(e.to_string()))
    }
}

#[derive(Deserialize)]
struct Account {
    login: String,
}

#[derive(Deserialize)]
struct Repo {
    full_name: String,
    name: String,
    description: Option<String>,
    html_url: String,
    language: Option<String>,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    stargazers_count: u64,
    #[serde(default)]
    fork: bool,
    #[serde(default)]
    archived: bool,
}

#[async_trait]
impl CodeHost for GithubCodeHost {
    fn provider(&self) -> Provider {
        github_provider_for(&self.api)
    }

    async fn public_repositories(&self, account_id: &str) -> DomainResult<Vec<PublicRepo>> {
        if account_id.is_empty() || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::internal("a GitHub account id is numeric"));
        }
        let account: Account = self.get(self.url(&format!("/user/{account_id}"))?).await?;
        let login: String = account
            .login
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let repos: Vec<Repo> = self
            .get(self.url(&format!(
                "/users/{login}/repos?type=owner&sort=pushed&per_page=100"
            ))?)
            .await?;
        Ok(repos
            .into_iter()
            .map(|r| PublicRepo {
                full_name: r.full_name,
                name: r.name,
                description: r.description,
                html_url: r.html_url,
                language: r.language,
                topics: r.topics,
                stars: u32::try_from(r.stargazers_count).unwrap_or(u32::MAX),
                fork: r.fork,
                archived: r.archived,
            })
            .collect())
    }
}
