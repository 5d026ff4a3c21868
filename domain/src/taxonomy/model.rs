use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use crate::error::{DomainError, DomainResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CategoryId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkillId(pub Uuid);

/// A group of related skills, e.g. "Databases".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Display order among categories, ascending.
    pub position: i32,
}

/// A skill such as "PostgreSQL" or "Rust".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    pub id: SkillId,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub category_id: CategoryId,
}

/// A URL-safe identifier: lowercase ASCII letters and digits in groups joined by single
/// hyphens, 1 to 64 characters (`postgresql`, `ci-cd`, `c-sharp`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkillSlug(String);

impl SkillSlug {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err("must be 1 to 64 characters");
        }
        let groups_ok = raw.split('-').all(|g| {
            !g.is_empty()
                && g.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if groups_ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be lowercase letters and digits joined by single hyphens")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A normalised search term: trimmed, lowercased, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    pub const MAX_LEN: usize = 100;

    /// `None` for a blank term (no filter), an error for one that is too long.
    pub fn parse(raw: &str) -> DomainResult<Option<Self>> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if has_control_chars(trimmed, false) {
            return Err(DomainError::validation(
                &["search"],
                "must not contain control characters",
            ));
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(DomainError::validation(
                &["search"],
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        Ok(Some(Self(trimmed.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which skills a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillFilter {
    /// Matches the name, the slug or an alias, case-insensitively, anywhere in the text.
    pub search: Option<SearchTerm>,
    pub category: Option<CategoryId>,
}

/// Control characters (NUL above all, which PostgreSQL refuses in text) have no place in
/// names; multi-line text may keep line breaks and tabs.
pub(crate) fn has_control_chars(text: &str, multiline: bool) -> bool {
    text.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

fn control_chars_error() -> validator::ValidationError {
    validator::ValidationError::new("control")
        .with_message("must not contain control characters".into())
}

fn single_line(text: &str) -> Result<(), validator::ValidationError> {
    match has_control_chars(text, false) {
        true => Err(control_chars_error()),
        false => Ok(()),
    }
}

fn multi_line(text: &str) -> Result<(), validator::ValidationError> {
    match has_control_chars(text, true) {
        true => Err(control_chars_error()),
        false => Ok(()),
    }
}

fn valid_slug(raw: &str) -> Result<(), validator::ValidationError> {
    SkillSlug::parse(raw)
        .map(|_| ())
        .map_err(|message| validator::ValidationError::new("slug").with_message(message.into()))
}

fn valid_aliases(aliases: &[String]) -> Result<(), validator::ValidationError> {
    let bad = |message: &'static str| {
        Err(validator::ValidationError::new("aliases").with_message(message.into()))
    };
    if aliases.len() > 20 {
        return bad("at most 20 aliases");
    }
    let mut seen = std::collections::HashSet::new();
    for alias in aliases {
        let norm = alias.trim().to_lowercase();
        if norm.is_empty() || norm.chars().count() > 64 {
            return bad("each alias must be 1 to 64 characters");
        }
        if has_control_chars(&norm, false) {
            return bad("aliases must not contain control characters");
        }
        if !seen.insert(norm) {
            return bad("aliases must be distinct");
        }
    }
    Ok(())
}

/// What an admin submits to add a skill. Validated with `validator`, then turned into a
/// [`NewSkill`] that cannot be invalid.
#[derive(Debug, Clone, Validate)]
pub struct CreateSkill {
    #[validate(custom(function = "valid_slug"))]
    pub slug: String,
    #[validate(
        length(min = 1, max = 80, message = "must be 1 to 80 characters"),
        custom(function = "single_line")
    )]
    pub name: String,
    /// `None` when the client sent an ID that is not a category's.
    #[validate(required(message = "is not a category ID"))]
    pub category_id: Option<CategoryId>,
    #[validate(
        length(max = 2000, message = "must be at most 2000 characters"),
        custom(function = "multi_line")
    )]
    pub description: Option<String>,
    #[validate(custom(function = "valid_aliases"))]
    pub aliases: Vec<String>,
}

/// A skill ready to be stored: every field already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSkill {
    pub id: SkillId,
    pub slug: SkillSlug,
    pub name: String,
    pub category_id: CategoryId,
    pub description: Option<String>,
    pub aliases: Vec<String>,
}

impl TryFrom<CreateSkill> for NewSkill {
    type Error = DomainError;

    fn try_from(input: CreateSkill) -> DomainResult<Self> {
        let trimmed = CreateSkill {
            name: input.name.trim().to_owned(),
            description: input
                .description
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty()),
            aliases: input.aliases.iter().map(|a| a.trim().to_owned()).collect(),
            ..input
        };
        trimmed
            .validate()
            .map_err(|e| DomainError::from_validation(&e))?;
        let slug = SkillSlug::parse(&trimmed.slug)
            .map_err(|message| DomainError::validation(&["slug"], message))?;
        let category_id = trimmed
            .category_id
            .ok_or_else(|| DomainError::validation(&["categoryId"], "is not a category ID"))?;
        Ok(NewSkill {
            id: SkillId(Uuid::now_v7()),
            slug,
            name: trimmed.name,
            category_id,
            description: trimmed.description,
            aliases: trimmed.aliases,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input() -> CreateSkill {
        CreateSkill {
            slug: "rust".into(),
            name: " Rust ".into(),
            category_id: Some(CategoryId(Uuid::nil())),
            description: Some("  ".into()),
            aliases: vec![" rust-lang ".into()],
        }
    }

    #[test]
    fn valid_input_is_trimmed() {
        let skill = NewSkill::try_from(input()).unwrap();
        assert_eq!(skill.name, "Rust");
        assert_eq!(skill.description, None);
        assert_eq!(skill.aliases, vec!["rust-lang".to_string()]);
    }

    #[test]
    fn every_bad_field_is_reported_with_its_path() {
        let err = NewSkill::try_from(CreateSkill {
            slug: "Not A Slug".into(),
            name: "   ".into(),
            aliases: vec!["pg".into(), "PG".into()],
            ..input()
        })
        .unwrap_err();
        let fields: Vec<_> = err
            .field_errors()
            .iter()
            .map(|e| e.field.join("."))
            .collect();
        assert_eq!(fields, vec!["aliases", "name", "slug"]);
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_kept_in_text() {
        let err = NewSkill::try_from(CreateSkill {
            name: "Ru\u{0}st".into(),
            ..input()
        })
        .unwrap_err();
        assert_eq!(err.field_errors()[0].field, vec!["name".to_string()]);
        let ok = NewSkill::try_from(CreateSkill {
            description: Some("line one\nline two\tend".into()),
            ..input()
        })
        .unwrap();
        assert!(ok.description.unwrap().contains('\n'));
        assert!(SearchTerm::parse("post\u{0}gres").is_err());
        assert!(
            NewSkill::try_from(CreateSkill {
                aliases: vec!["a\u{7}b".into()],
                ..input()
            })
            .is_err()
        );
    }

    #[test]
    fn slugs() {
        for ok in ["go", "ci-cd", "c-sharp", "node-js", "k8s"] {
            assert!(SkillSlug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-go",
            "go-",
            "c--sharp",
            "C",
            "c#",
            "a b",
            &"a".repeat(65),
        ] {
            assert!(SkillSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_terms() {
        assert_eq!(SearchTerm::parse("   ").unwrap(), None);
        assert_eq!(
            SearchTerm::parse(" PostgreSQL ").unwrap().unwrap().as_str(),
            "postgresql"
        );
        assert!(SearchTerm::parse(&"x".repeat(101)).is_err());
    }

    proptest! {
        #[test]
        fn parsed_slugs_round_trip(raw in "[a-z0-9-]{0,70}") {
            if let Ok(slug) = SkillSlug::parse(&raw) {
                prop_assert_eq!(slug.as_str(), raw.as_str());
                prop_assert!(!raw.starts_with('-') && !raw.ends_with('-') && !raw.contains("--"));
            }
        }
    }
}
