//! A client's (employer's) profile: who is hiring. Statistics are computed from the
//! postings and contracts they have, never stored as counters that could drift.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::input::Change;
use crate::actor::UserId;
use crate::error::FieldError;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClientProfileId(pub Uuid);

/// How many people the company employs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompanySize {
    Solo,
    From2To10,
    From11To50,
    From51To200,
    From201To1000,
    Over1000,
}

impl CompanySize {
    pub fn key(self) -> &'static str {
        match self {
            CompanySize::Solo => "SOLO",
            CompanySize::From2To10 => "FROM_2_TO_10",
            CompanySize::From11To50 => "FROM_11_TO_50",
            CompanySize::From51To200 => "FROM_51_TO_200",
            CompanySize::From201To1000 => "FROM_201_TO_1000",
            CompanySize::Over1000 => "OVER_1000",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            CompanySize::Solo,
            CompanySize::From2To10,
            CompanySize::From11To50,
            CompanySize::From51To200,
            CompanySize::From201To1000,
            CompanySize::Over1000,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientProfile {
    pub id: ClientProfileId,
    pub user_id: UserId,
    pub company_name: String,
    pub size: Option<CompanySize>,
    pub industry: Option<String>,
    pub website: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub city: Option<String>,
    pub description: String,
    /// Whether the owner's account is active; a suspended user's profile is not public.
    pub owner_active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a client has done on the marketplace, computed when asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClientStats {
    pub postings: u64,
    pub hires: u64,
    /// Whole percent of postings that ended in a hire; 0 without postings.
    pub hire_rate_percent: u8,
}

/// Changes to a client profile; absent fields stay, `Clear` empties a clearable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientProfileInput {
    pub company_name: Option<String>,
    pub size: Change<CompanySize>,
    pub industry: Change<String>,
    pub website: Change<String>,
    pub country: Change<String>,
    pub city: Change<String>,
    pub description: Option<String>,
    /// Fields sent as `null` that cannot be cleared.
    pub nulls: Vec<&'static str>,
}

impl ClientProfileInput {
    /// Validates into `profile`; all errors at once, nothing half-applied.
    pub fn apply(self, profile: &mut ClientProfile, creating: bool) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = profile.clone();
        for field in &self.nulls {
            errors.push(FieldError::validation(
                &[field],
                "cannot be null; leave it out to keep it",
            ));
        }
        match self.company_name {
            Some(name) => match text::single_line(&name, 1, 120) {
                Ok(n) => next.company_name = n,
                Err(m) => errors.push(FieldError::validation(&["companyName"], m)),
            },
            None if creating && !self.nulls.contains(&"companyName") => {
                errors.push(FieldError::validation(&["companyName"], "is required"))
            }
            None => {}
        }
        match self.size {
            Change::Keep => {}
            Change::Clear => next.size = None,
            Change::Set(s) => next.size = Some(s),
        }
        match self.industry {
            Change::Keep => {}
            Change::Clear => next.industry = None,
            Change::Set(i) => match text::single_line(&i, 1, 80) {
                Ok(i) => next.industry = Some(i),
                Err(m) => errors.push(FieldError::validation(&["industry"], m)),
            },
        }
        match self.website {
            Change::Keep => {}
            Change::Clear => next.website = None,
            Change::Set(w) => {
                let w = w.trim().to_owned();
                match text::https_url_on(&w, &[]) {
                    Ok(()) => next.website = Some(w),
                    Err(m) => errors.push(FieldError::validation(&["website"], m)),
                }
            }
        }
        match self.country {
            Change::Keep => {}
            Change::Clear => next.country = None,
            Change::Set(c) => match super::codes::country(&c) {
                Ok(c) => next.country = Some(c),
                Err(m) => errors.push(FieldError::validation(&["country"], m)),
            },
        }
        match self.city {
            Change::Keep => {}
            Change::Clear => next.city = None,
            Change::Set(c) => match text::single_line(&c, 1, 100) {
                Ok(c) => next.city = Some(c),
                Err(m) => errors.push(FieldError::validation(&["city"], m)),
            },
        }
        if let Some(d) = self.description {
            match text::multi_line(&d, 0, 5_000) {
                Ok(d) => next.description = d,
                Err(m) => errors.push(FieldError::validation(&["description"], m)),
            }
        }
        if errors.is_empty() {
            *profile = next;
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank() -> ClientProfile {
        ClientProfile {
            id: ClientProfileId(Uuid::nil()),
            user_id: UserId(Uuid::nil()),
            company_name: String::new(),
            size: None,
            industry: None,
            website: None,
            country: None,
            city: None,
            description: String::new(),
            owner_active: true,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn client_profiles_are_validated() {
        let mut p = blank();
        let before = p.clone();
        let errors = ClientProfileInput {
            website: Change::Set("http://acme.example".into()),
            country: Change::Set("XX".into()),
            ..Default::default()
        }
        .apply(&mut p, true)
        .unwrap_err();
        let mut paths: Vec<String> = errors.iter().map(|e| e.field.join(".")).collect();
        paths.sort();
        assert_eq!(paths, ["companyName", "country", "website"]);
        assert_eq!(p, before);
        ClientProfileInput {
            company_name: Some(" Acme GmbH ".into()),
            size: Change::Set(CompanySize::From11To50),
            website: Change::Set("https://acme.example".into()),
            country: Change::Set("de".into()),
            ..Default::default()
        }
        .apply(&mut p, true)
        .unwrap();
        assert_eq!(
            (p.company_name.as_str(), p.country.as_deref()),
            ("Acme GmbH", Some("DE"))
        );
        assert_eq!(
            CompanySize::from_key(CompanySize::Over1000.key()),
            Some(CompanySize::Over1000)
        );
    }
}
