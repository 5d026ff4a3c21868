//! Agency profile changes as the edge receives them, and how they become a valid agency:
//! every bad field is reported at once, with its path, and nothing is half-applied.

use std::collections::HashMap;

use super::model::{Agency, AgencySkill};
use crate::error::FieldError;
use crate::profiles::Change;
use crate::profiles::codes::is_country;
use crate::profiles::input::{skill_level, skill_list};
use crate::taxonomy::{SkillId, SkillSlug};
use crate::text;

pub const MIN_NAME: usize = 2;
pub const MAX_NAME: usize = 100;
pub const MAX_HEADLINE: usize = 120;
pub const MAX_OVERVIEW: usize = 5_000;
pub const MAX_AGENCY_SKILLS: usize = 30;

/// A skill the agency offers: a taxonomy slug and an optional level (1-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencySkillInput {
    pub skill: String,
    pub level: Option<i64>,
}

/// Changes to an agency's profile. Absent fields stay; `Clear` empties a clearable one;
/// a list, when given, replaces the whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyInput {
    pub name: Option<String>,
    pub headline: Option<String>,
    pub overview: Option<String>,
    pub website: Change<String>,
    pub country: Change<String>,
    pub skills: Option<Vec<AgencySkillInput>>,
    /// Fields sent as `null` that cannot be cleared (input field names); each is reported.
    pub nulls: Vec<&'static str>,
}

impl AgencyInput {
    /// The well-formed skill slugs the input names (an oversized list is refused as a
    /// whole and not looked up).
    pub fn skill_slugs(&self) -> Vec<SkillSlug> {
        match &self.skills {
            Some(list) if list.len() <= MAX_AGENCY_SKILLS => list
                .iter()
                .filter_map(|s| SkillSlug::parse(s.skill.trim()).ok())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Validates into `agency`; `known` maps known slugs to skill ids; `creating` makes
    /// `name` required. On any error `agency` is untouched and every error is returned.
    pub fn apply(
        self,
        agency: &mut Agency,
        known: &HashMap<String, SkillId>,
        creating: bool,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = agency.clone();
        for field in &self.nulls {
            errors.push(FieldError::validation(
                &[field],
                "cannot be null; leave it out to keep it",
            ));
        }
        match self.name {
            Some(name) => match text::single_line(&name, MIN_NAME, MAX_NAME) {
                Ok(n) => next.name = n,
                Err(m) => errors.push(FieldError::validation(&["name"], m)),
            },
            None if creating && !self.nulls.contains(&"name") => {
                errors.push(FieldError::validation(&["name"], "is required"));
            }
            None => {}
        }
        if let Some(h) = self.headline {
            match text::single_line(&h, 0, MAX_HEADLINE) {
                Ok(h) => next.headline = h,
                Err(m) => errors.push(FieldError::validation(&["headline"], m)),
            }
        }
        if let Some(o) = self.overview {
            match text::multi_line(&o, 0, MAX_OVERVIEW) {
                Ok(o) => next.overview = o,
                Err(m) => errors.push(FieldError::validation(&["overview"], m)),
            }
        }
        match self.website {
            Change::Keep => {}
            Change::Clear => next.website = None,
            Change::Set(w) => {
                let w = w.trim().to_owned();
                match text::web_url(&w) {
                    Ok(()) => next.website = Some(w),
                    Err(m) => errors.push(FieldError::validation(&["website"], m)),
                }
            }
        }
        match self.country {
            Change::Keep => {}
            Change::Clear => next.country = None,
            Change::Set(c) => {
                let c = c.trim().to_ascii_uppercase();
                if is_country(&c) {
                    next.country = Some(c);
                } else {
                    errors.push(FieldError::validation(
                        &["country"],
                        "must be an ISO 3166-1 alpha-2 code such as DE",
                    ));
                }
            }
        }
        if let Some(list) = self.skills {
            match parse_skills(list, known) {
                Ok(s) => next.skills = s,
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            *agency = next;
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn parse_skills(
    list: Vec<AgencySkillInput>,
    known: &HashMap<String, SkillId>,
) -> Result<Vec<AgencySkill>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let out = skill_list(
        &mut errors,
        &list,
        MAX_AGENCY_SKILLS,
        known,
        |s| &s.skill,
        |s, i, errors| match s.level {
            None => Some(None),
            Some(l) => skill_level(errors, l, i, "level").map(Some),
        },
    );
    if errors.is_empty() {
        Ok(out
            .into_iter()
            .map(|(skill_id, level)| AgencySkill { skill_id, level })
            .collect())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::agencies::model::AgencyId;
    use crate::profiles::Visibility;
    use uuid::Uuid;

    fn blank() -> Agency {
        Agency {
            id: AgencyId(Uuid::nil()),
            name: String::new(),
            headline: String::new(),
            overview: String::new(),
            website: None,
            country: None,
            skills: vec![],
            visibility: Visibility::Visible,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn known() -> HashMap<String, SkillId> {
        HashMap::from([
            ("rust".to_string(), SkillId(Uuid::from_u128(1))),
            ("go".to_string(), SkillId(Uuid::from_u128(2))),
        ])
    }

    fn paths(errors: &[FieldError]) -> Vec<String> {
        let mut p: Vec<String> = errors.iter().map(|e| e.field.join(".")).collect();
        p.sort();
        p
    }

    fn skill(slug: &str, level: Option<i64>) -> AgencySkillInput {
        AgencySkillInput {
            skill: slug.into(),
            level,
        }
    }

    #[test]
    fn every_bad_field_is_reported_and_nothing_changes() {
        let mut a = blank();
        let before = a.clone();
        let errors = AgencyInput {
            name: Some("x".into()),
            headline: Some("h".repeat(MAX_HEADLINE + 1)),
            overview: Some("a\u{7}b".to_string()),
            website: Change::Set("ftp://acme.example".into()),
            country: Change::Set("XX".into()),
            skills: Some(vec![
                skill("rust", Some(6)),
                skill("cobol-on-mars", None),
                skill("rust", None),
                skill("Not A Slug!", None),
            ]),
            nulls: vec![],
        }
        .apply(&mut a, &known(), true)
        .unwrap_err();
        assert_eq!(
            paths(&errors),
            [
                "country",
                "headline",
                "name",
                "overview",
                "skills.0.level",
                "skills.1.skill",
                "skills.2.skill",
                "skills.3.skill",
                "website"
            ]
        );
        let unknown = errors
            .iter()
            .find(|e| e.field.join(".") == "skills.1.skill")
            .unwrap();
        assert_eq!(unknown.code, ErrorCode::NotFound);
        assert!(unknown.message.contains("cobol-on-mars"), "names the slug");
        let twice = errors
            .iter()
            .find(|e| e.field.join(".") == "skills.2.skill")
            .unwrap();
        assert_eq!(twice.code, ErrorCode::Validation);
        assert_eq!(a, before, "nothing half-applied");
    }

    #[test]
    fn boundaries_normalisation_partial_changes_and_clears() {
        let mut a = blank();
        AgencyInput {
            name: Some("  Ab ".into()),
            headline: Some("h".repeat(MAX_HEADLINE)),
            overview: Some(format!("{}\r\n", "o".repeat(MAX_OVERVIEW))),
            website: Change::Set(" http://acme.example ".into()),
            country: Change::Set("de".into()),
            skills: Some(vec![skill("rust", Some(5)), skill("go", None)]),
            nulls: vec![],
        }
        .apply(&mut a, &known(), true)
        .unwrap();
        assert_eq!(a.name, "Ab");
        assert_eq!(a.overview.chars().count(), MAX_OVERVIEW);
        assert_eq!(a.website.as_deref(), Some("http://acme.example"));
        assert_eq!(a.country.as_deref(), Some("DE"));
        assert_eq!(a.skills.len(), 2);
        assert_eq!(a.skills[1].level, None);
        // Absent fields stay; null clears the clearable ones; lists replace.
        AgencyInput {
            website: Change::Clear,
            skills: Some(vec![]),
            ..AgencyInput::default()
        }
        .apply(&mut a, &known(), false)
        .unwrap();
        assert_eq!((a.name.as_str(), a.website.as_deref()), ("Ab", None));
        assert_eq!(a.country.as_deref(), Some("DE"));
        assert!(a.skills.is_empty());
        // Name is 2 to 100 characters.
        for bad in ["A".repeat(101), "A".into(), "   ".into()] {
            let errors = AgencyInput {
                name: Some(bad),
                ..AgencyInput::default()
            }
            .apply(&mut a, &known(), false)
            .unwrap_err();
            assert_eq!(paths(&errors), ["name"]);
        }
        let errors = AgencyInput {
            nulls: vec!["name", "skills"],
            ..AgencyInput::default()
        }
        .apply(&mut a, &known(), false)
        .unwrap_err();
        assert_eq!(paths(&errors), ["name", "skills"]);
    }

    #[test]
    fn more_than_thirty_skills_are_refused_as_a_whole() {
        let mut a = blank();
        let many = AgencyInput {
            skills: Some(
                (0..=MAX_AGENCY_SKILLS)
                    .map(|i| skill(&format!("s{i}"), None))
                    .collect(),
            ),
            ..AgencyInput::default()
        };
        assert!(many.skill_slugs().is_empty(), "not looked up");
        let errors = many.apply(&mut a, &known(), false).unwrap_err();
        assert_eq!(paths(&errors), ["skills"]);
        assert!(errors[0].message.contains("30"));
    }
}
