//! Drafting, editing and moving postings through their life cycle.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::postings::{self as p, CloseReason, PostingEvent, PostingId, PostingInput};
use domain::profiles::{Change, MoneyInput as DomainMoney};
use domain::taxonomy::CategoryId;
use domain::{Actor, DomainError, ErrorCode, FieldError};
use uuid::Uuid;

use super::types::{
    BudgetKind, ExpectedDuration, ExperienceLevel, HireType, Posting, PostingVisibility,
    QuestionKind, Workplace,
};
use crate::context::{actor, services};
use crate::errors::{UserError, into_payload};
use crate::ids::{NodeKind, decode_kind};
use crate::profiles::fields::{change, kept};
use crate::profiles::mutation::MoneyInput;

/// A skill the role needs.
#[derive(InputObject)]
pub struct RequiredSkillInput {
    /// The skill's slug from the taxonomy, e.g. `rust` (see `skills`).
    pub skill: String,
    /// The least level wanted, 1 (beginner) to 5 (expert); leave out for any.
    pub min_level: Option<i64>,
}

/// What the client will pay, in one currency.
#[derive(InputObject)]
pub struct BudgetInput {
    /// How it is paid; it must fit the hire type (freelance: fixed or hourly; full time:
    /// yearly salary; contract to hire: hourly or yearly salary).
    pub kind: BudgetKind,
    /// The fixed amount, or the bottom of the range; at least 1 minor unit.
    pub min: MoneyInput,
    /// The top of the range, in the same currency, not below `min`; leave out for a
    /// fixed budget.
    pub max: Option<MoneyInput>,
}

/// A question every proposal answers.
#[derive(InputObject)]
pub struct ScreeningQuestionInput {
    /// The ID of a question the posting already has, to keep it (and the answers given
    /// to it); leave out for a new question.
    pub id: Option<ID>,
    /// How it is answered.
    pub kind: QuestionKind,
    /// One line, 5 to 500 characters.
    pub prompt: String,
}

/// The fields of a posting. Absent fields stay as they are; `null` clears a clearable
/// field and is refused for the others; a list, when given, replaces the whole list.
/// A draft needs only a title; publishing needs the rest (see `publishPosting`).
#[derive(InputObject)]
pub struct PostingFields {
    /// One line, 5 to 120 characters (required when creating; cannot be null).
    pub title: MaybeUndefined<String>,
    /// Plain text, up to 20,000 characters; at least 50 to publish (cannot be null).
    pub description: MaybeUndefined<String>,
    /// The category of work (see `categories`); required to publish.
    pub category_id: MaybeUndefined<ID>,
    /// 1 to 15 skills, each once (an empty list clears; null is refused); at least one
    /// to publish.
    pub skills: MaybeUndefined<Vec<RequiredSkillInput>>,
    /// What kind of hire; required to publish.
    pub hire_type: MaybeUndefined<HireType>,
    /// What you will pay; required to publish.
    pub budget: MaybeUndefined<BudgetInput>,
    /// How experienced the hire should be; required to publish.
    pub experience_level: MaybeUndefined<ExperienceLevel>,
    /// How long the work lasts; required to publish freelance work.
    pub duration: MaybeUndefined<ExpectedDuration>,
    /// 1 to 80 hours a week.
    pub hours_per_week: MaybeUndefined<i64>,
    /// Remote (the default), on site or hybrid (cannot be null).
    pub workplace: MaybeUndefined<Workplace>,
    /// At most 50 ISO 3166-1 alpha-2 codes, each once; empty for anywhere (cannot be
    /// null).
    pub countries: MaybeUndefined<Vec<String>>,
    /// At most 20 IANA time zones, e.g. `Europe/Berlin`, each once; empty for any
    /// (cannot be null).
    pub time_zones: MaybeUndefined<Vec<String>>,
    /// How many people to hire, 1 (the default) to 100 (cannot be null).
    pub positions: MaybeUndefined<i64>,
    /// Public (the default) or invite-only (cannot be null).
    pub visibility: MaybeUndefined<PostingVisibility>,
    /// 0 to 10 questions every proposal answers (cannot be null; empty clears).
    pub questions: MaybeUndefined<Vec<ScreeningQuestionInput>>,
    /// Proposals are taken until then: in the future, within a year.
    pub deadline: MaybeUndefined<DateTime<Utc>>,
}

fn money(m: MoneyInput) -> DomainMoney {
    DomainMoney {
        amount_minor: m.amount_minor,
        currency: m.currency,
    }
}

impl PostingFields {
    /// The domain's input; IDs that do not decode are reported on their field.
    fn into_input(self) -> Result<PostingInput, DomainError> {
        let mut errors = Vec::new();
        let mut nulls = Vec::new();
        let title = kept(self.title, "title", &mut nulls);
        let description = kept(self.description, "description", &mut nulls);
        let skills = kept(self.skills, "skills", &mut nulls);
        let workplace = kept(self.workplace, "workplace", &mut nulls);
        let countries = kept(self.countries, "countries", &mut nulls);
        let time_zones = kept(self.time_zones, "timeZones", &mut nulls);
        let positions = kept(self.positions, "positions", &mut nulls);
        let visibility = kept(self.visibility, "visibility", &mut nulls);
        let questions = kept(self.questions, "questions", &mut nulls);
        let category_id = match change(self.category_id, |id| {
            decode_kind(&id, NodeKind::Category).ok().map(CategoryId)
        }) {
            Change::Keep => Change::Keep,
            Change::Clear => Change::Clear,
            Change::Set(Some(c)) => Change::Set(c),
            Change::Set(None) => {
                errors.push(FieldError::new(
                    &["categoryId"],
                    ErrorCode::NotFound,
                    "no such category",
                ));
                Change::Keep
            }
        };
        let questions = questions.map(|list| {
            list.into_iter()
                .enumerate()
                .filter_map(|(i, q)| {
                    let id = match q.id.map(|id| Uuid::parse_str(&id)) {
                        None => None,
                        Some(Ok(id)) => Some(id),
                        Some(Err(_)) => {
                            errors.push(FieldError::new(
                                &["questions", &i.to_string(), "id"],
                                ErrorCode::NotFound,
                                "the posting has no such question",
                            ));
                            return None;
                        }
                    };
                    Some(p::QuestionInput {
                        id,
                        kind: q.kind.into(),
                        prompt: q.prompt,
                    })
                })
                .collect()
        });
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        Ok(PostingInput {
            title,
            description,
            category_id,
            skills: skills.map(|list| {
                list.into_iter()
                    .map(|s| p::RequiredSkillInput {
                        skill: s.skill,
                        min_level: s.min_level,
                    })
                    .collect()
            }),
            hire_type: change(self.hire_type, Into::into),
            budget: change(self.budget, |b| p::BudgetInput {
                kind: b.kind.into(),
                min: money(b.min),
                max: b.max.map(money),
            }),
            experience: change(self.experience_level, Into::into),
            duration: change(self.duration, Into::into),
            hours_per_week: change(self.hours_per_week, |h| h),
            workplace: workplace.map(Into::into),
            countries,
            time_zones,
            positions,
            visibility: visibility.map(Into::into),
            questions,
            deadline: change(self.deadline, |d| d),
            nulls,
        })
    }
}

/// Input of `createPosting`.
#[derive(InputObject)]
pub struct CreatePostingInput {
    /// The posting's fields; `title` is required, the rest can follow before publishing.
    pub posting: PostingFields,
}

/// Input of `updatePosting`.
#[derive(InputObject)]
pub struct UpdatePostingInput {
    /// The posting to change (one of yours, not closed).
    pub posting_id: ID,
    /// The `version` you read; if it changed since, nothing is changed and the error is
    /// `CONFLICT`.
    pub expected_version: i64,
    /// The changes. A published posting must stay complete enough to publish.
    pub posting: PostingFields,
}

/// Names a posting of yours at the version you read.
#[derive(InputObject)]
pub struct PostingVersionInput {
    /// The posting (one of yours).
    pub posting_id: ID,
    /// The `version` you read; if it changed since, nothing is changed and the error is
    /// `CONFLICT`.
    pub expected_version: i64,
}

/// Why the client closes a posting.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ClosePostingReason {
    /// Every position was filled.
    Filled,
    /// You gave up on the role.
    Cancelled,
}

/// Input of `closePosting`.
#[derive(InputObject)]
pub struct ClosePostingInput {
    /// The posting (one of yours, open or paused).
    pub posting_id: ID,
    /// The `version` you read.
    pub expected_version: i64,
    /// Why.
    pub reason: ClosePostingReason,
}

/// The outcome of a change to a posting.
#[derive(SimpleObject)]
pub struct PostingPayload {
    /// The posting after the change; null when `userErrors` is not empty.
    pub posting: Option<Posting>,
    /// Why the change was refused (nothing was changed); empty on success. Paths start
    /// at `input`, e.g. `["input", "posting", "budget", "max", "amountMinor"]`.
    pub user_errors: Vec<UserError>,
}

/// The outcome of `deletePostingDraft`.
#[derive(SimpleObject)]
pub struct DeletePostingDraftPayload {
    /// The ID of the deleted draft; null when `userErrors` is not empty.
    pub deleted_posting_id: Option<ID>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The posting an input names. An ID that does not decode is no posting; who asks still
/// comes first, so the anonymous learn only that they must sign in.
fn posting_id(actor: &Actor, id: &ID) -> Result<PostingId, DomainError> {
    if matches!(actor, Actor::Anonymous) {
        return Err(DomainError::Unauthenticated);
    }
    decode_kind(id, NodeKind::Posting)
        .map(PostingId)
        .map_err(|_| DomainError::not_found_at("postingId", "no such posting"))
}

/// Errors on the posting's fields live under `input.posting`.
fn nested(err: DomainError) -> DomainError {
    match err {
        DomainError::Validation(errors) => DomainError::Validation(
            errors
                .into_iter()
                .map(|mut f| {
                    if f.field
                        .first()
                        .is_some_and(|p| p != "postingId" && p != "expectedVersion" && p != "first")
                    {
                        f.field.insert(0, "posting".to_owned());
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

fn payload(ctx: &Context<'_>, result: Result<p::Posting, DomainError>) -> Result<PostingPayload> {
    let (posting, user_errors) = into_payload(ctx, result)?;
    Ok(PostingPayload {
        posting: posting.map(Posting),
        user_errors,
    })
}

#[derive(Default)]
pub struct PostingMutation;

impl PostingMutation {
    async fn step(
        &self,
        ctx: &Context<'_>,
        input: PostingVersionInput,
        event: PostingEvent,
    ) -> Result<PostingPayload> {
        let actor = actor(ctx);
        let result = match posting_id(actor, &input.posting_id) {
            Ok(id) => {
                services(ctx)?
                    .postings
                    .apply(actor, id, input.expected_version, event)
                    .await
            }
            Err(e) => Err(e),
        };
        payload(ctx, result.map_err(nested))
    }
}

#[Object]
impl PostingMutation {
    /// Drafts a posting. Clients only (see `becomeClient`); only the title is needed for
    /// a draft, which nobody else sees until you publish it.
    async fn create_posting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting's fields.")] input: CreatePostingInput,
    ) -> Result<PostingPayload> {
        let result = match input.posting.into_input() {
            Ok(fields) => services(ctx)?.postings.create(actor(ctx), fields).await,
            Err(e) if matches!(actor(ctx), Actor::Anonymous) => {
                drop(e);
                Err(DomainError::Unauthenticated)
            }
            Err(e) => Err(e),
        };
        payload(ctx, result.map_err(nested))
    }

    /// Changes a posting of yours that is not closed, based on the version you read.
    /// Edits after publishing are kept in its `history`.
    async fn update_posting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting, the version you read, and the changes.")]
        input: UpdatePostingInput,
    ) -> Result<PostingPayload> {
        let actor = actor(ctx);
        let result = match (
            posting_id(actor, &input.posting_id),
            input.posting.into_input(),
        ) {
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            (Ok(id), Ok(fields)) => {
                services(ctx)?
                    .postings
                    .update(actor, id, input.expected_version, fields)
                    .await
            }
        };
        payload(ctx, result.map_err(nested))
    }

    /// Publishes a draft of yours: it must be complete (description of 50+ characters,
    /// category, skills, hire type, a budget that fits it, experience level, and a
    /// duration for freelance work; a deadline still ahead). Every missing field is
    /// reported at once, as `VALIDATION` on `["input", "posting", <field>]`.
    async fn publish_posting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft and the version you read.")] input: PostingVersionInput,
    ) -> Result<PostingPayload> {
        self.step(ctx, input, PostingEvent::Publish).await
    }

    /// Stops taking proposals on an open posting of yours for now. A paused posting does
    /// not expire.
    async fn pause_posting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The open posting and the version you read.")] input: PostingVersionInput,
    ) -> Result<PostingPayload> {
        self.step(ctx, input, PostingEvent::Pause).await
    }

    /// Takes proposals again on a paused posting of yours; it must still be complete and
    /// its deadline ahead.
    async fn resume_posting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The paused posting and the version you read.")]
        input: PostingVersionInput,
    ) -> Result<PostingPayload> {
        self.step(ctx, input, PostingEvent::Resume).await
    }

    /// Closes an open or paused posting of yours, for good.
    async fn close_posting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The posting, the version you read, and why.")] input: ClosePostingInput,
    ) -> Result<PostingPayload> {
        let reason = match input.reason {
            ClosePostingReason::Filled => CloseReason::Filled,
            ClosePostingReason::Cancelled => CloseReason::Cancelled,
        };
        self.step(
            ctx,
            PostingVersionInput {
                posting_id: input.posting_id,
                expected_version: input.expected_version,
            },
            PostingEvent::Close(reason),
        )
        .await
    }

    /// Deletes a draft of yours. Published postings are closed, never deleted.
    async fn delete_posting_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft and the version you read.")] input: PostingVersionInput,
    ) -> Result<DeletePostingDraftPayload> {
        let actor = actor(ctx);
        let result = match posting_id(actor, &input.posting_id) {
            Ok(id) => services(ctx)?
                .postings
                .delete_draft(actor, id, input.expected_version)
                .await
                .map(|()| input.posting_id.clone()),
            Err(e) => Err(e),
        };
        let (deleted_posting_id, user_errors) = into_payload(ctx, result)?;
        Ok(DeletePostingDraftPayload {
            deleted_posting_id,
            user_errors,
        })
    }
}
