//! A posting's evaluation pipeline: its ordered stages. Every posting starts from the
//! default template, which follows how backend developers are evaluated; the client adds,
//! removes, renames and reorders stages.
//!
//! Removing a stage that holds proposals is refused (`INVALID_STATE`, naming how many):
//! the client moves them first, deliberately, rather than have them moved somewhere they
//! did not choose. Every change is checked here, on the pipeline as a value, before
//! anything is stored.

use crate::error::{DomainError, DomainResult, FieldError};
use crate::text::single_line;

use super::lifecycle::StageId;

/// The most stages a pipeline holds.
pub const MAX_STAGES: usize = 20;
/// How long a stage name may be, in characters.
pub const MAX_STAGE_NAME: usize = 60;

/// The ID of a template stage of `posting`: a name-based UUID (version 5) of the
/// posting's ID and the stage's kind.
pub fn template_stage_id(posting: crate::postings::PostingId, kind: StageKind) -> StageId {
    StageId(uuid::Uuid::new_v5(&posting.0, kind.key().as_bytes()))
}

/// What a stage is for: what it records (interviews, coding tasks) follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageKind {
    Screening,
    TechnicalInterview,
    CodingTask,
    PortfolioReview,
    BehavioralInterview,
    CultureFit,
    /// A stage of the client's own, for anything else.
    Custom,
}

impl StageKind {
    /// The default template, in order, with each stage's name.
    pub const TEMPLATE: [(StageKind, &'static str); 6] = [
        (StageKind::Screening, "Screening"),
        (StageKind::TechnicalInterview, "Technical interview"),
        (StageKind::CodingTask, "Coding task"),
        (StageKind::PortfolioReview, "Portfolio review"),
        (StageKind::BehavioralInterview, "Behavioural interview"),
        (StageKind::CultureFit, "Culture fit"),
    ];

    /// The stable storage and API key, e.g. `TECHNICAL_INTERVIEW`.
    pub fn key(self) -> &'static str {
        match self {
            StageKind::Screening => "SCREENING",
            StageKind::TechnicalInterview => "TECHNICAL_INTERVIEW",
            StageKind::CodingTask => "CODING_TASK",
            StageKind::PortfolioReview => "PORTFOLIO_REVIEW",
            StageKind::BehavioralInterview => "BEHAVIORAL_INTERVIEW",
            StageKind::CultureFit => "CULTURE_FIT",
            StageKind::Custom => "CUSTOM",
        }
    }

    /// The kind whose [`key`](Self::key) is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        [
            StageKind::Screening,
            StageKind::TechnicalInterview,
            StageKind::CodingTask,
            StageKind::PortfolioReview,
            StageKind::BehavioralInterview,
            StageKind::CultureFit,
            StageKind::Custom,
        ]
        .into_iter()
        .find(|k| k.key() == key)
    }
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub id: StageId,
    pub kind: StageKind,
    /// One line, 1 to [`MAX_STAGE_NAME`] characters, unique in the pipeline regardless
    /// of case.
    pub name: String,
}

/// A posting's stages, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    stages: Vec<Stage>,
}

impl Pipeline {
    /// The default template, with IDs from `new_id`.
    pub fn from_template(mut new_id: impl FnMut() -> StageId) -> Self {
        Self {
            stages: StageKind::TEMPLATE
                .iter()
                .map(|(kind, name)| Stage {
                    id: new_id(),
                    kind: *kind,
                    name: (*name).to_owned(),
                })
                .collect(),
        }
    }

    /// The template as a posting that never changed its pipeline has it: each stage's
    /// ID is [`template_stage_id`] of the posting and the stage's kind, so it is the same
    /// before and after the pipeline is first stored.
    pub fn template_for(posting: crate::postings::PostingId) -> Self {
        let mut kinds = StageKind::TEMPLATE.iter().map(|(kind, _)| *kind);
        Self::from_template(|| {
            let kind = kinds.next().unwrap_or(StageKind::Custom);
            template_stage_id(posting, kind)
        })
    }

    /// A pipeline as stored (trusted: storage only holds pipelines this type built).
    pub fn from_stored(stages: Vec<Stage>) -> Self {
        Self { stages }
    }

    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The stage with this ID.
    pub fn stage(&self, id: StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The stage a proposal is moved to must be one of this pipeline's: `NOT_FOUND` on
    /// `stageId` otherwise.
    pub fn require(&self, id: StageId) -> DomainResult<&Stage> {
        self.index_of(id).map(|i| &self.stages[i])
    }

    /// Adds a stage at `position` (0 first; the end when `None` or past it).
    pub fn add(
        &mut self,
        id: StageId,
        kind: StageKind,
        name: &str,
        position: Option<usize>,
    ) -> DomainResult<()> {
        if self.stages.len() >= MAX_STAGES {
            return Err(DomainError::invalid_state_at(
                &[],
                format!("a pipeline has at most {MAX_STAGES} stages"),
            ));
        }
        if self.stage(id).is_some() {
            return Err(DomainError::internal("a new stage with the ID of another"));
        }
        let name = self.checked_name(name, None)?;
        let at = position.unwrap_or(self.stages.len()).min(self.stages.len());
        self.stages.insert(at, Stage { id, kind, name });
        Ok(())
    }

    /// Renames a stage.
    pub fn rename(&mut self, id: StageId, name: &str) -> DomainResult<()> {
        let index = self.index_of(id)?;
        let name = self.checked_name(name, Some(id))?;
        self.stages[index].name = name;
        Ok(())
    }

    /// Puts the stages in the order of `order`, which must name every stage once.
    pub fn reorder(&mut self, order: &[StageId]) -> DomainResult<()> {
        let mut given = order.to_vec();
        given.sort();
        let mut have: Vec<StageId> = self.stages.iter().map(|s| s.id).collect();
        have.sort();
        if given != have {
            return Err(DomainError::validation(
                &["stageIds"],
                "name every stage of the pipeline once",
            ));
        }
        self.stages
            .sort_by_key(|s| order.iter().position(|o| *o == s.id));
        Ok(())
    }

    /// Removes a stage that holds no proposals (`in_stage` is how many it holds).
    pub fn remove(&mut self, id: StageId, in_stage: u64) -> DomainResult<()> {
        let index = self.index_of(id)?;
        if in_stage > 0 {
            return Err(DomainError::invalid_state_at(
                &["stageId"],
                format!("the stage holds {in_stage} proposal(s): move them to another stage first"),
            ));
        }
        if self.stages.len() == 1 {
            return Err(DomainError::invalid_state_at(
                &["stageId"],
                "a pipeline keeps at least one stage",
            ));
        }
        self.stages.remove(index);
        Ok(())
    }

    fn index_of(&self, id: StageId) -> DomainResult<usize> {
        self.stages
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| DomainError::not_found_at("stageId", "no such stage in this pipeline"))
    }

    /// `name` as one line, unique among the stages other than `except`.
    fn checked_name(&self, name: &str, except: Option<StageId>) -> DomainResult<String> {
        let name = single_line(name, 1, MAX_STAGE_NAME)
            .map_err(|m| DomainError::validation(&["name"], m))?;
        let key = name.to_lowercase();
        if self
            .stages
            .iter()
            .any(|s| Some(s.id) != except && s.name.to_lowercase() == key)
        {
            return Err(DomainError::Conflict(vec![FieldError::new(
                &["name"],
                crate::error::ErrorCode::Conflict,
                "another stage has this name",
            )]));
        }
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::error::ErrorCode;
    use uuid::Uuid;

    fn template() -> Pipeline {
        let mut n = 0u128;
        Pipeline::from_template(|| {
            n += 1;
            StageId(Uuid::from_u128(n))
        })
    }

    fn names(p: &Pipeline) -> Vec<&str> {
        p.stages().iter().map(|s| s.name.as_str()).collect()
    }

    fn code_at(err: &DomainError) -> (ErrorCode, Vec<String>) {
        match err {
            DomainError::Validation(e) | DomainError::Conflict(e) => {
                (e[0].code, e[0].field.clone())
            }
            other => (other.code(), Vec::new()),
        }
    }

    #[test]
    fn the_template_is_the_six_stages_of_a_backend_evaluation() {
        let p = template();
        let kinds: Vec<&str> = p.stages().iter().map(|s| s.kind.key()).collect();
        assert_eq!(
            kinds,
            [
                "SCREENING",
                "TECHNICAL_INTERVIEW",
                "CODING_TASK",
                "PORTFOLIO_REVIEW",
                "BEHAVIORAL_INTERVIEW",
                "CULTURE_FIT"
            ]
        );
        for kind in p.stages().iter().map(|s| s.kind) {
            assert_eq!(StageKind::from_key(kind.key()), Some(kind));
        }
        assert_eq!(StageKind::from_key("CUSTOM"), Some(StageKind::Custom));
        assert_eq!(StageKind::from_key("LUNCH"), None);
    }

    #[test]
    fn stages_are_added_renamed_reordered_and_removed() {
        let mut p = template();
        let extra = StageId(Uuid::from_u128(100));
        p.add(extra, StageKind::Custom, "  System design  ", Some(2))
            .unwrap();
        assert_eq!(names(&p)[2], "System design");
        p.rename(extra, "Architecture").unwrap();
        assert_eq!(p.stage(extra).unwrap().name, "Architecture");
        // Renaming a stage to its own name in another case is no clash.
        p.rename(extra, "ARCHITECTURE").unwrap();
        let mut order: Vec<StageId> = p.stages().iter().map(|s| s.id).collect();
        order.reverse();
        p.reorder(&order).unwrap();
        assert_eq!(names(&p)[0], "Culture fit");
        assert_eq!(names(&p)[6], "Screening");
        p.remove(extra, 0).unwrap();
        assert_eq!(p.stages().len(), 6);
        assert!(p.stage(extra).is_none());
        // Past the end: the end.
        let last = StageId(Uuid::from_u128(101));
        p.add(last, StageKind::Custom, "Reference check", Some(99))
            .unwrap();
        assert_eq!(p.stages().last().unwrap().id, last);
    }

    #[test]
    fn bad_changes_are_refused_on_their_field_and_change_nothing() {
        let mut p = template();
        let before = p.clone();
        let first = p.stages()[0].id;
        let second = p.stages()[1].id;
        type Change = Box<dyn Fn(&mut Pipeline) -> DomainResult<()>>;
        let cases: Vec<(Change, (ErrorCode, Vec<&str>))> = vec![
            (
                Box::new(|p| {
                    p.add(
                        StageId(Uuid::from_u128(7)),
                        StageKind::Custom,
                        "screening",
                        None,
                    )
                }),
                (ErrorCode::Conflict, vec!["name"]),
            ),
            (
                Box::new(move |p| p.rename(second, "Screening")),
                (ErrorCode::Conflict, vec!["name"]),
            ),
            (
                Box::new(move |p| p.rename(first, "   ")),
                (ErrorCode::Validation, vec!["name"]),
            ),
            (
                Box::new(move |p| p.rename(first, &"x".repeat(MAX_STAGE_NAME + 1))),
                (ErrorCode::Validation, vec!["name"]),
            ),
            (
                Box::new(|p| p.rename(StageId(Uuid::nil()), "Fine")),
                (ErrorCode::NotFound, vec!["stageId"]),
            ),
            (
                Box::new(|p| p.require(StageId(Uuid::nil())).map(|_| ())),
                (ErrorCode::NotFound, vec!["stageId"]),
            ),
            (
                Box::new(move |p| p.reorder(&[first, second])),
                (ErrorCode::Validation, vec!["stageIds"]),
            ),
            (
                Box::new(move |p| p.reorder(&[first; 6])),
                (ErrorCode::Validation, vec!["stageIds"]),
            ),
            (
                Box::new(move |p| p.remove(first, 3)),
                (ErrorCode::InvalidState, vec!["stageId"]),
            ),
        ];
        for (i, (change, (code, field))) in cases.into_iter().enumerate() {
            let err = change(&mut p).unwrap_err();
            let want: Vec<String> = field.iter().map(|f| (*f).to_owned()).collect();
            assert_eq!(code_at(&err), (code, want), "case {i}: {err}");
            assert_eq!(p, before, "case {i} changed the pipeline");
        }
        assert!(p.require(first).is_ok());
    }

    #[test]
    fn a_pipeline_has_between_one_and_twenty_stages() {
        let mut p = template();
        for n in 6..MAX_STAGES {
            p.add(
                StageId(Uuid::from_u128(1_000 + n as u128)),
                StageKind::Custom,
                &format!("Stage {n}"),
                None,
            )
            .unwrap();
        }
        let full = p.add(StageId(Uuid::nil()), StageKind::Custom, "One more", None);
        assert_eq!(
            code_at(&full.unwrap_err()),
            (ErrorCode::InvalidState, Vec::<String>::new())
        );
        assert_eq!(p.stages().len(), MAX_STAGES);
        let mut one = Pipeline::from_stored(vec![p.stages()[0].clone()]);
        let only = one.stages()[0].id;
        assert_eq!(
            code_at(&one.remove(only, 0).unwrap_err()).0,
            ErrorCode::InvalidState
        );
    }
}
