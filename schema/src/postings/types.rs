//! Postings as the API shows them.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use domain::postings::{self as p, PostingEvent as Event};

use super::loaders::posting_loaders;
use crate::context::{actor, services};
use crate::errors::{GqlResultExt, gql_error};
use crate::ids::{NodeKind, encode};
use crate::profiles::client::ClientProfile;
use crate::profiles::types::Money;
use crate::taxonomy::types::{Category, Skill, load_error, loaders};

/// Writes `From` both ways between an API enum and the domain's, variant by variant.
macro_rules! both_ways {
    ($api:ident, $dom:ty, [$($v:ident),+ $(,)?]) => {
        impl From<$dom> for $api {
            fn from(v: $dom) -> Self {
                match v {
                    $(<$dom>::$v => $api::$v,)+
                }
            }
        }
        impl From<$api> for $dom {
            fn from(v: $api) -> Self {
                match v {
                    $($api::$v => <$dom>::$v,)+
                }
            }
        }
    };
}

/// What kind of hire the client has in mind.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum HireType {
    /// Freelance work of up to about three months; paid fixed or hourly.
    FreelanceShortTerm,
    /// Freelance work for longer; paid fixed or hourly.
    FreelanceLongTerm,
    /// A permanent role; paid a yearly salary.
    FullTime,
    /// Starts as a contract (hourly) with the intent to hire (hourly or salary).
    ContractToHire,
}
both_ways!(
    HireType,
    p::HireType,
    [
        FreelanceShortTerm,
        FreelanceLongTerm,
        FullTime,
        ContractToHire
    ]
);

/// How experienced the hire should be.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ExperienceLevel {
    /// New to the field; the lowest rates.
    Entry,
    /// A few years of solid work.
    Intermediate,
    /// Deep, proven expertise.
    Expert,
}
both_ways!(
    ExperienceLevel,
    p::ExperienceLevel,
    [Entry, Intermediate, Expert]
);

/// How long the work is expected to last.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ExpectedDuration {
    /// Less than a month.
    LessThanOneMonth,
    /// One to three months.
    OneToThreeMonths,
    /// Three to six months.
    ThreeToSixMonths,
    /// More than six months.
    MoreThanSixMonths,
}
both_ways!(
    ExpectedDuration,
    p::ExpectedDuration,
    [
        LessThanOneMonth,
        OneToThreeMonths,
        ThreeToSixMonths,
        MoreThanSixMonths
    ]
);

/// How a budget is paid.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum BudgetKind {
    /// One amount for the whole job (`min` is the amount).
    Fixed,
    /// An hourly rate range.
    Hourly,
    /// A yearly salary range.
    YearlySalary,
}
both_ways!(BudgetKind, p::BudgetKind, [Fixed, Hourly, YearlySalary]);

/// Where the work happens.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum Workplace {
    /// From anywhere (within the posting's countries and time zones, if any).
    Remote,
    /// At the client's place.
    OnSite,
    /// Partly remote, partly on site.
    Hybrid,
}
both_ways!(Workplace, p::Workplace, [Remote, OnSite, Hybrid]);

/// Who may see and propose on a posting.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PostingVisibility {
    /// Everyone sees it once published; any freelancer may propose.
    Public,
    /// Only the freelancers and agencies the client invites see it and may propose.
    InviteOnly,
}
both_ways!(
    PostingVisibility,
    p::PostingVisibility,
    [Public, InviteOnly]
);

/// How a screening question is answered.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// Yes or no.
    YesNo,
    /// A link, such as "a code sample you are proud of".
    Link,
}
both_ways!(QuestionKind, p::QuestionKind, [Text, YesNo, Link]);

/// Where a posting is in its life cycle.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PostingStatus {
    /// Being written; only its client sees it.
    Draft,
    /// Published and taking proposals.
    Open,
    /// Published, but not taking proposals for now; does not expire.
    Paused,
    /// Final; `closeReason` says why.
    Closed,
}

impl From<p::PostingStatus> for PostingStatus {
    fn from(s: p::PostingStatus) -> Self {
        match s {
            p::PostingStatus::Draft => PostingStatus::Draft,
            p::PostingStatus::Open => PostingStatus::Open,
            p::PostingStatus::Paused => PostingStatus::Paused,
            p::PostingStatus::Closed(_) => PostingStatus::Closed,
        }
    }
}

/// Why a posting was closed.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PostingCloseReason {
    /// Every position was filled.
    Filled,
    /// The client gave up on the role.
    Cancelled,
    /// Open for 30 days without activity (set by the platform only).
    Expired,
}
both_ways!(
    PostingCloseReason,
    p::CloseReason,
    [Filled, Cancelled, Expired]
);

/// What happened to a posting, in its history.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PostingChange {
    /// Its fields were edited (after it was published).
    Edited,
    /// It was published.
    Published,
    /// It stopped taking proposals for a while.
    Paused,
    /// It took proposals again.
    Resumed,
    /// The client closed it; the posting's `closeReason` says why.
    Closed,
    /// The platform closed it after 30 days without activity.
    Expired,
}

impl From<Option<Event>> for PostingChange {
    fn from(e: Option<Event>) -> Self {
        match e {
            None => PostingChange::Edited,
            Some(Event::Publish) => PostingChange::Published,
            Some(Event::Pause) => PostingChange::Paused,
            Some(Event::Resume) => PostingChange::Resumed,
            Some(Event::Close(_)) => PostingChange::Closed,
            Some(Event::Expire) => PostingChange::Expired,
        }
    }
}

/// What the client will pay, in one currency.
#[derive(SimpleObject)]
pub struct Budget {
    /// How it is paid.
    pub kind: BudgetKind,
    /// The fixed amount, or the bottom of the range.
    pub min: Money,
    /// The top of the range; null for a fixed budget.
    pub max: Option<Money>,
}

impl From<p::Budget> for Budget {
    fn from(b: p::Budget) -> Self {
        match b {
            p::Budget::Fixed(m) => Budget {
                kind: BudgetKind::Fixed,
                min: m.into(),
                max: None,
            },
            p::Budget::Hourly { min, max } => Budget {
                kind: BudgetKind::Hourly,
                min: min.into(),
                max: Some(max.into()),
            },
            p::Budget::YearlySalary { min, max } => Budget {
                kind: BudgetKind::YearlySalary,
                min: min.into(),
                max: Some(max.into()),
            },
        }
    }
}

/// Where the work happens and from where it can be done.
#[derive(SimpleObject)]
pub struct PostingLocation {
    /// Remote, on site or hybrid.
    pub workplace: Workplace,
    /// ISO 3166-1 alpha-2 codes the client wants candidates in; empty for anywhere.
    pub countries: Vec<String>,
    /// IANA time zones the client wants candidates in; empty for any.
    pub time_zones: Vec<String>,
}

/// A question every proposal answers.
#[derive(SimpleObject)]
pub struct ScreeningQuestion {
    /// Stable across edits: send it back with the question to keep it (and its answers).
    pub id: ID,
    /// How it is answered.
    pub kind: QuestionKind,
    /// The question, one line.
    pub prompt: String,
}

pub struct RequiredSkill(p::RequiredSkill);

/// A skill the role needs.
#[Object]
impl RequiredSkill {
    /// The skill from the taxonomy.
    async fn skill(&self, ctx: &Context<'_>) -> Result<Skill> {
        loaders(ctx)?
            .skill
            .load_one(self.0.skill_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Skill)
            .ok_or_else(|| {
                gql_error(
                    ctx,
                    &domain::DomainError::internal("posting skill without its skill"),
                )
            })
    }

    /// The least level wanted, 1 (beginner) to 5 (expert); null for any.
    async fn min_level(&self) -> Option<i32> {
        self.0.min_level.map(i32::from)
    }
}

#[derive(Clone)]
pub struct Posting(pub p::Posting);

/// A role a client wants filled: a freelance job, a full-time role or contract-to-hire.
/// Text is plain text. Drafts are seen by their client only; invite-only postings by
/// their client and the invited.
#[Object]
impl Posting {
    /// Global ID of the posting.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Posting, self.0.id.0)
    }

    /// One line, 5 to 120 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Plain text, up to 20,000 characters (at least 50 to publish).
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The category of work.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<Category>> {
        let Some(id) = self.0.category_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .category
            .load_one(id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(Category))
    }

    /// 1 to 15 skills the role needs (a draft may have none), in the client's order.
    async fn skills(&self) -> Vec<RequiredSkill> {
        self.0.skills.iter().copied().map(RequiredSkill).collect()
    }

    /// What kind of hire.
    async fn hire_type(&self) -> Option<HireType> {
        self.0.hire_type.map(Into::into)
    }

    /// What the client will pay.
    async fn budget(&self) -> Option<Budget> {
        self.0.budget.map(Into::into)
    }

    /// How experienced the hire should be.
    async fn experience_level(&self) -> Option<ExperienceLevel> {
        self.0.experience.map(Into::into)
    }

    /// How long the work is expected to last (required to publish freelance work).
    async fn duration(&self) -> Option<ExpectedDuration> {
        self.0.duration.map(Into::into)
    }

    /// Hours a week, 1 to 80.
    async fn hours_per_week(&self) -> Option<i32> {
        self.0.hours_per_week.map(i32::from)
    }

    /// Where the work happens.
    async fn location(&self) -> PostingLocation {
        PostingLocation {
            workplace: self.0.location.workplace.into(),
            countries: self.0.location.countries.clone(),
            time_zones: self.0.location.time_zones.clone(),
        }
    }

    /// How many people the client wants to hire, 1 to 100.
    async fn positions(&self) -> i32 {
        i32::from(self.0.positions)
    }

    /// Who may see it and propose.
    async fn visibility(&self) -> PostingVisibility {
        self.0.visibility.into()
    }

    /// 0 to 10 questions every proposal answers.
    async fn questions(&self) -> Vec<ScreeningQuestion> {
        self.0
            .questions
            .iter()
            .map(|q| ScreeningQuestion {
                id: ID(q.id.to_string()),
                kind: q.kind.into(),
                prompt: q.prompt.clone(),
            })
            .collect()
    }

    /// Proposals are taken until then; null for no deadline.
    async fn deadline(&self) -> Option<DateTime<Utc>> {
        self.0.deadline
    }

    /// Where it is in its life cycle.
    async fn status(&self) -> PostingStatus {
        self.0.status.into()
    }

    /// Why it was closed; null unless `status` is `CLOSED`.
    async fn close_reason(&self) -> Option<PostingCloseReason> {
        self.0.status.close_reason().map(Into::into)
    }

    /// Whether freelancers may propose now: it is open and its deadline, if any, is
    /// ahead.
    async fn accepts_proposals(&self) -> bool {
        self.0.status.accepts_proposals() && self.0.deadline.is_none_or(|d| d > Utc::now())
    }

    /// Bumped by every change; send it back as `expectedVersion` with your next change.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When it was published; null for a draft.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// The last time something happened on it (publishing, an edit, resuming).
    async fn last_activity_at(&self) -> DateTime<Utc> {
        self.0.last_activity_at
    }

    /// When it closes as EXPIRED unless something happens on it first; null unless open.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0
            .status
            .is_open()
            .then(|| p::expires_at(self.0.last_activity_at))
    }

    /// The client's public company profile; null when they have none (or it is not
    /// public).
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<ClientProfile>> {
        Ok(posting_loaders(ctx)?
            .client_of_user
            .load_one(self.0.client_id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .map(ClientProfile))
    }

    /// How many proposals it received (withdrawn ones included).
    async fn proposal_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(i32::try_from(self.stats(ctx).await?.proposals.total()).unwrap_or(i32::MAX))
    }

    /// The lowest, average and highest bid, in the posting's currency (withdrawn
    /// proposals left out); null before the first bid.
    async fn bid_stats(&self, ctx: &Context<'_>) -> Result<Option<BidStats>> {
        Ok(self.stats(ctx).await?.bids.map(|b| BidStats {
            count: i32::try_from(b.count).unwrap_or(i32::MAX),
            min: b.min.into(),
            average: b.avg.into(),
            max: b.max.into(),
        }))
    }

    /// How many freelancers and agencies the client invited.
    async fn invite_count(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(i32::try_from(self.stats(ctx).await?.invitations).unwrap_or(i32::MAX))
    }

    /// Proposals by state: the client's pipeline at a glance. Its client and admins only;
    /// null for everyone else.
    async fn proposal_counts(&self, ctx: &Context<'_>) -> Result<Option<ProposalCounts>> {
        if !services(ctx)?
            .posting_board
            .sees_pipeline(actor(ctx), &self.0)
        {
            return Ok(None);
        }
        let c = self.stats(ctx).await?.proposals;
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Ok(Some(ProposalCounts {
            total: n(c.total()),
            submitted: n(c.submitted),
            shortlisted: n(c.shortlisted),
            in_evaluation: n(c.in_evaluation),
            offered: n(c.offered),
            hired: n(c.hired),
            declined: n(c.declined),
            withdrawn: n(c.withdrawn),
            closed: n(c.closed),
        }))
    }

    /// When the client was last active on the marketplace (signed in, or acted on a
    /// posting), to the hour; null when never seen.
    async fn client_last_active_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        posting_loaders(ctx)?
            .last_active
            .load_one(self.0.client_id)
            .await
            .map_err(|e| load_error(ctx, e))
    }

    /// Whether you are its client.
    async fn viewer_is_owner(&self, ctx: &Context<'_>) -> bool {
        actor(ctx).user_id() == Some(self.0.client_id)
    }

    /// The invitations its client sent, newest first. Its client and admins only: an
    /// error for others.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 100, default 20.")] first: Option<i32>,
        #[graphql(
            desc = "Return the invitations after this cursor (an `endCursor` of this list)."
        )]
        after: Option<String>,
    ) -> Result<super::invitations::PostingInvitationConnection> {
        super::invitations::of_posting(ctx, &self.0, first, after).await
    }

    /// The stages of its evaluation pipeline, in order, which its proposals move
    /// through. Its client and evaluators only; null for everyone else.
    async fn pipeline(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<crate::proposals::pipeline::PipelineStage>>> {
        crate::proposals::pipeline::pipeline_of(ctx, &self.0).await
    }

    /// The teammates evaluating its proposals. Its client only; null for everyone else.
    async fn evaluators(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<crate::proposals::evaluation::PostingEvaluator>>> {
        crate::proposals::evaluation::evaluators_of(ctx, &self.0).await
    }

    /// Every life-cycle change, and every edit after publishing, oldest first, each with
    /// the posting as it was before: the history of the version read. Its client and
    /// admins only: an error for others. For the query complexity limit it counts as
    /// 20 revisions.
    #[graphql(complexity = "HISTORY_COMPLEXITY * child_complexity + 1")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<PostingRevision>> {
        p::PostingService::reads_history(actor(ctx), &self.0).gql(ctx)?;
        // Revisions written after this version was read belong to a later one.
        let revisions: Vec<p::Revision> = posting_loaders(ctx)?
            .history
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.version < self.0.version)
            .collect();
        // Each revision's "after" is the next one's "before"; the last one's is the
        // posting as read.
        let afters: Vec<p::Posting> = revisions
            .iter()
            .skip(1)
            .map(|r| r.before.clone())
            .chain(std::iter::once(self.0.clone()))
            .collect();
        Ok(revisions
            .into_iter()
            .zip(afters)
            .map(|(r, after)| PostingRevision {
                changed_fields: changed_fields(&r.before, &after),
                revision: r,
            })
            .collect())
    }
}

impl Posting {
    async fn stats(&self, ctx: &Context<'_>) -> Result<p::PostingStats> {
        Ok(posting_loaders(ctx)?
            .stats
            .load_one(self.0.id)
            .await
            .map_err(|e| load_error(ctx, e))?
            .unwrap_or_default())
    }
}

/// The bids on a posting, in its currency.
#[derive(SimpleObject)]
pub struct BidStats {
    /// How many bids.
    pub count: i32,
    /// The lowest bid.
    pub min: Money,
    /// The average bid, rounded to the minor unit.
    pub average: Money,
    /// The highest bid.
    pub max: Money,
}

/// A posting's proposals by state.
#[derive(SimpleObject)]
pub struct ProposalCounts {
    /// Every proposal, withdrawn ones included.
    pub total: i32,
    /// Sent, not yet looked at closely.
    pub submitted: i32,
    /// Put on the shortlist.
    pub shortlisted: i32,
    /// In a stage of the evaluation pipeline.
    pub in_evaluation: i32,
    /// Made an offer.
    pub offered: i32,
    /// Hired.
    pub hired: i32,
    /// Declined by the client.
    pub declined: i32,
    /// Withdrawn by the freelancer.
    pub withdrawn: i32,
    /// Closed with the posting.
    pub closed: i32,
}

/// The input field names whose values differ between two versions of a posting.
fn changed_fields(a: &p::Posting, b: &p::Posting) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |differs: bool, name: &str| {
        if differs {
            out.push(name.to_owned());
        }
    };
    check(a.title != b.title, "title");
    check(a.description != b.description, "description");
    check(a.category_id != b.category_id, "categoryId");
    check(a.skills != b.skills, "skills");
    check(a.hire_type != b.hire_type, "hireType");
    check(a.budget != b.budget, "budget");
    check(a.experience != b.experience, "experienceLevel");
    check(a.duration != b.duration, "duration");
    check(a.hours_per_week != b.hours_per_week, "hoursPerWeek");
    check(
        a.location.workplace != b.location.workplace,
        "location.workplace",
    );
    check(
        a.location.countries != b.location.countries,
        "location.countries",
    );
    check(
        a.location.time_zones != b.location.time_zones,
        "location.timeZones",
    );
    check(a.positions != b.positions, "positions");
    check(a.visibility != b.visibility, "visibility");
    check(a.questions != b.questions, "questions");
    check(a.deadline != b.deadline, "deadline");
    check(a.status != b.status, "status");
    out
}

/// What `Posting.history` counts as towards the query complexity limit, in revisions
/// (each costing its selection, which holds a whole posting). A posting edited often has
/// more; 20 lets a client read one posting's history, or a few, and refuses the same
/// for a page of 100 postings.
pub const HISTORY_COMPLEXITY: usize = 20;

pub struct PostingRevision {
    revision: p::Revision,
    changed_fields: Vec<String>,
}

/// One change in a posting's history.
#[Object]
impl PostingRevision {
    /// The version the change replaced.
    async fn version(&self) -> i64 {
        self.revision.version
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.revision.at
    }

    /// What happened.
    async fn change(&self) -> PostingChange {
        self.revision.event.into()
    }

    /// True when the platform made the change (the expiry job), false when the client
    /// did.
    async fn by_platform(&self) -> bool {
        self.revision.actor.is_none()
    }

    /// The fields that differ from the next version, by input name (`title`,
    /// `budget`, `location.countries`, `status`, ...).
    async fn changed_fields(&self) -> &[String] {
        &self.changed_fields
    }

    /// The posting as it was before the change.
    async fn before(&self) -> Posting {
        Posting(self.revision.before.clone())
    }
}
