//! Posting invitations on SeaORM. Every read joins the invitation's posting, so that a
//! pending invitation of a closed posting reads as EXPIRED (which is never written). A
//! new invitation is counted on its posting (`postings.invite_count`, only while the
//! posting is OPEN or PAUSED and under the limit: the conditional update is the guard,
//! and on PostgreSQL it locks the posting's row, so concurrent invitations to one posting
//! take turns), stored, and notified in one transaction. An answer is one conditional
//! update: still pending, the posting not closed, the responder still the invitee (or an
//! owner of the invited agency), so concurrent answers settle once.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::agencies::AgencyId;
use domain::notifications::{Notification, NotificationId, NotificationKind};
use domain::pagination::{Page, PageRequest};
use domain::postings::{
    InviteWrite, InvitedParty, Invitee, PostingId, PostingInvitation, PostingInvitationId,
    PostingInvitationRepository, PostingInvitationStatus,
};
use domain::profiles::ProfileId;
use domain::{DomainError, DomainResult, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select, SqlErr,
};
use uuid::Uuid;

use crate::entities::{agency_member, posting, posting_invitation as inv};
use crate::errors::internal;
use crate::posting_rows::at_rest;
use crate::search_sql::Sql;

/// [`PostingInvitationRepository`] on the application's database (PostgreSQL or SQLite).
#[derive(Clone)]
pub struct SeaPostingInvitationRepository {
    db: DatabaseConnection,
}

impl SeaPostingInvitationRepository {
    /// A repository on `db`'s pool.
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored posting invitation is invalid: {what}"))
}

/// The dedupe key of the notification telling `user` about `invitation`.
pub(crate) fn notification_key(invitation: PostingInvitationId, user: UserId) -> String {
    format!("posting-invitation:{}:{}", invitation.0, user.0)
}

/// An invitation row with its posting's status.
#[derive(FromQueryResult)]
struct Joined {
    id: Uuid,
    posting_id: Uuid,
    client_id: Uuid,
    invitee_user_id: Option<Uuid>,
    invitee_profile_id: Option<Uuid>,
    agency_id: Option<Uuid>,
    message: Option<String>,
    status: String,
    decline_reason: Option<String>,
    created_at: DateTime<Utc>,
    responded_at: Option<DateTime<Utc>>,
    posting_status: String,
}

impl Joined {
    fn into_invitation(self) -> DomainResult<PostingInvitation> {
        let invitee = match (
            self.invitee_user_id,
            self.invitee_profile_id,
            self.agency_id,
        ) {
            (Some(user), Some(profile), None) => Invitee::Freelancer {
                user_id: UserId(user),
                profile_id: ProfileId(profile),
            },
            (None, None, Some(agency)) => Invitee::Agency(AgencyId(agency)),
            _ => return Err(corrupt("invitee")),
        };
        let stored = PostingInvitationStatus::from_stored_key(&self.status)
            .ok_or_else(|| corrupt("status"))?;
        Ok(PostingInvitation {
            id: PostingInvitationId(self.id),
            posting_id: PostingId(self.posting_id),
            client_id: UserId(self.client_id),
            invitee,
            message: self.message,
            status: PostingInvitationStatus::as_read(stored, self.posting_status == "CLOSED"),
            decline_reason: self.decline_reason,
            created_at: self.created_at,
            responded_at: self.responded_at,
        })
    }
}

/// Invitations joined with their postings, the posting's status as `posting_status`.
fn joined() -> Select<inv::Entity> {
    inv::Entity::find()
        .join(JoinType::InnerJoin, inv::Relation::Posting.def())
        .column_as(posting::Column::Status, "posting_status")
}

async fn read_all(
    db: &DatabaseConnection,
    query: Select<inv::Entity>,
) -> DomainResult<Vec<PostingInvitation>> {
    query
        .into_model::<Joined>()
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(Joined::into_invitation)
        .collect()
}

/// `posting.status = 'CLOSED'`, or its negation.
fn posting_closed(closed: bool) -> Condition {
    let status = Expr::col((posting::Entity, posting::Column::Status));
    Condition::all().add(if closed {
        status.eq("CLOSED")
    } else {
        status.ne("CLOSED")
    })
}

/// Invitations whose status as read is one of `statuses` (any when empty).
fn read_as(statuses: &[PostingInvitationStatus]) -> Condition {
    if statuses.is_empty() {
        return Condition::all();
    }
    let mut any = Condition::any();
    for s in statuses {
        any = any.add(match s {
            PostingInvitationStatus::Pending => Condition::all()
                .add(inv::Column::Status.eq("PENDING"))
                .add(posting_closed(false)),
            PostingInvitationStatus::Expired => Condition::all()
                .add(inv::Column::Status.eq("PENDING"))
                .add(posting_closed(true)),
            PostingInvitationStatus::Accepted | PostingInvitationStatus::Declined => {
                Condition::all().add(inv::Column::Status.eq(s.key()))
            }
        });
    }
    any
}

/// Invitations to `user`, or to `agency` when given.
fn to_invitee(user: UserId, agency: Option<AgencyId>) -> Condition {
    let mut who = Condition::any().add(inv::Column::InviteeUserId.eq(user.0));
    if let Some(agency) = agency {
        who = who.add(inv::Column::AgencyId.eq(agency.0));
    }
    who
}

/// One page, newest first, after the cursor's ID.
async fn page_of(
    db: &DatabaseConnection,
    query: Select<inv::Entity>,
    page: &PageRequest<PostingInvitationId>,
) -> DomainResult<Page<PostingInvitation>> {
    let mut query = query;
    if let Some(after) = page.after() {
        query = query.filter(inv::Column::Id.lt(after.0));
    }
    let rows = read_all(
        db,
        query
            .order_by_desc(inv::Column::Id)
            .limit(page.fetch_limit()),
    )
    .await?;
    Ok(Page::from_overfetch(rows, page))
}

fn row(i: &PostingInvitation) -> DomainResult<inv::ActiveModel> {
    let (user, profile, agency) = match i.invitee {
        Invitee::Freelancer {
            user_id,
            profile_id,
        } => (Some(user_id.0), Some(profile_id.0), None),
        Invitee::Agency(a) => (None, None, Some(a.0)),
    };
    Ok(inv::ActiveModel {
        id: Set(i.id.0),
        posting_id: Set(i.posting_id.0),
        client_id: Set(i.client_id.0),
        invitee_user_id: Set(user),
        invitee_profile_id: Set(profile),
        agency_id: Set(agency),
        message: Set(i.message.clone()),
        status: Set(stored_key(i.status)?.to_owned()),
        decline_reason: Set(i.decline_reason.clone()),
        created_at: Set(i.created_at),
        responded_at: Set(i.responded_at),
    })
}

/// The key a status is stored as; EXPIRED is never stored.
fn stored_key(status: PostingInvitationStatus) -> DomainResult<&'static str> {
    match status {
        PostingInvitationStatus::Expired => Err(DomainError::internal(
            "an expired invitation is read from its posting, never written",
        )),
        other => Ok(other.key()),
    }
}

/// `i` with its timestamps as storage keeps them.
fn at_rest_invitation(i: &PostingInvitation) -> PostingInvitation {
    PostingInvitation {
        created_at: at_rest(i.created_at),
        responded_at: i.responded_at.map(at_rest),
        ..i.clone()
    }
}

fn duplicate(err: &DbErr, invitee: &Invitee) -> Option<DomainError> {
    if !matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return None;
    }
    let (field, whom) = match invitee {
        Invitee::Freelancer { .. } => ("profileId", "this freelancer"),
        Invitee::Agency(_) => ("agencyId", "this agency"),
    };
    Some(DomainError::conflict(
        &[field],
        format!("{whom} already has a pending or accepted invitation to this posting"),
    ))
}

#[async_trait]
impl PostingInvitationRepository for SeaPostingInvitationRepository {
    async fn create(
        &self,
        invitation: &PostingInvitation,
        notify: &[UserId],
        max: u32,
    ) -> DomainResult<InviteWrite> {
        let stored = at_rest_invitation(invitation);
        let new_row = row(&stored)?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        // The guard comes first: on PostgreSQL it locks the posting's row.
        let counted = posting::Entity::update_many()
            .col_expr(
                posting::Column::InviteCount,
                Expr::col(posting::Column::InviteCount).add(1),
            )
            .filter(posting::Column::Id.eq(stored.posting_id.0))
            .filter(posting::Column::Status.is_in(["OPEN", "PAUSED"]))
            .filter(posting::Column::InviteCount.lt(i32::try_from(max).unwrap_or(i32::MAX)))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if counted.rows_affected == 0 {
            let status = posting::Entity::find_by_id(stored.posting_id.0)
                .select_only()
                .column(posting::Column::Status)
                .into_tuple::<String>()
                .one(&txn)
                .await
                .map_err(internal)?;
            txn.rollback().await.map_err(internal)?;
            return Ok(match status.as_deref() {
                Some("OPEN" | "PAUSED") => InviteWrite::PostingFull,
                _ => InviteWrite::PostingNotOpen,
            });
        }
        if let Err(e) = inv::Entity::insert(new_row)
            .exec_without_returning(&txn)
            .await
        {
            txn.rollback().await.map_err(internal)?;
            return Err(duplicate(&e, &stored.invitee).unwrap_or_else(|| internal(e)));
        }
        for user in notify {
            let notification = Notification {
                id: NotificationId(Uuid::now_v7()),
                user_id: *user,
                kind: NotificationKind::PostingInvitation {
                    posting_id: stored.posting_id,
                    invitation_id: stored.id,
                },
                created_at: stored.created_at,
                read_at: None,
            };
            let key = notification_key(stored.id, *user);
            crate::notifications_repo::insert(&txn, &notification, &key).await?;
        }
        txn.commit().await.map_err(internal)?;
        tracing::info!(
            invitation = %stored.id.0,
            posting = %stored.posting_id.0,
            notified = notify.len(),
            "posting invitation sent"
        );
        Ok(InviteWrite::Written(stored))
    }

    async fn by_ids(&self, ids: &[PostingInvitationId]) -> DomainResult<Vec<PostingInvitation>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        read_all(
            &self.db,
            joined().filter(inv::Column::Id.is_in(ids.iter().map(|i| i.0))),
        )
        .await
    }

    async fn answer(
        &self,
        answered: &PostingInvitation,
        responder: UserId,
    ) -> DomainResult<Option<PostingInvitation>> {
        let stored = at_rest_invitation(answered);
        let status = stored_key(stored.status)?;
        // The invitation's posting row (that one only) is share-locked on PostgreSQL
        // (`FOR SHARE`): a close in progress is waited for and then seen, so nothing is
        // accepted on a posting closed before the answer was stored. SQLite's single
        // writer orders them alike.
        let mut open_postings = Query::select()
            .column(posting::Column::Id)
            .from(posting::Entity)
            .and_where(posting::Column::Id.eq(stored.posting_id.0))
            .and_where(posting::Column::Status.ne("CLOSED"))
            .to_owned();
        if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            open_postings.lock_shared();
        }
        let may_answer = match stored.invitee {
            Invitee::Freelancer { .. } => {
                Condition::all().add(inv::Column::InviteeUserId.eq(responder.0))
            }
            Invitee::Agency(_) => Condition::all().add(
                inv::Column::AgencyId.in_subquery(
                    Query::select()
                        .column(agency_member::Column::AgencyId)
                        .from(agency_member::Entity)
                        .and_where(agency_member::Column::UserId.eq(responder.0))
                        .and_where(agency_member::Column::Role.eq("OWNER"))
                        .to_owned(),
                ),
            ),
        };
        let updated = inv::Entity::update_many()
            .col_expr(inv::Column::Status, Expr::value(status))
            .col_expr(
                inv::Column::DeclineReason,
                Expr::value(stored.decline_reason.clone()),
            )
            .col_expr(inv::Column::RespondedAt, Expr::value(stored.responded_at))
            .filter(inv::Column::Id.eq(stored.id.0))
            .filter(inv::Column::Status.eq("PENDING"))
            .filter(inv::Column::PostingId.in_subquery(open_postings))
            .filter(may_answer)
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok((updated.rows_affected == 1).then_some(stored))
    }

    async fn admits(&self, posting: PostingId, invitee: InvitedParty) -> DomainResult<bool> {
        let named = match invitee {
            InvitedParty::Freelancer(user) => inv::Column::InviteeUserId.eq(user.0),
            InvitedParty::Agency(agency) => inv::Column::AgencyId.eq(agency.0),
        };
        let found = inv::Entity::find()
            .filter(inv::Column::PostingId.eq(posting.0))
            .filter(named)
            .filter(inv::Column::Status.is_in(["PENDING", "ACCEPTED"]))
            .count(&self.db)
            .await
            .map_err(internal)?;
        Ok(found > 0)
    }

    async fn invited_to(
        &self,
        user: UserId,
        postings: &[PostingId],
    ) -> DomainResult<HashSet<PostingId>> {
        if postings.is_empty() {
            return Ok(HashSet::new());
        }
        let agencies = Query::select()
            .column(agency_member::Column::AgencyId)
            .from(agency_member::Entity)
            .and_where(agency_member::Column::UserId.eq(user.0))
            .to_owned();
        Ok(inv::Entity::find()
            .select_only()
            .column(inv::Column::PostingId)
            .distinct()
            .filter(inv::Column::PostingId.is_in(postings.iter().map(|p| p.0)))
            .filter(
                Condition::any()
                    .add(inv::Column::InviteeUserId.eq(user.0))
                    .add(inv::Column::AgencyId.in_subquery(agencies)),
            )
            .into_tuple::<Uuid>()
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(PostingId)
            .collect())
    }

    async fn of_invitee(
        &self,
        user: UserId,
        agency: Option<AgencyId>,
        statuses: &[PostingInvitationStatus],
        page: &PageRequest<PostingInvitationId>,
    ) -> DomainResult<Page<PostingInvitation>> {
        let query = joined()
            .filter(to_invitee(user, agency))
            .filter(read_as(statuses));
        page_of(&self.db, query, page).await
    }

    async fn count_of_invitee(
        &self,
        user: UserId,
        agency: Option<AgencyId>,
        statuses: &[PostingInvitationStatus],
    ) -> DomainResult<u64> {
        inv::Entity::find()
            .join(JoinType::InnerJoin, inv::Relation::Posting.def())
            .filter(to_invitee(user, agency))
            .filter(read_as(statuses))
            .count(&self.db)
            .await
            .map_err(internal)
    }

    async fn of_postings(
        &self,
        postings: &[PostingId],
        page: &PageRequest<PostingInvitationId>,
    ) -> DomainResult<HashMap<PostingId, Page<PostingInvitation>>> {
        let mut rows: HashMap<PostingId, Vec<PostingInvitation>> =
            postings.iter().map(|p| (*p, Vec::new())).collect();
        if !postings.is_empty() {
            // The newest `first + 1` of each posting (after the cursor), numbered within
            // their posting: one statement. A posting has at most 200 invitations
            // (MAX_INVITATIONS_PER_POSTING), found by ix_posting_invitations_posting and
            // sorted.
            let mut sql = Sql::new(self.db.get_database_backend());
            let ids: Vec<Uuid> = postings.iter().map(|p| p.0).collect();
            let list = sql.list(&ids);
            let after = match page.after() {
                Some(after) => format!(" AND i.id < {}", sql.bind(after.0)),
                None => String::new(),
            };
            let limit = sql.bind(i64::try_from(page.fetch_limit()).unwrap_or(i64::MAX));
            sql.push(&format!(
                "SELECT w.* FROM (SELECT i.*, p.status AS posting_status, \
                 ROW_NUMBER() OVER (PARTITION BY i.posting_id ORDER BY i.id DESC) AS n \
                 FROM posting_invitations i JOIN postings p ON p.id = i.posting_id \
                 WHERE i.posting_id IN ({list}){after}) w \
                 WHERE w.n <= {limit} ORDER BY w.posting_id, w.id DESC"
            ));
            for row in Joined::find_by_statement(sql.statement())
                .all(&self.db)
                .await
                .map_err(internal)?
            {
                let invitation = row.into_invitation()?;
                rows.entry(invitation.posting_id)
                    .or_default()
                    .push(invitation);
            }
        }
        Ok(rows
            .into_iter()
            .map(|(id, rows)| (id, Page::from_overfetch(rows, page)))
            .collect())
    }

    async fn count_of_postings(
        &self,
        postings: &[PostingId],
    ) -> DomainResult<HashMap<PostingId, u64>> {
        let mut out: HashMap<PostingId, u64> = postings.iter().map(|p| (*p, 0)).collect();
        if postings.is_empty() {
            return Ok(out);
        }
        let counted: Vec<(Uuid, i64)> = inv::Entity::find()
            .select_only()
            .column(inv::Column::PostingId)
            .column_as(inv::Column::Id.count(), "n")
            .filter(inv::Column::PostingId.is_in(postings.iter().map(|p| p.0)))
            .group_by(inv::Column::PostingId)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(internal)?;
        for (id, n) in counted {
            out.insert(PostingId(id), u64::try_from(n).unwrap_or_default());
        }
        Ok(out)
    }
}
