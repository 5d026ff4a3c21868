use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::actor::{Role, UserId};
use crate::error::{DomainError, DomainResult};

/// Who issued an identity. Subjects are unique only per issuer, so the issuer itself is
/// part of the key: a GitHub Enterprise user 42 is not github.com's user 42, and pointing a
/// configured provider at another OpenID Connect issuer does not reuse old identities.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Provider {
    /// github.com.
    Github,
    /// A GitHub Enterprise server, by its API host.
    GithubEnterprise(String),
    /// Google (issuer `https://accounts.google.com`).
    Google,
    /// An OpenID Connect issuer, by its issuer URL.
    Oidc(String),
    /// The development sign-in (only when enabled in configuration).
    Dev,
}

/// The longest provider key that is stored (`oidc:` plus an issuer URL).
pub const MAX_PROVIDER_KEY: usize = 300;

impl Provider {
    pub fn key(&self) -> String {
        match self {
            Provider::Github => "github".into(),
            Provider::GithubEnterprise(host) => format!("github:{host}"),
            Provider::Google => "google".into(),
            Provider::Oidc(issuer) => format!("oidc:{issuer}"),
            Provider::Dev => "dev".into(),
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "github" => Some(Provider::Github),
            "google" => Some(Provider::Google),
            "dev" => Some(Provider::Dev),
            other => {
                if let Some(host) = other.strip_prefix("github:") {
                    Some(Provider::GithubEnterprise(host.to_owned()))
                } else {
                    other
                        .strip_prefix("oidc:")
                        .map(|issuer| Provider::Oidc(issuer.to_owned()))
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Active,
    /// Cannot sign in; existing sessions stop working.
    Suspended,
}

/// A person with an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Option<String>,
    pub email_verified: bool,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub time_zone: Option<String>,
    pub roles: Vec<Role>,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The actor this user is when signed in.
    pub fn actor(&self) -> crate::Actor {
        crate::Actor::User {
            id: self.id,
            roles: self.roles.clone(),
        }
    }
}

/// What a provider (or the development sign-in) vouches for after a successful sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    pub provider: Provider,
    /// The provider's stable id of the account (`sub`, or GitHub's numeric id).
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider has verified `email`; only a verified email links accounts.
    pub email_verified: bool,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

impl ExternalIdentity {
    /// What is kept of a provider's claims: the subject must fit (1 to 255 characters,
    /// else the sign-in is refused); an email that is not one, a picture that is not a
    /// short https URL, and control characters in the name are dropped.
    pub fn sanitised(self) -> DomainResult<Self> {
        if self.subject.is_empty() || self.subject.chars().count() > 255 {
            return Err(DomainError::validation(
                &["subject"],
                "the provider's account id must be 1 to 255 characters",
            ));
        }
        if self.provider.key().len() > MAX_PROVIDER_KEY {
            return Err(DomainError::validation(
                &["provider"],
                "the issuer URL is too long",
            ));
        }
        let email = self
            .email
            .as_deref()
            .and_then(normalise_email)
            .filter(|e| e.len() <= 320);
        Ok(Self {
            email_verified: self.email_verified && email.is_some(),
            email,
            display_name: self
                .display_name
                .map(|n| {
                    n.chars()
                        .filter(|c| !c.is_control())
                        .take(100)
                        .collect::<String>()
                })
                .filter(|n| !n.trim().is_empty()),
            avatar_url: self
                .avatar_url
                .filter(|u| u.starts_with("https://") && u.len() <= 2048 && https_url(u).is_ok()),
            ..self
        })
    }
}

/// A user to create from a first sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub id: UserId,
    pub email: Option<String>,
    pub email_verified: bool,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub roles: Vec<Role>,
}

/// Lowercased and trimmed; `None` for something that is not an email address.
pub fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    validator::ValidateEmail::validate_email(&email).then_some(email)
}

/// The shared text rules (`crate::text`) as `validator` custom checks.
fn rule<T>(
    code: &'static str,
    checked: Result<T, String>,
) -> Result<(), validator::ValidationError> {
    checked
        .map(|_| ())
        .map_err(|m| validator::ValidationError::new(code).with_message(m.into()))
}

fn valid_time_zone(tz: &str) -> Result<(), validator::ValidationError> {
    rule("time_zone", crate::text::time_zone(tz))
}

fn https_url(url: &str) -> Result<(), validator::ValidationError> {
    rule("url", crate::text::https_url_on(url, &[]))
}

fn single_line(text: &str) -> Result<(), validator::ValidationError> {
    // Length is checked by its own rule; this one is about the characters.
    rule("control", crate::text::single_line(text, 0, usize::MAX))
}

/// Changes a user makes to their own account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Validate)]
pub struct ProfileUpdate {
    #[validate(
        length(min = 1, max = 100, message = "must be 1 to 100 characters"),
        custom(function = "single_line")
    )]
    pub display_name: Option<String>,
    #[validate(
        length(max = 2048, message = "must be at most 2048 characters"),
        url(message = "must be a URL"),
        custom(function = "https_url")
    )]
    pub avatar_url: Option<String>,
    #[validate(custom(function = "valid_time_zone"))]
    pub time_zone: Option<String>,
}

impl ProfileUpdate {
    /// Trims and validates; every bad field is reported.
    pub fn parse(self) -> DomainResult<Self> {
        let trimmed = ProfileUpdate {
            display_name: self.display_name.map(|s| s.trim().to_owned()),
            avatar_url: self.avatar_url.map(|s| s.trim().to_owned()),
            time_zone: self.time_zone.map(|s| s.trim().to_owned()),
        };
        trimmed
            .validate()
            .map_err(|e| DomainError::from_validation(&e))?;
        Ok(trimmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_updates_are_validated_field_by_field() {
        let ok = ProfileUpdate {
            display_name: Some("  Ada  ".into()),
            avatar_url: Some("https://example.com/a.png".into()),
            time_zone: Some("America/Argentina/Buenos_Aires".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.display_name.as_deref(), Some("Ada"));
        let err = ProfileUpdate {
            display_name: Some("".into()),
            avatar_url: Some("http://insecure.example/a.png".into()),
            time_zone: Some("Mars/Olympus Mons".into()),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = err
            .field_errors()
            .iter()
            .map(|e| e.field.join("."))
            .collect();
        assert_eq!(fields, vec!["avatarUrl", "displayName", "timeZone"]);
    }

    #[test]
    fn emails_and_providers() {
        assert_eq!(
            normalise_email(" Ada@Example.COM ").as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(normalise_email("not an email"), None);
        for p in [
            Provider::Github,
            Provider::GithubEnterprise("ghe.acme.example".into()),
            Provider::Google,
            Provider::Dev,
            Provider::Oidc("https://login.acme.example".into()),
        ] {
            assert_eq!(Provider::from_key(&p.key()), Some(p));
        }
        assert_eq!(Provider::from_key("myspace"), None);
    }

    #[test]
    fn provider_claims_are_sanitised() {
        let raw = ExternalIdentity {
            provider: Provider::Google,
            subject: "s".into(),
            email: Some(" Ada@Example.com ".into()),
            email_verified: true,
            display_name: Some("Ada\u{7}".into()),
            avatar_url: Some(format!("https://img.example/{}", "a".repeat(3000))),
        };
        let clean = raw.clone().sanitised().unwrap();
        assert_eq!(clean.email.as_deref(), Some("ada@example.com"));
        assert_eq!(clean.display_name.as_deref(), Some("Ada"));
        assert_eq!(clean.avatar_url, None);
        let no_email = ExternalIdentity {
            email: Some("nope".into()),
            ..raw.clone()
        }
        .sanitised()
        .unwrap();
        assert!(
            !no_email.email_verified,
            "nothing verified without an email"
        );
        let long = ExternalIdentity {
            subject: "x".repeat(256),
            ..raw
        }
        .sanitised();
        assert!(long.is_err());
    }
}
