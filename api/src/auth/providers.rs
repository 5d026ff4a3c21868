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

/// After a failed discovery, sign-ins fail fast for this long instead of each waiting for
/// the provider's timeout again.
const FAILURE_TTL: Duration = Duration::from_secs(15);

/// Google's issuer: identities from it are stored as `google`.
const GOOGLE_ISSUER: &str = "https://accounts.google.com";

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
    cached: tokio::sync::Mutex<Discovery>,
}

/// The last discovery: its document, or when it failed.
#[derive(Default)]
struct Discovery {
    metadata: Option<(Instant, CoreProviderMetadata)>,
    failed_at: Option<Instant>,
}

/// One configured provider.
pub(crate) struct SignInProvider {
    pub key: String,
    pub display_name: String,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    scopes: Vec<String>,
    /// Whether this provider's "verified" emails may link to and claim accounts.
    trust_email: bool,
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
                cached: tokio::sync::Mutex::new(Discovery::default()),
            }),
            None => None,
        };
        let mut provider = Self {
            key: key.to_owned(),
            display_name: s.display_name.clone().unwrap_or_else(|| match s.kind {
                ProviderKind::Github => "GitHub".into(),
                ProviderKind::Google => "Google".into(),
                ProviderKind::Oidc => key.to_owned(),
            }),
            client_id: ClientId::new(s.client_id.clone()),
            client_secret: ClientSecret::new(s.client_secret.expose_secret().to_owned()),
            redirect: parse("redirect_url", &redirect, RedirectUrl::new)?,
            scopes,
            trust_email: false,
            github,
            oidc,
        };
        // Verified emails are trusted by default only from github.com and Google: whoever
        // runs any other issuer (GitHub Enterprise included) can vouch for any address.
        provider.trust_email = s.trust_email.unwrap_or(matches!(
            provider.identity_provider(),
            Provider::Github | Provider::Google
        ));
        Ok(provider)
    }

    /// Who issued identities from here: the issuer itself, not this configuration's key,
    /// so a subject can never be confused with another issuer's.
    fn identity_provider(&self) -> Provider {
        if let Some(gh) = &self.github {
            // The same derivation the repository import uses, so both name one account.
            return crate::integrations::github::github_provider_for(&gh.api);
        }
        match &self.oidc {
            Some(oidc) => {
                let issuer = oidc.issuer.as_str().trim_end_matches('/');
                if issuer == GOOGLE_ISSUER {
                    Provider::Google
                } else {
                    Provider::Oidc(issuer.to_owned())
                }
            }
            None => Provider::Oidc(self.key.clone()),
        }
    }

    /// The provider's discovery document (with its keys), fetched at most once an hour,
    /// or again when `refresh` (a token was signed with a key we do not know yet). One
    /// caller fetches while the others wait for its result; after a failure, callers
    /// fail fast for a little while.
    async fn metadata(
        &self,
        http: &ProviderHttp,
        oidc: &OidcIssuer,
        refresh: bool,
    ) -> Result<CoreProviderMetadata, ProviderError> {
        let mut slot = oidc.cached.lock().await;
        if let Some((at, metadata)) = slot.metadata.as_ref()
            && at.elapsed() < METADATA_TTL
            && !refresh
        {
            return Ok(metadata.clone());
        }
        if slot.failed_at.is_some_and(|at| at.elapsed() < FAILURE_TTL) {
            return Err(ProviderError::Unavailable(
                "discovery failed moments ago".into(),
            ));
        }
        let call = |req| http.execute(req);
        let discovered = CoreProviderMetadata::discover_async(oidc.issuer.clone(), &call)
            .await
            .map_err(|e| match e {
                openidconnect::DiscoveryError::Request(inner) => from_http(inner),
                other => ProviderError::Misconfigured(format!("discovery: {other}")),
            });
        match discovered {
            Ok(metadata) => {
                *slot = Discovery {
                    metadata: Some((Instant::now(), metadata.clone())),
                    failed_at: None,
                };
                Ok(metadata)
            }
            Err(e) => {
                slot.failed_at = Some(Instant::now());
                Err(e)
            }
        }
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
        let metadata = self.metadata(http, oidc, false).await?;
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
            let mut identity = github_identity(http, &gh.api, token.access_token()).await?;
            identity.provider = self.identity_provider();
            identity.email_verified &= self.trust_email;
            return Ok(identity);
        }
        let oidc = self
            .oidc
            .as_ref()
            .ok_or_else(|| ProviderError::Misconfigured("no issuer".into()))?;
        let metadata = self.metadata(http, oidc, false).await?;
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
        // Signature (against the issuer's JWKS), `iss`, `aud` (and `azp`), `exp` and
        // `nonce`.
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // The issuer may have rotated its keys since we fetched them: fetch them
            // again, once, then judge.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.metadata(http, oidc, true).await?;
                let client = CoreClient::from_provider_metadata(
                    fresh,
                    self.client_id.clone(),
                    Some(self.client_secret.clone()),
                );
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| ProviderError::InvalidIdToken(e.to_string()))?
                    .clone()
            }
            Err(e) => return Err(ProviderError::InvalidIdToken(e.to_string())),
        };
        Ok(ExternalIdentity {
            provider: self.identity_provider(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: self.trust_email && claims.email_verified().unwrap_or(false),
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
