//! Portfolio items (previous work a client can judge) and employment history.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::input::Change;
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
    /// Bumped by every write (see `ProfileRepository::save_portfolio_item`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A portfolio item as the edge receives it. Absent fields stay as they are (`title` is
/// required when adding); `Clear` empties the link; lists, when given, replace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortfolioItemInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub link: Change<String>,
    /// Skill slugs from the taxonomy.
    pub skills: Option<Vec<String>>,
    pub image_links: Option<Vec<String>>,
    /// Fields sent as `null` that cannot be cleared.
    pub nulls: Vec<&'static str>,
}

impl PortfolioItemInput {
    pub fn skill_slugs(&self) -> Vec<SkillSlug> {
        match &self.skills {
            Some(list) if list.len() <= MAX_ITEM_SKILLS => list
                .iter()
                .filter_map(|s| SkillSlug::parse(s.trim()).ok())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Validates into `item`; all errors at once, nothing half-applied.
    pub fn apply(
        self,
        item: &mut PortfolioItem,
        known: &HashMap<String, SkillId>,
        creating: bool,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = item.clone();
        for field in &self.nulls {
            errors.push(FieldError::validation(
                &[field],
                "cannot be null; leave it out to keep it",
            ));
        }
        match self.title {
            Some(t) => match text::single_line(&t, 1, 120) {
                Ok(t) => next.title = t,
                Err(m) => errors.push(FieldError::validation(&["title"], m)),
            },
            None if creating && !self.nulls.contains(&"title") => {
                errors.push(FieldError::validation(&["title"], "is required"));
            }
            None => {}
        }
        if let Some(d) = self.description {
            match text::multi_line(&d, 0, 2_000) {
                Ok(d) => next.description = d,
                Err(m) => errors.push(FieldError::validation(&["description"], m)),
            }
        }
        match self.link {
            Change::Keep => {}
            Change::Clear => next.link = None,
            Change::Set(link) => {
                let link = link.trim().to_owned();
                match text::https_url_on(&link, &[]) {
                    Ok(()) => next.link = Some(link),
                    Err(m) => errors.push(FieldError::validation(&["link"], m)),
                }
            }
        }
        if let Some(skills) = self.skills {
            if skills.len() > MAX_ITEM_SKILLS {
                errors.push(FieldError::validation(
                    &["skills"],
                    format!("at most {MAX_ITEM_SKILLS} skills"),
                ));
            } else {
                let mut seen = HashSet::new();
                next.skills.clear();
                for (i, slug) in skills.iter().enumerate() {
                    let slug = slug.trim();
                    match known.get(slug) {
                        Some(id) if seen.insert(*id) => next.skills.push(*id),
                        Some(_) => {}
                        None => errors.push(FieldError::new(
                            &["skills", &i.to_string()],
                            crate::ErrorCode::NotFound,
                            format!(
                                "unknown skill `{}`",
                                slug.chars().take(64).collect::<String>()
                            ),
                        )),
                    }
                }
            }
        }
        if let Some(images) = self.image_links {
            if images.len() > MAX_IMAGES {
                errors.push(FieldError::validation(
                    &["imageLinks"],
                    format!("at most {MAX_IMAGES} images"),
                ));
            } else {
                next.image_links.clear();
                for (i, url) in images.iter().enumerate() {
                    let url = url.trim();
                    match text::https_url_on(url, &[]) {
                        Ok(()) => next.image_links.push(url.to_owned()),
                        Err(m) => {
                            errors.push(FieldError::validation(&["imageLinks", &i.to_string()], m))
                        }
                    }
                }
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
    /// Bumped by every write.
    pub version: i64,
}

/// An employment as the edge receives it. Absent fields stay (company, title and start
/// are required when adding); `Clear` on `ended_on` makes it current.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmploymentInput {
    pub company: Option<String>,
    pub title: Option<String>,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Change<NaiveDate>,
    pub description: Option<String>,
    /// Fields sent as `null` that cannot be cleared.
    pub nulls: Vec<&'static str>,
}

impl EmploymentInput {
    /// Validates into `job`; `today` bounds the dates (no future start).
    pub fn apply(
        self,
        job: &mut Employment,
        today: NaiveDate,
        creating: bool,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = job.clone();
        for field in &self.nulls {
            errors.push(FieldError::validation(
                &[field],
                "cannot be null; leave it out to keep it",
            ));
        }
        let required = |name: &'static str, errors: &mut Vec<FieldError>| {
            if creating && !self.nulls.contains(&name) {
                errors.push(FieldError::validation(&[name], "is required"));
            }
        };
        match &self.company {
            Some(c) => match text::single_line(c, 1, 120) {
                Ok(c) => next.company = c,
                Err(m) => errors.push(FieldError::validation(&["company"], m)),
            },
            None => required("company", &mut errors),
        }
        match &self.title {
            Some(t) => match text::single_line(t, 1, 120) {
                Ok(t) => next.title = t,
                Err(m) => errors.push(FieldError::validation(&["title"], m)),
            },
            None => required("title", &mut errors),
        }
        if let Some(d) = &self.description {
            match text::multi_line(d, 0, 2_000) {
                Ok(d) => next.description = d,
                Err(m) => errors.push(FieldError::validation(&["description"], m)),
            }
        }
        match self.started_on {
            Some(d) => next.started_on = d,
            None => required("startedOn", &mut errors),
        }
        match self.ended_on {
            Change::Keep => {}
            Change::Clear => next.ended_on = None,
            Change::Set(d) => next.ended_on = Some(d),
        }
        let earliest = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or(NaiveDate::MIN);
        if next.started_on < earliest || next.started_on > today {
            errors.push(FieldError::validation(
                &["startedOn"],
                "must be between 1950-01-01 and today",
            ));
        }
        if let Some(end) = next.ended_on
            && (end < next.started_on || end > today)
        {
            errors.push(FieldError::validation(
                &["endedOn"],
                "must be on or after startedOn and not in the future",
            ));
        }
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
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn portfolio_items_are_validated_and_changed_partially() {
        let known = HashMap::from([("rust".to_string(), SkillId(Uuid::from_u128(1)))]);
        let mut it = item();
        let before = it.clone();
        let errors = PortfolioItemInput {
            title: Some(" ".into()),
            link: Change::Set("http://insecure.example".into()),
            skills: Some(vec!["rust".into(), "nope".into()]),
            image_links: Some(vec!["javascript:alert(1)".into()]),
            ..Default::default()
        }
        .apply(&mut it, &known, true)
        .unwrap_err();
        let mut paths: Vec<String> = errors.iter().map(|e| e.field.join(".")).collect();
        paths.sort();
        assert_eq!(paths, ["imageLinks.0", "link", "skills.1", "title"]);
        assert_eq!(it, before, "unchanged");
        PortfolioItemInput {
            title: Some("Payments API".into()),
            description: Some("Idempotent payments.".into()),
            link: Change::Set("https://github.com/ada/payments".into()),
            skills: Some(vec!["rust".into(), "rust".into()]),
            ..Default::default()
        }
        .apply(&mut it, &known, true)
        .unwrap();
        assert_eq!(it.skills.len(), 1, "duplicates collapse");
        PortfolioItemInput {
            title: Some("Payments API v2".into()),
            ..Default::default()
        }
        .apply(&mut it, &known, false)
        .unwrap();
        assert_eq!(it.description, "Idempotent payments.", "absent fields stay");
        assert!(it.link.is_some());
        assert!(
            PortfolioItemInput::default()
                .apply(&mut item(), &known, true)
                .is_err(),
            "title required"
        );
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
            version: 1,
        };
        let bad = EmploymentInput {
            company: Some("Acme".into()),
            title: Some("Engineer".into()),
            started_on: NaiveDate::from_ymd_opt(2020, 1, 1),
            ended_on: Change::Set(NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()),
            ..Default::default()
        };
        let errors = bad.clone().apply(&mut job, today, true).unwrap_err();
        assert_eq!(errors[0].field, ["endedOn"]);
        let future = EmploymentInput {
            started_on: NaiveDate::from_ymd_opt(2030, 1, 1),
            ended_on: Change::Keep,
            ..bad.clone()
        };
        assert_eq!(
            future.apply(&mut job, today, true).unwrap_err()[0].field,
            ["startedOn"]
        );
        let ok = EmploymentInput {
            ended_on: Change::Set(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()),
            description: Some("APIs".into()),
            ..bad
        };
        ok.apply(&mut job, today, true).unwrap();
        assert_eq!(job.company, "Acme");
        EmploymentInput {
            title: Some("Staff engineer".into()),
            ..Default::default()
        }
        .apply(&mut job, today, false)
        .unwrap();
        assert_eq!(
            (job.company.as_str(), job.description.as_str()),
            ("Acme", "APIs"),
            "absent fields stay"
        );
    }
}
