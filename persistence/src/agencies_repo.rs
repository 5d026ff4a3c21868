//! Agencies on SeaORM: the profile row and its skills written together; every
//! membership change in one transaction that first moves the agency's version on from
//! the one the change was planned on (so concurrent changes are serialised by the row
//! and a stale plan is redone), then checks that an owner is left.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::agencies::{
    Agency, AgencyId, AgencyRepository, AgencyRole, AgencySkill, Invitation, InvitationId,
    InvitationStatus, Member, RosterChange,
};
use domain::profiles::{ProfileId, Visibility};
use domain::taxonomy::SkillId;
use domain::{DomainError, DomainResult, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::entities::{agency, agency_invitation, agency_member, agency_skill, freelancer_profile};
use crate::errors::{internal, is_unique_violation};

#[derive(Clone)]
pub struct SeaAgencyRepository {
    db: DatabaseConnection,
}

impl SeaAgencyRepository {
    pub fn new(db: &crate::Db) -> Self {
        Self {
            db: db.connection().clone(),
        }
    }
}

fn corrupt(what: &str) -> DomainError {
    DomainError::internal(format!("stored agency data is invalid: {what}"))
}

fn already_in_an_agency(field: &[&str]) -> DomainError {
    DomainError::conflict(
        field,
        "already in an agency (a freelancer belongs to at most one); leave it first",
    )
}

async fn skills_text(db: &DatabaseConnection, a: &Agency) -> DomainResult<String> {
    let ids: Vec<uuid::Uuid> = a.skills.iter().map(|s| s.skill_id.0).collect();
    crate::search_sql::skills_text(db, &ids).await
}

/// The agency's row, with the words free text finds its skills by.
fn row(a: &Agency, skills_text: String) -> agency::ActiveModel {
    agency::ActiveModel {
        skills_text: Set(skills_text),
        id: Set(a.id.0),
        name: Set(a.name.clone()),
        headline: Set(a.headline.clone()),
        overview: Set(a.overview.clone()),
        website: Set(a.website.clone()),
        country: Set(a.country.clone()),
        visibility: Set(match a.visibility {
            Visibility::Visible => "VISIBLE".into(),
            Visibility::Hidden => "HIDDEN".into(),
        }),
        version: Set(a.version),
        created_at: Set(a.created_at),
        updated_at: Set(a.updated_at),
    }
}

fn member_row(m: &Member) -> agency_member::ActiveModel {
    agency_member::ActiveModel {
        agency_id: Set(m.agency_id.0),
        user_id: Set(m.user_id.0),
        profile_id: Set(m.profile_id.0),
        role: Set(m.role.key().into()),
        joined_at: Set(m.joined_at),
    }
}

fn invitation_row(i: &Invitation) -> agency_invitation::ActiveModel {
    agency_invitation::ActiveModel {
        id: Set(i.id.0),
        agency_id: Set(i.agency_id.0),
        invitee_user_id: Set(i.invitee.0),
        invitee_profile_id: Set(i.invitee_profile.0),
        invited_by: Set(Some(i.invited_by.0)),
        role: Set(i.role.key().into()),
        message: Set(i.message.clone()),
        status: Set(i.status.key().into()),
        decline_reason: Set(i.decline_reason.clone()),
        created_at: Set(i.created_at),
        responded_at: Set(i.responded_at),
    }
}

fn to_invitation(m: agency_invitation::Model) -> DomainResult<Invitation> {
    Ok(Invitation {
        id: InvitationId(m.id),
        agency_id: AgencyId(m.agency_id),
        invitee: UserId(m.invitee_user_id),
        invitee_profile: ProfileId(m.invitee_profile_id),
        // An inviter whose account is gone reads as the nil user: nobody.
        invited_by: UserId(m.invited_by.unwrap_or_default()),
        role: AgencyRole::from_key(&m.role).ok_or_else(|| corrupt("invitation role"))?,
        message: m.message,
        status: InvitationStatus::from_key(&m.status)
            .ok_or_else(|| corrupt("invitation status"))?,
        decline_reason: m.decline_reason,
        created_at: m.created_at,
        responded_at: m.responded_at,
    })
}

async fn insert_skills<C: ConnectionTrait>(db: &C, a: &Agency) -> DomainResult<()> {
    if a.skills.is_empty() {
        return Ok(());
    }
    agency_skill::Entity::insert_many(a.skills.iter().enumerate().map(|(i, s)| {
        agency_skill::ActiveModel {
            agency_id: Set(a.id.0),
            skill_id: Set(s.skill_id.0),
            level: Set(s.level.map(i16::from)),
            position: Set(i16::try_from(i).unwrap_or(i16::MAX)),
        }
    }))
    .exec_without_returning(db)
    .await
    .map_err(internal)?;
    Ok(())
}

impl SeaAgencyRepository {
    /// Members with whether their accounts are active and their profiles public: three
    /// statements for any number of agencies or users.
    async fn assemble_members(&self, rows: Vec<agency_member::Model>) -> DomainResult<Vec<Member>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let active =
            crate::accounts_repo::active_users(&self.db, rows.iter().map(|r| r.user_id)).await?;
        // Shown by its owner and not held by moderation (the account's state is `active`).
        let public: HashMap<uuid::Uuid, bool> = freelancer_profile::Entity::find()
            .select_only()
            .column(freelancer_profile::Column::Id)
            .column(freelancer_profile::Column::Visibility)
            .column(freelancer_profile::Column::ModerationHidden)
            .filter(freelancer_profile::Column::Id.is_in(rows.iter().map(|r| r.profile_id)))
            .into_tuple::<(uuid::Uuid, String, bool)>()
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            // Fail closed: anything but VISIBLE is not public.
            .map(|(id, visibility, held)| (id, visibility == "VISIBLE" && !held))
            .collect();
        rows.into_iter()
            .map(|r| {
                Ok(Member {
                    agency_id: AgencyId(r.agency_id),
                    user_id: UserId(r.user_id),
                    profile_id: ProfileId(r.profile_id),
                    role: AgencyRole::from_key(&r.role).ok_or_else(|| corrupt("member role"))?,
                    joined_at: r.joined_at,
                    active: active.get(&r.user_id).copied().unwrap_or(false),
                    profile_public: public.get(&r.profile_id).copied().unwrap_or(false),
                })
            })
            .collect()
    }

    async fn pending(
        &self,
        filter: impl FnOnce(
            sea_orm::Select<agency_invitation::Entity>,
        ) -> sea_orm::Select<agency_invitation::Entity>,
    ) -> DomainResult<Vec<Invitation>> {
        filter(
            agency_invitation::Entity::find()
                .filter(agency_invitation::Column::Status.eq(InvitationStatus::Pending.key())),
        )
        .order_by_asc(agency_invitation::Column::CreatedAt)
        .order_by_asc(agency_invitation::Column::Id)
        .all(&self.db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(to_invitation)
        .collect()
    }
}

/// Revokes, at `at`, the invitations of `agency` that `user` sent and that are still
/// pending: only current owners' invitations stand.
async fn revoke_sent_by<C: ConnectionTrait>(
    txn: &C,
    agency: AgencyId,
    user: UserId,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let revoked = agency_invitation::Entity::update_many()
        .col_expr(
            agency_invitation::Column::Status,
            Expr::value(InvitationStatus::Revoked.key()),
        )
        .col_expr(agency_invitation::Column::RespondedAt, Expr::value(at))
        .filter(agency_invitation::Column::AgencyId.eq(agency.0))
        .filter(agency_invitation::Column::InvitedBy.eq(user.0))
        .filter(agency_invitation::Column::Status.eq(InvitationStatus::Pending.key()))
        .exec(txn)
        .await
        .map_err(internal)?;
    if revoked.rows_affected > 0 {
        tracing::info!(
            agency = %agency.0,
            former_owner = %user.0,
            revoked = revoked.rows_affected,
            "pending invitations of a former owner revoked"
        );
    }
    Ok(())
}

/// Applies one change inside the transaction that already moved the version on.
async fn apply<C: ConnectionTrait>(
    txn: &C,
    agency: AgencyId,
    change: &RosterChange,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    match change {
        RosterChange::Invite(invitation) => {
            agency_invitation::Entity::insert(invitation_row(invitation))
                .exec_without_returning(txn)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        DomainError::conflict(
                            &["profileId"],
                            "already has a pending invitation from this agency",
                        )
                    } else {
                        internal(e)
                    }
                })?;
        }
        RosterChange::Resolve { invitation, join } => {
            let updated = agency_invitation::Entity::update_many()
                .col_expr(
                    agency_invitation::Column::Status,
                    Expr::value(invitation.status.key()),
                )
                .col_expr(
                    agency_invitation::Column::DeclineReason,
                    Expr::value(invitation.decline_reason.clone()),
                )
                .col_expr(
                    agency_invitation::Column::RespondedAt,
                    Expr::value(invitation.responded_at),
                )
                .filter(agency_invitation::Column::Id.eq(invitation.id.0))
                .filter(agency_invitation::Column::AgencyId.eq(agency.0))
                .filter(agency_invitation::Column::Status.eq(InvitationStatus::Pending.key()))
                .exec(txn)
                .await
                .map_err(internal)?;
            if updated.rows_affected != 1 {
                return Err(DomainError::invalid_state_at(
                    &["invitationId"],
                    "the invitation is no longer pending",
                ));
            }
            if let Some(member) = join {
                agency_member::Entity::insert(member_row(member))
                    .exec_without_returning(txn)
                    .await
                    .map_err(|e| {
                        if is_unique_violation(&e) {
                            already_in_an_agency(&["invitationId"])
                        } else {
                            internal(e)
                        }
                    })?;
            }
        }
        RosterChange::Remove(user) => {
            agency_member::Entity::delete_many()
                .filter(agency_member::Column::AgencyId.eq(agency.0))
                .filter(agency_member::Column::UserId.eq(user.0))
                .exec(txn)
                .await
                .map_err(internal)?;
            revoke_sent_by(txn, agency, *user, at).await?;
        }
        RosterChange::SetRole(user, role) => {
            agency_member::Entity::update_many()
                .col_expr(agency_member::Column::Role, Expr::value(role.key()))
                .filter(agency_member::Column::AgencyId.eq(agency.0))
                .filter(agency_member::Column::UserId.eq(user.0))
                .exec(txn)
                .await
                .map_err(internal)?;
            if *role == AgencyRole::Member {
                revoke_sent_by(txn, agency, *user, at).await?;
            }
        }
    }
    Ok(())
}

#[async_trait]
impl AgencyRepository for SeaAgencyRepository {
    async fn create(&self, a: &Agency, owner: &Member) -> DomainResult<Agency> {
        // Read before the transaction, whose first statement is then a write.
        let text = skills_text(&self.db, a).await?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        agency::Entity::insert(row(a, text))
            .exec_without_returning(&txn)
            .await
            .map_err(internal)?;
        insert_skills(&txn, a).await?;
        agency_member::Entity::insert(member_row(owner))
            .exec_without_returning(&txn)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    already_in_an_agency(&[])
                } else {
                    internal(e)
                }
            })?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(agency = %a.id.0, owner = %owner.user_id.0, "agency created");
        Ok(a.clone())
    }

    async fn save(&self, a: &Agency) -> DomainResult<Option<Agency>> {
        let next = Agency {
            version: a.version + 1,
            ..a.clone()
        };
        let text = skills_text(&self.db, &next).await?;
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        let updated = agency::Entity::update_many()
            .set(row(&next, text))
            .filter(agency::Column::Id.eq(a.id.0))
            .filter(agency::Column::Version.eq(a.version))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if updated.rows_affected == 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        agency_skill::Entity::delete_many()
            .filter(agency_skill::Column::AgencyId.eq(a.id.0))
            .exec(&txn)
            .await
            .map_err(internal)?;
        insert_skills(&txn, &next).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Some(next))
    }

    async fn by_ids(&self, ids: &[AgencyId]) -> DomainResult<Vec<Agency>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = agency::Entity::find()
            .filter(agency::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut skills: HashMap<uuid::Uuid, Vec<AgencySkill>> = HashMap::new();
        for s in agency_skill::Entity::find()
            .filter(agency_skill::Column::AgencyId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(agency_skill::Column::AgencyId)
            .order_by_asc(agency_skill::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?
        {
            let level = match s.level {
                None => None,
                Some(l) => Some(u8::try_from(l).map_err(|_| corrupt("skill level"))?),
            };
            skills.entry(s.agency_id).or_default().push(AgencySkill {
                skill_id: SkillId(s.skill_id),
                level,
            });
        }
        Ok(rows
            .into_iter()
            .map(|r| Agency {
                id: AgencyId(r.id),
                skills: skills.remove(&r.id).unwrap_or_default(),
                name: r.name,
                headline: r.headline,
                overview: r.overview,
                website: r.website,
                country: r.country,
                // Fail closed: anything but VISIBLE hides.
                visibility: if r.visibility == "VISIBLE" {
                    Visibility::Visible
                } else {
                    Visibility::Hidden
                },
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect())
    }

    async fn members(&self, ids: &[AgencyId]) -> DomainResult<HashMap<AgencyId, Vec<Member>>> {
        let mut out: HashMap<AgencyId, Vec<Member>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = agency_member::Entity::find()
            .filter(agency_member::Column::AgencyId.is_in(ids.iter().map(|i| i.0)))
            .order_by_asc(agency_member::Column::AgencyId)
            // OWNER sorts after MEMBER: descending puts owners first.
            .order_by_desc(agency_member::Column::Role)
            .order_by_asc(agency_member::Column::JoinedAt)
            .order_by_asc(agency_member::Column::UserId)
            .all(&self.db)
            .await
            .map_err(internal)?;
        for m in self.assemble_members(rows).await? {
            out.entry(m.agency_id).or_default().push(m);
        }
        Ok(out)
    }

    async fn memberships(&self, users: &[UserId]) -> DomainResult<HashMap<UserId, Member>> {
        if users.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = agency_member::Entity::find()
            .filter(agency_member::Column::UserId.is_in(users.iter().map(|u| u.0)))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(self
            .assemble_members(rows)
            .await?
            .into_iter()
            .map(|m| (m.user_id, m))
            .collect())
    }

    async fn invitations(&self, ids: &[InvitationId]) -> DomainResult<Vec<Invitation>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        agency_invitation::Entity::find()
            .filter(agency_invitation::Column::Id.is_in(ids.iter().map(|i| i.0)))
            .all(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(to_invitation)
            .collect()
    }

    async fn pending_of_agencies(
        &self,
        ids: &[AgencyId],
    ) -> DomainResult<HashMap<AgencyId, Vec<Invitation>>> {
        let mut out: HashMap<AgencyId, Vec<Invitation>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
        for i in self
            .pending(|q| q.filter(agency_invitation::Column::AgencyId.is_in(ids)))
            .await?
        {
            out.entry(i.agency_id).or_default().push(i);
        }
        Ok(out)
    }

    async fn pending_for_user(&self, user: UserId) -> DomainResult<Vec<Invitation>> {
        self.pending(|q| q.filter(agency_invitation::Column::InviteeUserId.eq(user.0)))
            .await
    }

    async fn change(
        &self,
        agency_id: AgencyId,
        expected: i64,
        change: &RosterChange,
        at: DateTime<Utc>,
    ) -> DomainResult<bool> {
        let txn = crate::db::begin_write(&self.db).await.map_err(internal)?;
        // The write comes first: on PostgreSQL it locks the agency's row, so a concurrent
        // change waits and then finds the version moved on; on SQLite it takes the write
        // lock before anything is read.
        let bumped = agency::Entity::update_many()
            .col_expr(
                agency::Column::Version,
                Expr::col(agency::Column::Version).add(1),
            )
            .filter(agency::Column::Id.eq(agency_id.0))
            .filter(agency::Column::Version.eq(expected))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if bumped.rows_affected == 0 {
            txn.rollback().await.map_err(internal)?;
            return Ok(false);
        }
        if let Err(e) = apply(&txn, agency_id, change, at).await {
            txn.rollback().await.map_err(internal)?;
            return Err(e);
        }
        // The last word on "at least one owner", read inside the same transaction.
        let owners = agency_member::Entity::find()
            .filter(agency_member::Column::AgencyId.eq(agency_id.0))
            .filter(agency_member::Column::Role.eq(AgencyRole::Owner.key()))
            .count(&txn)
            .await
            .map_err(internal)?;
        if owners == 0 {
            txn.rollback().await.map_err(internal)?;
            return Err(DomainError::invalid_state_at(
                &["agencyId"],
                "an agency always keeps at least one owner",
            ));
        }
        txn.commit().await.map_err(internal)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::user;
    use crate::testing::{TestDatabase, backends};
    use domain::ErrorCode;
    use domain::profiles::{FreelancerProfile, ProfileRepository};

    /// A user with a freelancer profile.
    async fn freelancer(db: &crate::Db, name: &str) -> (UserId, ProfileId) {
        let now = Utc::now();
        let id = uuid::Uuid::now_v7();
        user::Entity::insert(user::ActiveModel {
            id: Set(id),
            email: Set(None),
            email_key: Set(None),
            email_verified: Set(false),
            display_name: Set(name.into()),
            avatar_url: Set(None),
            time_zone: Set(None),
            is_freelancer: Set(true),
            is_client: Set(false),
            is_admin: Set(false),
            status: Set("ACTIVE".into()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(db.connection())
        .await
        .unwrap();
        let profile = FreelancerProfile {
            headline: format!("{name} builds backends"),
            ..FreelancerProfile::blank(ProfileId(uuid::Uuid::now_v7()), UserId(id), now)
        };
        crate::SeaProfileRepository::new(db)
            .create(&profile)
            .await
            .unwrap();
        (UserId(id), profile.id)
    }

    fn agency(name: &str) -> Agency {
        Agency {
            id: AgencyId(uuid::Uuid::now_v7()),
            name: name.into(),
            headline: String::new(),
            overview: String::new(),
            website: None,
            country: None,
            skills: vec![AgencySkill {
                skill_id: SkillId(crate::migration::skill_id("rust")),
                level: Some(4),
            }],
            visibility: Visibility::Visible,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn member(a: &Agency, (user, profile): (UserId, ProfileId), role: AgencyRole) -> Member {
        Member {
            agency_id: a.id,
            user_id: user,
            profile_id: profile,
            role,
            joined_at: Utc::now(),
            active: true,
            profile_public: true,
        }
    }

    fn invitation(a: &Agency, (user, profile): (UserId, ProfileId), by: UserId) -> Invitation {
        Invitation {
            id: InvitationId(uuid::Uuid::now_v7()),
            agency_id: a.id,
            invitee: user,
            invitee_profile: profile,
            invited_by: by,
            role: AgencyRole::Member,
            message: "join us".into(),
            status: InvitationStatus::Pending,
            decline_reason: None,
            created_at: Utc::now(),
            responded_at: None,
        }
    }

    async fn version(repo: &SeaAgencyRepository, id: AgencyId) -> i64 {
        repo.by_ids(&[id]).await.unwrap()[0].version
    }

    #[tokio::test]
    async fn concurrent_invitations_of_one_freelancer_end_in_one_pending_row() {
        for backend in backends() {
            let (guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaAgencyRepository::new(&db);
            let owner = freelancer(&db, "owner").await;
            let invitee = freelancer(&db, "invitee").await;
            let a = agency("Acme");
            repo.create(&a, &member(&a, owner, AgencyRole::Owner))
                .await
                .unwrap();
            assert_eq!(repo.by_ids(&[a.id]).await.unwrap()[0].skills, a.skills);
            // Racers that each read the current version: the row lock lets one through,
            // the others find the version moved (false) or meet the unique index.
            let racers: Vec<_> = (0..4)
                .map(|_| {
                    let repo = repo.clone();
                    let inv = invitation(&a, invitee, owner.0);
                    tokio::spawn(async move {
                        let v = version(&repo, inv.agency_id).await;
                        repo.change(inv.agency_id, v, &RosterChange::Invite(inv), Utc::now())
                            .await
                    })
                })
                .collect();
            let mut written = 0;
            for r in racers {
                match r.await.unwrap() {
                    Ok(true) => written += 1,
                    Ok(false) => {}
                    Err(e) => assert_eq!(e.code(), ErrorCode::Conflict, "{e}"),
                }
            }
            assert_eq!(written, 1, "{backend:?}");
            // Even on a current version, a second pending invitation is refused by the index.
            let v = version(&repo, a.id).await;
            let err = repo
                .change(
                    a.id,
                    v,
                    &RosterChange::Invite(invitation(&a, invitee, owner.0)),
                    Utc::now(),
                )
                .await
                .unwrap_err();
            assert_eq!(err.field_errors()[0].code, ErrorCode::Conflict);
            assert_eq!(err.field_errors()[0].field, ["profileId"]);
            assert_eq!(version(&repo, a.id).await, v, "rolled back");
            assert_eq!(
                guard
                    .count("SELECT COUNT(*) FROM agency_invitations WHERE status = 'PENDING'")
                    .await,
                1
            );
            // Once answered, the pair may be invited again: history stays.
            let pending = repo.pending_for_user(invitee.0).await.unwrap();
            let declined = pending[0]
                .apply(
                    domain::agencies::InvitationEvent::Decline { reason: None },
                    Utc::now(),
                )
                .unwrap();
            assert!(
                repo.change(
                    a.id,
                    v,
                    &RosterChange::Resolve {
                        invitation: declined,
                        join: None
                    },
                    Utc::now()
                )
                .await
                .unwrap()
            );
            assert!(
                repo.change(
                    a.id,
                    v + 1,
                    &RosterChange::Invite(invitation(&a, invitee, owner.0)),
                    Utc::now()
                )
                .await
                .unwrap()
            );
            assert_eq!(
                guard.count("SELECT COUNT(*) FROM agency_invitations").await,
                2
            );
        }
    }

    #[tokio::test]
    async fn a_freelancer_belongs_to_one_agency_only() {
        for backend in backends() {
            let (guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaAgencyRepository::new(&db);
            let ada = freelancer(&db, "ada").await;
            let bob = freelancer(&db, "bob").await;
            let first = agency("First");
            repo.create(&first, &member(&first, ada, AgencyRole::Owner))
                .await
                .unwrap();
            let second = agency("Second");
            let err = repo
                .create(&second, &member(&second, ada, AgencyRole::Owner))
                .await
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::Conflict, "{backend:?}");
            assert_eq!(
                guard.count("SELECT COUNT(*) FROM agencies").await,
                1,
                "the agency row went with the refused owner"
            );
            // Bob founds the second; an accepted invitation of Ada into it is refused.
            repo.create(&second, &member(&second, bob, AgencyRole::Owner))
                .await
                .unwrap();
            let inv = invitation(&second, ada, bob.0);
            assert!(
                repo.change(second.id, 1, &RosterChange::Invite(inv.clone()), Utc::now())
                    .await
                    .unwrap()
            );
            let accepted = inv
                .apply(domain::agencies::InvitationEvent::Accept, Utc::now())
                .unwrap();
            let err = repo
                .change(
                    second.id,
                    2,
                    &RosterChange::Resolve {
                        invitation: accepted,
                        join: Some(member(&second, ada, AgencyRole::Member)),
                    },
                    Utc::now(),
                )
                .await
                .unwrap_err();
            assert_eq!(err.field_errors()[0].code, ErrorCode::Conflict);
            assert_eq!(
                repo.pending_for_user(ada.0).await.unwrap().len(),
                1,
                "the invitation stays pending: nothing half-done"
            );
            assert_eq!(version(&repo, second.id).await, 2);
            let memberships = repo.memberships(&[ada.0, bob.0]).await.unwrap();
            assert_eq!(memberships[&ada.0].agency_id, first.id);
            assert_eq!(memberships[&bob.0].agency_id, second.id);
        }
    }

    #[tokio::test]
    async fn membership_changes_are_versioned_and_keep_an_owner() {
        for backend in backends() {
            let (_guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaAgencyRepository::new(&db);
            let ada = freelancer(&db, "ada").await;
            let bob = freelancer(&db, "bob").await;
            let a = agency("Acme");
            repo.create(&a, &member(&a, ada, AgencyRole::Owner))
                .await
                .unwrap();
            let inv = invitation(&a, bob, ada.0);
            assert!(
                repo.change(a.id, 1, &RosterChange::Invite(inv.clone()), Utc::now())
                    .await
                    .unwrap()
            );
            let mut accepted = inv
                .apply(domain::agencies::InvitationEvent::Accept, Utc::now())
                .unwrap();
            accepted.role = AgencyRole::Owner;
            assert!(
                repo.change(
                    a.id,
                    2,
                    &RosterChange::Resolve {
                        invitation: accepted,
                        join: Some(member(&a, bob, AgencyRole::Owner)),
                    },
                    Utc::now(),
                )
                .await
                .unwrap()
            );
            // A change planned on an older version changes nothing.
            assert!(
                !repo
                    .change(a.id, 2, &RosterChange::Remove(bob.0), Utc::now())
                    .await
                    .unwrap(),
                "{backend:?}"
            );
            assert_eq!(repo.members(&[a.id]).await.unwrap()[&a.id].len(), 2);
            assert_eq!(version(&repo, a.id).await, 3);
            // Both owners planned on version 3 to remove the other: one wins, the other
            // finds the version moved.
            let (remove_bob, remove_ada) =
                (RosterChange::Remove(bob.0), RosterChange::Remove(ada.0));
            let (x, y) = tokio::join!(
                repo.change(a.id, 3, &remove_bob, Utc::now()),
                repo.change(a.id, 3, &remove_ada, Utc::now()),
            );
            assert_eq!([x.unwrap(), y.unwrap()].iter().filter(|w| **w).count(), 1);
            let left = repo.members(&[a.id]).await.unwrap().remove(&a.id).unwrap();
            assert_eq!(left.len(), 1);
            assert_eq!(left[0].role, AgencyRole::Owner);
            // Even a current plan cannot remove or demote the last owner: rolled back.
            let last = left[0].user_id;
            for change in [
                RosterChange::Remove(last),
                RosterChange::SetRole(last, AgencyRole::Member),
            ] {
                let err = repo.change(a.id, 4, &change, Utc::now()).await.unwrap_err();
                assert_eq!(err.field_errors()[0].code, ErrorCode::InvalidState);
                assert_eq!(version(&repo, a.id).await, 4);
            }
        }
    }

    /// `AgencyService::members` lists members only of agencies the actor may see (deny
    /// by default, whatever ids it is handed), and leaves members whose profile is not
    /// public out for outsiders.
    #[tokio::test]
    async fn the_service_lists_members_only_of_agencies_the_actor_sees() {
        use domain::agencies::AgencyService;
        use domain::{Actor, Role};
        use std::sync::Arc;
        for backend in backends() {
            let (guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaAgencyRepository::new(&db);
            let service = AgencyService::new(
                Arc::new(repo.clone()),
                Arc::new(crate::SeaProfileRepository::new(&db)),
                Arc::new(crate::SeaTaxonomyRepository::new(&db)),
            );
            let ada = freelancer(&db, "ada").await;
            let bob = freelancer(&db, "bob").await;
            let cat = freelancer(&db, "cat").await;
            let a = Agency {
                visibility: Visibility::Hidden,
                ..agency("Stealth")
            };
            repo.create(&a, &member(&a, ada, AgencyRole::Owner))
                .await
                .unwrap();
            let as_user =
                |(id, _): (UserId, ProfileId), roles: Vec<Role>| Actor::User { id, roles };
            let outsider = as_user(cat, vec![Role::Freelancer]);
            let insider = as_user(ada, vec![Role::Freelancer]);
            let admin = as_user(bob, vec![Role::Admin]);
            let listed =
                |m: HashMap<AgencyId, Vec<Member>>| m.get(&a.id).map(Vec::len).unwrap_or(0);
            for actor in [&outsider, &Actor::Anonymous] {
                let got = service.members(actor, &[a.id]).await.unwrap();
                assert_eq!(listed(got), 0, "{backend:?}: hidden from {actor:?}");
            }
            for actor in [&insider, &admin] {
                let got = service.members(actor, &[a.id]).await.unwrap();
                assert_eq!(listed(got), 1, "{backend:?}: {actor:?}");
            }
            // Visible, with a member whose profile is hidden by its owner: the outsider
            // sees only Ada; Ada and admins see both.
            let mut shown = repo.by_ids(&[a.id]).await.unwrap().remove(0);
            shown.visibility = Visibility::Visible;
            let shown = repo.save(&shown).await.unwrap().unwrap();
            let inv = invitation(&a, bob, ada.0);
            assert!(
                repo.change(
                    a.id,
                    shown.version,
                    &RosterChange::Invite(inv.clone()),
                    Utc::now()
                )
                .await
                .unwrap()
            );
            let accepted = inv
                .apply(domain::agencies::InvitationEvent::Accept, Utc::now())
                .unwrap();
            assert!(
                repo.change(
                    a.id,
                    shown.version + 1,
                    &RosterChange::Resolve {
                        invitation: accepted,
                        join: Some(member(&a, bob, AgencyRole::Member)),
                    },
                    Utc::now(),
                )
                .await
                .unwrap()
            );
            guard
                .execute("UPDATE freelancer_profiles SET visibility = 'HIDDEN' WHERE headline LIKE 'bob%'")
                .await;
            let members = repo.members(&[a.id]).await.unwrap().remove(&a.id).unwrap();
            assert_eq!(
                members
                    .iter()
                    .map(|m| (m.user_id, m.profile_public))
                    .collect::<Vec<_>>(),
                [(ada.0, true), (bob.0, false)],
                "{backend:?}"
            );
            let got = service.members(&outsider, &[a.id]).await.unwrap();
            assert_eq!(got[&a.id].len(), 1);
            assert_eq!(got[&a.id][0].user_id, ada.0);
            for actor in [&insider, &admin] {
                assert_eq!(listed(service.members(actor, &[a.id]).await.unwrap()), 2);
            }
            // An id that names no agency lists nothing.
            let none = AgencyId(uuid::Uuid::now_v7());
            assert!(service.members(&admin, &[none]).await.unwrap().is_empty());
        }
    }

    /// Removing or demoting an owner revokes, in the same versioned change, the
    /// invitations they sent that are still pending; others' stay.
    #[tokio::test]
    async fn a_former_owners_pending_invitations_are_revoked_with_the_change() {
        for backend in backends() {
            let (guard, db) = TestDatabase::migrated(backend).await;
            let repo = SeaAgencyRepository::new(&db);
            let ada = freelancer(&db, "ada").await;
            let bob = freelancer(&db, "bob").await;
            let cat = freelancer(&db, "cat").await;
            let dan = freelancer(&db, "dan").await;
            let a = agency("Acme");
            repo.create(&a, &member(&a, ada, AgencyRole::Owner))
                .await
                .unwrap();
            let inv = invitation(&a, bob, ada.0);
            assert!(
                repo.change(a.id, 1, &RosterChange::Invite(inv.clone()), Utc::now())
                    .await
                    .unwrap()
            );
            let accepted = inv
                .apply(domain::agencies::InvitationEvent::Accept, Utc::now())
                .unwrap();
            let join = RosterChange::Resolve {
                invitation: accepted,
                join: Some(member(&a, bob, AgencyRole::Owner)),
            };
            assert!(repo.change(a.id, 2, &join, Utc::now()).await.unwrap());
            // Bob invites Cat, Ada invites Dan.
            for (v, (who, by)) in [(3, (cat, bob.0)), (4, (dan, ada.0))] {
                let change = RosterChange::Invite(invitation(&a, who, by));
                assert!(repo.change(a.id, v, &change, Utc::now()).await.unwrap());
            }
            // Bob's invitation is Cat's, Ada's is Dan's.
            let pending_of = |by: UserId| {
                let repo = &repo;
                let invitee = if by == bob.0 { cat.0 } else { dan.0 };
                async move { repo.pending_for_user(invitee).await.unwrap().len() }
            };
            // A stale plan changes nothing, Bob's invitation included.
            let demote = RosterChange::SetRole(bob.0, AgencyRole::Member);
            assert!(!repo.change(a.id, 4, &demote, Utc::now()).await.unwrap());
            assert_eq!(pending_of(bob.0).await, 1, "{backend:?}");
            // Promoting changes nothing either; demoting revokes Bob's, not Ada's.
            let promote = RosterChange::SetRole(bob.0, AgencyRole::Owner);
            assert!(repo.change(a.id, 5, &promote, Utc::now()).await.unwrap());
            assert_eq!(pending_of(bob.0).await, 1);
            assert!(repo.change(a.id, 6, &demote, Utc::now()).await.unwrap());
            assert_eq!(pending_of(bob.0).await, 0, "{backend:?}");
            assert_eq!(pending_of(ada.0).await, 1);
            let revoked = repo.pending_for_user(cat.0).await.unwrap();
            assert!(revoked.is_empty());
            // Removal does it too; and a refused removal (the last owner) revokes nothing.
            let err = repo
                .change(a.id, 7, &RosterChange::Remove(ada.0), Utc::now())
                .await
                .unwrap_err();
            assert_eq!(err.field_errors()[0].code, ErrorCode::InvalidState);
            assert_eq!(pending_of(ada.0).await, 1, "rolled back");
            assert!(repo.change(a.id, 7, &promote, Utc::now()).await.unwrap());
            assert!(
                repo.change(a.id, 8, &RosterChange::Remove(ada.0), Utc::now())
                    .await
                    .unwrap()
            );
            assert_eq!(pending_of(ada.0).await, 0, "{backend:?}");
            assert_eq!(
                guard
                    .count("SELECT COUNT(*) FROM agency_invitations WHERE status = 'REVOKED' AND responded_at IS NOT NULL")
                    .await,
                2
            );
        }
    }
}
