//! Sign-in providers: GitHub (OAuth 2.0 and its REST API), Google and any OpenID Connect
//! issuer (discovery, JWKS, ID-token validation). Each turns a browser's trip into an
//! authorization URL and, on return, a code into an [`ExternalIdentity`].

use std::time::{Duration, Instant};

use domain::accounts::{ExternalIdentity, Provider};
use oauth2::basic::BasicClient;
use oauth2::{
    AccessToken, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{IssuerUrl, Nonce};
use secrecy::ExposeSecret;
use serde::Deserialize;
use url::Url;

use super::http_client::{ProviderHttp, ProviderHttpError, classify};
use crate::config::{ProviderKind, ProviderSettings};

/// Discovery documents and keys are fetched again after this long.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// Why signing in with a provider failed. `code()` is what browsers and apps see.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProviderError {
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    #[error("provider misconfigured: {0}")]
    Misconfigured(String),
    #[error("token exchange refused: {0}")]
    TokenExchange(String),
    #[error("ID token rejected: {0}")]
    InvalidIdToken(String),
    #[error("profile unreadable: {0}")]
    Profile(String),
}

impl ProviderError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ProviderError::Unavailable(_) => "PROVIDER_UNAVAILABLE",
            ProviderError::Misconfigured(_) => "PROVIDER_MISCONFIGURED",
            ProviderError::TokenExchange(_) => "TOKEN_EXCHANGE_FAILED",
            ProviderError::InvalidIdToken(_) => "INVALID_ID_TOKEN",
            ProviderError::Profile(_) => "PROFILE_UNAVAILABLE",
        }
    }
}

fn from_http(e: ProviderHttpError) -> ProviderError {
    ProviderError::Unavailable(e.to_string())
}

fn token_error<RE: std::error::Error + 'static, T: oauth2::ErrorResponse + 'static>(
    e: RequestTokenError<RE, T>,
) -> ProviderError {
    match e {
        RequestTokenError::Request(inner) => ProviderError::Unavailable(inner.to_string()),
        RequestTokenError::ServerResponse(resp) => ProviderError::TokenExchange(resp.to_string()),
        RequestTokenError::Parse(err, _) => {
            ProviderError::TokenExchange(format!("unreadable response: {err}"))
        }
        RequestTokenError::Other(other) => ProviderError::TokenExchange(other),
    }
}

/// Where a browser is sent, and what must be kept for its return.
pub(crate) struct Authorization {
    pub url: Url,
    pub pkce_verifier: String,
    pub nonce: Option<String>,
}

struct GithubEndpoints {
    auth: AuthUrl,
    token: TokenUrl,
    api: Url,
}

struct OidcIssuer {
    issuer: IssuerUrl,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

/// One configured provider.
pub(crate) struct SignInProvider {
    pub key: String,
    pub display_name: String,
    pub kind: ProviderKind,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    scopes: Vec<String>,
    github: Option<GithubEndpoints>,
    oidc: Option<OidcIssuer>,
}

fn parse<T>(
    what: &str,
    value: &str,
    f: impl FnOnce(String) -> Result<T, url::ParseError>,
) -> Result<T, String> {
    f(value.to_owned()).map_err(|e| format!("{what}: {e}"))
}

impl SignInProvider {
    pub(crate) fn new(key: &str, s: &ProviderSettings, public_url: &str) -> Result<Self, String> {
        let redirect = s
            .redirect_url
            .clone()
            .unwrap_or_else(|| format!("{}/auth/{key}/callback", public_url.trim_end_matches('/')));
        let mut scopes = s.scopes.clone().unwrap_or_else(|| match s.kind {
            ProviderKind::Github => vec!["read:user".into(), "user:email".into()],
            ProviderKind::Google | ProviderKind::Oidc => vec!["email".into(), "profile".into()],
        });
        // `openid` is added by the OIDC request itself.
        scopes.retain(|s| s != "openid");
        let github = match s.kind {
            ProviderKind::Github => Some(GithubEndpoints {
                auth: parse(
                    "auth_url",
                    s.auth_url
                        .as_deref()
                        .unwrap_or("https://github.com/login/oauth/authorize"),
                    AuthUrl::new,
                )?,
                token: parse(
                    "token_url",
                    s.token_url
                        .as_deref()
                        .unwrap_or("https://github.com/login/oauth/access_token"),
                    TokenUrl::new,
                )?,
                api: Url::parse(s.api_url.as_deref().unwrap_or("https://api.github.com"))
                    .map_err(|e| format!("api_url: {e}"))?,
            }),
            _ => None,
        };
        let oidc = match s.issuer_url() {
            Some(issuer) => Some(OidcIssuer {
                issuer: parse("issuer", &issuer, IssuerUrl::new)?,
                metadata: tokio::sync::Mutex::new(None),
            }),
            None => None,
        };
        Ok(Self {
            key: key.to_owned(),
            display_name: s.display_name.clone().unwrap_or_else(|| match s.kind {
                ProviderKind::Github => "GitHub".into(),
                ProviderKind::Google => "Google".into(),
                ProviderKind::Oidc => key.to_owned(),
            }),
            kind: s.kind,
            client_id: ClientId::new(s.client_id.clone()),
            client_secret: ClientSecret::new(s.client_secret.expose_secret().to_owned()),
            redirect: parse("redirect_url", &redirect, RedirectUrl::new)?,
            scopes,
            github,
            oidc,
        })
    }

    /// The identity provider identities from here are stored under.
    pub(crate) fn identity_provider(&self) -> Provider {
        match self.kind {
            ProviderKind::Github => Provider::Github,
            ProviderKind::Google => Provider::Google,
            ProviderKind::Oidc => Provider::Oidc(self.key.clone()),
        }
    }

    /// The provider's discovery document (with its keys), fetched at most once an hour.
    async fn metadata(
        &self,
        http: &ProviderHttp,
        oidc: &OidcIssuer,
    ) -> Result<CoreProviderMetadata, ProviderError> {
        let mut slot = oidc.metadata.lock().await;
        if let Some((at, metadata)) = slot.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let call = |req| http.execute(req);
        let metadata = CoreProviderMetadata::discover_async(oidc.issuer.clone(), &call)
            .await
            .map_err(|e| match e {
                openidconnect::DiscoveryError::Request(inner) => from_http(inner),
                other => ProviderError::Misconfigured(format!("discovery: {other}")),
            })?;
        *slot = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// Where to send the browser: the provider's consent page with `state`, the PKCE
    /// S256 challenge and (OIDC) a fresh nonce.
    pub(crate) async fn authorize(
        &self,
        http: &ProviderHttp,
        state: &str,
    ) -> Result<Authorization, ProviderError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = state.to_owned();
        if let Some(gh) = &self.github {
            let client = BasicClient::new(self.client_id.clone())
                .set_auth_uri(gh.auth.clone())
                .set_redirect_uri(self.redirect.clone());
            let mut request = client.authorize_url(|| CsrfToken::new(state));
            for scope in &self.scopes {
                request = request.add_scope(Scope::new(scope.clone()));
            }
            let (url, _) = request.set_pkce_challenge(challenge).url();
            return Ok(Authorization {
                url,
                pkce_verifier: verifier.secret().clone(),
                nonce: None,
            });
        }
        let oidc = self
            .oidc
            .as_ref()
            .ok_or_else(|| ProviderError::Misconfigured("no issuer".into()))?;
        let metadata = self.metadata(http, oidc).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone());
        let nonce = Nonce::new_random();
        let kept_nonce = nonce.secret().clone();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(state),
            move || nonce,
        );
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, _, _) = request.set_pkce_challenge(challenge).url();
        Ok(Authorization {
            url,
            pkce_verifier: verifier.secret().clone(),
            nonce: Some(kept_nonce),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and reads who signed in.
    pub(crate) async fn identify(
        &self,
        http: &ProviderHttp,
        code: &str,
        pkce_verifier: &str,
        nonce: Option<&str>,
    ) -> Result<ExternalIdentity, ProviderError> {
        let call = |req| http.execute(req);
        let code = AuthorizationCode::new(code.to_owned());
        let verifier = PkceCodeVerifier::new(pkce_verifier.to_owned());
        if let Some(gh) = &self.github {
            let client = BasicClient::new(self.client_id.clone())
                .set_client_secret(self.client_secret.clone())
                .set_auth_uri(gh.auth.clone())
                .set_token_uri(gh.token.clone())
                .set_redirect_uri(self.redirect.clone());
            let token = client
                .exchange_code(code)
                .set_pkce_verifier(verifier)
                .request_async(&call)
                .await
                .map_err(token_error)?;
            return github_identity(http, &gh.api, token.access_token()).await;
        }
        let oidc = self
            .oidc
            .as_ref()
            .ok_or_else(|| ProviderError::Misconfigured("no issuer".into()))?;
        let metadata = self.metadata(http, oidc).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone());
        let token = client
            .exchange_code(code)
            .map_err(|e| ProviderError::Misconfigured(e.to_string()))?
            .set_pkce_verifier(verifier)
            .request_async(&call)
            .await
            .map_err(token_error)?;
        let id_token = openidconnect::TokenResponse::id_token(&token).ok_or_else(|| {
            ProviderError::InvalidIdToken("the token response has no ID token".into())
        })?;
        let nonce = Nonce::new(nonce.unwrap_or_default().to_owned());
        // Signature (against the issuer's JWKS), `iss`, `aud` (and `azp`), `exp`, `iat`
        // and `nonce`.
        let claims = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .map_err(|e| ProviderError::InvalidIdToken(e.to_string()))?;
        Ok(ExternalIdentity {
            provider: self.identity_provider(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified().unwrap_or(false),
            display_name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            avatar_url: claims
                .picture()
                .and_then(|p| p.get(None))
                .map(|p| p.as_str().to_owned()),
        })
    }
}

#[derive(Deserialize)]
struct GithubUser {
    id: u64,
    login: String,
    name: Option<String>,
    avatar_url: Option<String>,
}

#[derive(Deserialize)]
struct GithubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

async fn github_get<T: serde::de::DeserializeOwned>(
    http: &ProviderHttp,
    url: Url,
    token: &AccessToken,
) -> Result<T, ProviderError> {
    let response = http
        .client()
        .get(url)
        .bearer_auth(token.secret())
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .send()
        .await
        .map_err(|e| from_http(classify(e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(ProviderError::Profile(format!("GitHub answered {status}")));
    }
    response
        .json()
        .await
        .map_err(|e| ProviderError::Profile(e.without_url().to_string()))
}

/// GitHub's user and its primary verified email (GitHub has no ID token).
async fn github_identity(
    http: &ProviderHttp,
    api: &Url,
    token: &AccessToken,
) -> Result<ExternalIdentity, ProviderError> {
    let join = |path: &str| {
        let base = api.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path}"))
            .map_err(|e| ProviderError::Misconfigured(e.to_string()))
    };
    let user: GithubUser = github_get(http, join("/user")?, token).await?;
    let emails: Vec<GithubEmail> = github_get(http, join("/user/emails")?, token).await?;
    let primary = emails.into_iter().find(|e| e.primary && e.verified);
    Ok(ExternalIdentity {
        provider: Provider::Github,
        subject: user.id.to_string(),
        email_verified: primary.is_some(),
        email: primary.map(|e| e.email),
        display_name: user.name.or(Some(user.login)),
        avatar_url: user.avatar_url,
    })
}
