//! Portfolio items (previous work a client can judge) and employment history.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::ProfileId;
use crate::error::FieldError;
use crate::taxonomy::{SkillId, SkillSlug};
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortfolioItemId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EmploymentId(pub Uuid);

pub const MAX_PORTFOLIO_ITEMS: usize = 50;
pub const MAX_ITEM_SKILLS: usize = 20;
pub const MAX_IMAGES: usize = 10;
pub const MAX_EMPLOYMENTS: usize = 30;

/// A piece of previous work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioItem {
    pub id: PortfolioItemId,
    pub profile_id: ProfileId,
    pub title: String,
    pub description: String,
    pub link: Option<String>,
    pub skills: Vec<SkillId>,
    pub image_links: Vec<String>,
    /// Set for items imported from GitHub: `owner/name`, which makes re-imports update
    /// instead of duplicating.
    pub github_repo: Option<String>,
    pub stars: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A portfolio item as the edge receives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortfolioItemInput {
    pub title: String,
    pub description: Option<String>,
    pub link: Option<String>,
    /// Skill slugs from the taxonomy.
    pub skills: Vec<String>,
    pub image_links: Vec<String>,
}

impl PortfolioItemInput {
    pub fn skill_slugs(&self) -> Vec<SkillSlug> {
        self.skills
            .iter()
            .filter_map(|s| SkillSlug::parse(s.trim()).ok())
            .collect()
    }

    /// Validates into `item` (title, description, link, skills, images); all errors at once.
    pub fn apply(
        self,
        item: &mut PortfolioItem,
        known: &HashMap<String, SkillId>,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = item.clone();
        match text::single_line(&self.title, 1, 120) {
            Ok(t) => next.title = t,
            Err(m) => errors.push(FieldError::validation(&["title"], m)),
        }
        match text::multi_line(self.description.as_deref().unwrap_or(""), 0, 2_000) {
            Ok(d) => next.description = d,
            Err(m) => errors.push(FieldError::validation(&["description"], m)),
        }
        next.link = None;
        if let Some(link) = self
            .link
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
        {
            match text::https_url_on(&link, &[]) {
                Ok(()) => next.link = Some(link),
                Err(m) => errors.push(FieldError::validation(&["link"], m)),
            }
        }
        if self.skills.len() > MAX_ITEM_SKILLS {
            errors.push(FieldError::validation(
                &["skills"],
                format!("at most {MAX_ITEM_SKILLS} skills"),
            ));
        }
        let mut seen = HashSet::new();
        next.skills.clear();
        for (i, slug) in self.skills.iter().enumerate() {
            let i = i.to_string();
            let slug = slug.trim();
            match known.get(slug) {
                Some(id) if seen.insert(*id) => next.skills.push(*id),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    &["skills", &i],
                    crate::ErrorCode::NotFound,
                    format!("unknown skill `{slug}`"),
                )),
            }
        }
        if self.image_links.len() > MAX_IMAGES {
            errors.push(FieldError::validation(
                &["imageLinks"],
                format!("at most {MAX_IMAGES} images"),
            ));
        }
        next.image_links.clear();
        for (i, url) in self.image_links.iter().enumerate() {
            let url = url.trim();
            match text::https_url_on(url, &[]) {
                Ok(()) => next.image_links.push(url.to_owned()),
                Err(m) => errors.push(FieldError::validation(&["imageLinks", &i.to_string()], m)),
            }
        }
        if errors.is_empty() {
            *item = next;
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A job the freelancer held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    pub id: EmploymentId,
    pub profile_id: ProfileId,
    pub company: String,
    pub title: String,
    pub started_on: NaiveDate,
    /// `None` while it lasts.
    pub ended_on: Option<NaiveDate>,
    pub description: String,
}

/// An employment as the edge receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmploymentInput {
    pub company: String,
    pub title: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub description: Option<String>,
}

impl EmploymentInput {
    /// Validates into `job`; `today` bounds the dates (no future start).
    pub fn apply(self, job: &mut Employment, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = job.clone();
        match text::single_line(&self.company, 1, 120) {
            Ok(c) => next.company = c,
            Err(m) => errors.push(FieldError::validation(&["company"], m)),
        }
        match text::single_line(&self.title, 1, 120) {
            Ok(t) => next.title = t,
            Err(m) => errors.push(FieldError::validation(&["title"], m)),
        }
        match text::multi_line(self.description.as_deref().unwrap_or(""), 0, 2_000) {
            Ok(d) => next.description = d,
            Err(m) => errors.push(FieldError::validation(&["description"], m)),
        }
        let earliest = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or(NaiveDate::MIN);
        if self.started_on < earliest || self.started_on > today {
            errors.push(FieldError::validation(
                &["startedOn"],
                "must be between 1950-01-01 and today",
            ));
        }
        if let Some(end) = self.ended_on
            && (end < self.started_on || end > today)
        {
            errors.push(FieldError::validation(
                &["endedOn"],
                "must be on or after startedOn and not in the future",
            ));
        }
        next.started_on = self.started_on;
        next.ended_on = self.ended_on;
        if errors.is_empty() {
            *job = next;
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> PortfolioItem {
        PortfolioItem {
            id: PortfolioItemId(Uuid::nil()),
            profile_id: ProfileId(Uuid::nil()),
            title: String::new(),
            description: String::new(),
            link: None,
            skills: vec![],
            image_links: vec![],
            github_repo: None,
            stars: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn portfolio_items_are_validated() {
        let known = HashMap::from([("rust".to_string(), SkillId(Uuid::from_u128(1)))]);
        let mut it = item();
        let before = it.clone();
        let errors = PortfolioItemInput {
            title: " ".into(),
            link: Some("http://insecure.example".into()),
            skills: vec!["rust".into(), "nope".into()],
            image_links: vec!["javascript:alert(1)".into()],
            ..Default::default()
        }
        .apply(&mut it, &known)
        .unwrap_err();
        let mut paths: Vec<String> = errors.iter().map(|e| e.field.join(".")).collect();
        paths.sort();
        assert_eq!(paths, ["imageLinks.0", "link", "skills.1", "title"]);
        assert_eq!(it, before, "unchanged");
        PortfolioItemInput {
            title: "Payments API".into(),
            link: Some("https://github.com/ada/payments".into()),
            skills: vec!["rust".into(), "rust".into()],
            ..Default::default()
        }
        .apply(&mut it, &known)
        .unwrap();
        assert_eq!(it.skills.len(), 1, "duplicates collapse");
    }

    #[test]
    fn employment_dates_are_ordered_and_not_in_the_future() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let mut job = Employment {
            id: EmploymentId(Uuid::nil()),
            profile_id: ProfileId(Uuid::nil()),
            company: String::new(),
            title: String::new(),
            started_on: today,
            ended_on: None,
            description: String::new(),
        };
        let bad = EmploymentInput {
            company: "Acme".into(),
            title: "Engineer".into(),
            started_on: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            ended_on: NaiveDate::from_ymd_opt(2019, 1, 1),
            description: None,
        };
        let errors = bad.clone().apply(&mut job, today).unwrap_err();
        assert_eq!(errors[0].field, ["endedOn"]);
        let future = EmploymentInput {
            started_on: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            ended_on: None,
            ..bad.clone()
        };
        assert_eq!(
            future.apply(&mut job, today).unwrap_err()[0].field,
            ["startedOn"]
        );
        let ok = EmploymentInput {
            ended_on: NaiveDate::from_ymd_opt(2024, 6, 30),
            ..bad
        };
        ok.apply(&mut job, today).unwrap();
        assert_eq!(job.company, "Acme");
    }
}
