//! A posting's lists (required skills, screening questions, countries): each its own
//! table with a `position`, written in one statement per list and read for any number
//! of postings in one statement per list.

use std::collections::HashMap;

use domain::postings::{Posting, RequiredSkill, ScreeningQuestion};
use domain::taxonomy::SkillId;
use domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::{posting, posting_country, posting_question, posting_skill};
use crate::errors::internal;
use crate::posting_rows::{corrupt, parse_question_kind, question_kind_key, to_posting};

/// A list position as stored.
fn position(i: usize) -> DomainResult<i16> {
    i16::try_from(i).map_err(|_| DomainError::internal("a posting list is too long to store"))
}

/// Which of a posting's lists a save writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lists {
    pub(crate) skills: bool,
    pub(crate) questions: bool,
    pub(crate) countries: bool,
}

impl Lists {
    /// Every list: a new posting, or a save that does not know what was stored.
    pub(crate) const ALL: Lists = Lists {
        skills: true,
        questions: true,
        countries: true,
    };

    /// The lists of `after` that differ from `before`'s.
    pub(crate) fn changed(before: &Posting, after: &Posting) -> Self {
        Lists {
            skills: before.skills != after.skills,
            questions: before.questions != after.questions,
            countries: before.location.countries != after.location.countries,
        }
    }
}

/// Inserts the lists `which` names of `p`, each in one statement.
pub(crate) async fn insert_lists<C: ConnectionTrait>(
    db: &C,
    p: &Posting,
    which: Lists,
) -> DomainResult<()> {
    if which.skills && !p.skills.is_empty() {
        let rows = p
            .skills
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(posting_skill::ActiveModel {
                    posting_id: Set(p.id.0),
                    skill_id: Set(s.skill_id.0),
                    min_level: Set(s.min_level.map(i16::from)),
                    position: Set(position(i)?),
                })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        posting_skill::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .map_err(internal)?;
    }
    if which.questions && !p.questions.is_empty() {
        let rows = p
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                Ok(posting_question::ActiveModel {
                    id: Set(q.id),
                    posting_id: Set(p.id.0),
                    kind: Set(question_kind_key(q.kind).to_owned()),
                    prompt: Set(q.prompt.clone()),
                    position: Set(position(i)?),
                })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        // A question that stays is updated in place, never deleted and written again:
        // it keeps its row, and the answers proposals give to it. Only a question of
        // this posting is ever updated.
        posting_question::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(posting_question::Column::Id)
                    .update_columns([
                        posting_question::Column::Kind,
                        posting_question::Column::Prompt,
                        posting_question::Column::Position,
                    ])
                    .action_and_where(
                        Expr::col((
                            posting_question::Entity,
                            posting_question::Column::PostingId,
                        ))
                        .eq(p.id.0),
                    )
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .map_err(internal)?;
    }
    if which.countries && !p.location.countries.is_empty() {
        let rows = p
            .location
            .countries
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Ok(posting_country::ActiveModel {
                    posting_id: Set(p.id.0),
                    country: Set(c.clone()),
                    position: Set(position(i)?),
                })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        posting_country::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// Deletes the lists `which` names of the stored posting, before `next`'s are
/// written: all of its skills and countries, and the questions `next` no longer has.
pub(crate) async fn delete_lists<C: ConnectionTrait>(
    db: &C,
    next: &Posting,
    which: Lists,
) -> DomainResult<()> {
    let id = next.id;
    if which.skills {
        posting_skill::Entity::delete_many()
            .filter(posting_skill::Column::PostingId.eq(id.0))
            .exec(db)
            .await
            .map_err(internal)?;
    }
    if which.questions {
        posting_question::Entity::delete_many()
            .filter(posting_question::Column::PostingId.eq(id.0))
            .filter(posting_question::Column::Id.is_not_in(next.questions.iter().map(|q| q.id)))
            .exec(db)
            .await
            .map_err(internal)?;
    }
    if which.countries {
        posting_country::Entity::delete_many()
            .filter(posting_country::Column::PostingId.eq(id.0))
            .exec(db)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// Postings from their rows, in the rows' order: one statement per list, whatever
/// the number of rows.
pub(crate) async fn assemble<C: ConnectionTrait>(
    db: &C,
    rows: Vec<posting::Model>,
) -> DomainResult<Vec<Posting>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut skills: HashMap<Uuid, Vec<RequiredSkill>> = HashMap::new();
    for s in posting_skill::Entity::find()
        .filter(posting_skill::Column::PostingId.is_in(ids.clone()))
        .order_by_asc(posting_skill::Column::PostingId)
        .order_by_asc(posting_skill::Column::Position)
        .all(db)
        .await
        .map_err(internal)?
    {
        let min_level = s
            .min_level
            .map(|l| u8::try_from(l).map_err(|_| corrupt("skill level")))
            .transpose()?;
        skills.entry(s.posting_id).or_default().push(RequiredSkill {
            skill_id: SkillId(s.skill_id),
            min_level,
        });
    }
    let mut questions: HashMap<Uuid, Vec<ScreeningQuestion>> = HashMap::new();
    for q in posting_question::Entity::find()
        .filter(posting_question::Column::PostingId.is_in(ids.clone()))
        .order_by_asc(posting_question::Column::PostingId)
        .order_by_asc(posting_question::Column::Position)
        .all(db)
        .await
        .map_err(internal)?
    {
        questions
            .entry(q.posting_id)
            .or_default()
            .push(ScreeningQuestion {
                id: q.id,
                kind: parse_question_kind(&q.kind).ok_or_else(|| corrupt("question kind"))?,
                prompt: q.prompt,
            });
    }
    let mut countries: HashMap<Uuid, Vec<String>> = HashMap::new();
    for c in posting_country::Entity::find()
        .filter(posting_country::Column::PostingId.is_in(ids))
        .order_by_asc(posting_country::Column::PostingId)
        .order_by_asc(posting_country::Column::Position)
        .all(db)
        .await
        .map_err(internal)?
    {
        countries.entry(c.posting_id).or_default().push(c.country);
    }
    rows.into_iter()
        .map(|r| {
            let id = r.id;
            to_posting(
                r,
                skills.remove(&id).unwrap_or_default(),
                questions.remove(&id).unwrap_or_default(),
                countries.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}
