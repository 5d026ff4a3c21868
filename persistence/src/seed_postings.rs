//! Demo and benchmark postings: clients (users with a rated company profile) and their
//! postings in every state, written in large batches, one transaction per batch. Most
//! are public and open (what search returns); published over the last 90 days. Published
//! postings carry a few proposals from seeded freelancers, with bids near their budget,
//! so the bid statistics and the "fewer than N proposals" filter show real numbers.

use chrono::{Duration, Utc};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::{DbErr, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::entities::{client_profile, posting, posting_country, posting_skill, proposal, user};
use crate::migration::{CATEGORIES, SKILLS, category_id, skill_id};

/// The cover letter of every seeded proposal.
const SEED_COVER_LETTER: &str = "I have built and run services like this one for years and can start next week; \
     my profile lists similar work.";

/// Postings written per transaction.
pub const BATCH: usize = 500;
/// Each seeded client owns about this many postings.
const POSTINGS_PER_CLIENT: usize = 25;
/// Freelancers written with each batch; a posting's proposals come from distinct ones.
const FREELANCERS_PER_BATCH: usize = 12;

const COMPANIES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Aperture",
    "Wonka",
    "Oscorp",
    "Pied Piper",
    "Monarch",
];
const INDUSTRIES: &[&str] = &[
    "Fintech",
    "E-commerce",
    "Healthcare",
    "Logistics",
    "Media",
    "SaaS",
    "Travel",
];
const ROLES: &[&str] = &[
    "backend engineer",
    "API developer",
    "platform engineer",
    "data engineer",
    "site reliability engineer",
    "software engineer",
];
const SENIORITY: &[&str] = &["Senior", "Lead", "Staff", "Mid-level", "Junior", ""];
const SENTENCES: &[&str] = &[
    "We are building a payments platform used by thousands of merchants.",
    "You will own services end to end, from design to on-call.",
    "Our stack runs on managed databases and Kubernetes.",
    "We value tests, code review and written design documents.",
    "The team is distributed across Europe and the Americas.",
    "You will help us split a monolith into well-defined services.",
    "Expect to work on public APIs used by our partners.",
    "We ship small changes many times a day.",
    "Performance and reliability matter more than novelty here.",
    "You will mentor two junior engineers.",
];
/// (countries, time zones) a posting may ask for; most ask for neither.
const LOCATIONS: &[(&[&str], &[&str])] = &[
    (&[], &[]),
    (&[], &[]),
    (&[], &[]),
    (&["DE", "AT", "CH"], &["Europe/Berlin"]),
    (&["US", "CA"], &["America/New_York", "America/Chicago"]),
    (&["PL", "UA"], &["Europe/Warsaw", "Europe/Kyiv"]),
    (&["GB"], &["Europe/London"]),
    (&["BR", "AR"], &["America/Sao_Paulo"]),
    (&["IN"], &["Asia/Kolkata"]),
];

/// Writes `count` postings (and a client for every [`POSTINGS_PER_CLIENT`]) in batches
/// of [`BATCH`], calling `progress` with the number written after each batch. About 70%
/// are public and open; the rest are invite-only, paused, closed or drafts.
pub async fn seed_postings(
    db: &crate::Db,
    count: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, DbErr> {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x5eed_9051);
    let skill_text = crate::seed::skill_words();
    let now = Utc::now();
    let mut written = 0u64;
    while written < count {
        let n = usize::try_from((count - written).min(BATCH as u64)).unwrap_or(BATCH);
        let mut users = Vec::new();
        let mut clients = Vec::new();
        let mut postings = Vec::with_capacity(n);
        let mut skills = Vec::new();
        let mut countries = Vec::new();
        let mut proposals = Vec::new();
        let freelancers: Vec<Uuid> = (0..FREELANCERS_PER_BATCH)
            .map(|i| {
                let id = Uuid::now_v7();
                let joined = now - Duration::days(rng.random_range(30..1_000));
                users.push(user::ActiveModel {
                    id: Set(id),
                    email: Set(None),
                    email_key: Set(None),
                    email_verified: Set(false),
                    display_name: Set(format!("Freelancer {}-{i}", written / BATCH as u64)),
                    avatar_url: Set(None),
                    time_zone: Set(None),
                    is_freelancer: Set(true),
                    is_client: Set(false),
                    is_admin: Set(false),
                    status: Set("ACTIVE".into()),
                    created_at: Set(joined),
                    updated_at: Set(joined),
                });
                id
            })
            .collect();
        let mut client = Uuid::nil();
        for i in 0..n {
            if i % POSTINGS_PER_CLIENT == 0 {
                client = Uuid::now_v7();
                let joined = now - Duration::days(rng.random_range(90..1_000));
                let company = format!(
                    "{} {}",
                    COMPANIES.choose(&mut rng).copied().unwrap_or("Acme"),
                    ["Inc", "GmbH", "Ltd", "Labs", "Group"]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("Inc")
                );
                users.push(user::ActiveModel {
                    id: Set(client),
                    email: Set(None),
                    email_key: Set(None),
                    email_verified: Set(false),
                    display_name: Set(format!("{company} hiring")),
                    avatar_url: Set(None),
                    time_zone: Set(None),
                    is_freelancer: Set(false),
                    is_client: Set(true),
                    is_admin: Set(false),
                    status: Set("ACTIVE".into()),
                    created_at: Set(joined),
                    updated_at: Set(joined),
                });
                let rated = rng.random_bool(0.75);
                clients.push(client_profile::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    user_id: Set(client),
                    company_name: Set(company),
                    size: Set(None),
                    industry: Set(INDUSTRIES.choose(&mut rng).map(|s| (*s).to_owned())),
                    website: Set(None),
                    country: Set(None),
                    city: Set(None),
                    description: Set(String::new()),
                    version: Set(1),
                    rating_avg: Set(rated.then(|| f64::from(rng.random_range(30..=50u8)) / 10.0)),
                    review_count: Set(if rated { rng.random_range(1..80) } else { 0 }),
                    created_at: Set(joined),
                    updated_at: Set(joined),
                });
            }
            let id = Uuid::now_v7();
            let how_many = rng.random_range(1..=6);
            let picked: Vec<_> = SKILLS.choose_multiple(&mut rng, how_many).collect();
            let lead = picked[0];
            let title = format!(
                "{} {} {}",
                SENIORITY.choose(&mut rng).copied().unwrap_or(""),
                lead.name,
                ROLES.choose(&mut rng).copied().unwrap_or("engineer")
            )
            .trim()
            .to_owned();
            let how_many = rng.random_range(2..=5);
            let sentences: Vec<&str> = SENTENCES
                .choose_multiple(&mut rng, how_many)
                .copied()
                .collect();
            let description = format!(
                "We need someone strong in {} and {}. {}",
                lead.name,
                picked.get(1).map_or("SQL", |s| s.name),
                sentences.join(" ")
            );
            // Hire type and a budget that fits it.
            let (hire, kind, currency, lo, hi) = match rng.random_range(0..10) {
                0..=3 => {
                    let lo = rng.random_range(30..=120) * 100;
                    (
                        "FREELANCE_LONG_TERM",
                        "HOURLY",
                        "USD",
                        lo,
                        lo + rng.random_range(10..=60) * 100,
                    )
                }
                4..=5 => {
                    let amount = rng.random_range(5..=200) * 10_000;
                    ("FREELANCE_SHORT_TERM", "FIXED", "USD", amount, amount)
                }
                6 => {
                    let lo = rng.random_range(30..=100) * 100;
                    ("CONTRACT_TO_HIRE", "HOURLY", "EUR", lo, lo + 2_000)
                }
                _ => {
                    let lo = rng.random_range(50..=150) * 100_000;
                    let currency = ["USD", "EUR", "GBP"]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("USD");
                    ("FULL_TIME", "YEARLY_SALARY", currency, lo, lo + 2_000_000)
                }
            };
            let (status, visibility, close_reason) = match rng.random_range(0..100) {
                0..=69 => ("OPEN", "PUBLIC", None),
                70..=77 => ("OPEN", "INVITE_ONLY", None),
                78..=82 => ("PAUSED", "PUBLIC", None),
                83..=94 => (
                    "CLOSED",
                    "PUBLIC",
                    Some(
                        ["FILLED", "CANCELLED", "EXPIRED"]
                            .choose(&mut rng)
                            .copied()
                            .unwrap_or("FILLED"),
                    ),
                ),
                _ => ("DRAFT", "PUBLIC", None),
            };
            let created = now - Duration::minutes(rng.random_range(60..90 * 24 * 60));
            let published = (status != "DRAFT")
                .then(|| created + Duration::minutes(rng.random_range(1..600)))
                .map(|p| p.min(now));
            let (place_countries, zones) =
                LOCATIONS.choose(&mut rng).copied().unwrap_or((&[], &[]));
            let offsets: Vec<i32> = zones
                .iter()
                .filter_map(|z| domain::text::standard_utc_offset_minutes(z))
                .map(i32::from)
                .collect();
            postings.push(posting::ActiveModel {
                id: Set(id),
                client_id: Set(client),
                title: Set(title),
                description: Set(description),
                category_id: Set(Some(category_id(
                    CATEGORIES
                        .iter()
                        .find(|c| c.slug == lead.category)
                        .map_or("backend-development", |c| c.slug),
                ))),
                hire_type: Set(Some(hire.into())),
                budget_kind: Set(Some(kind.into())),
                budget_currency: Set(Some(currency.into())),
                budget_min_minor: Set(Some(lo)),
                budget_max_minor: Set(Some(hi)),
                experience: Set(Some(
                    ["ENTRY", "INTERMEDIATE", "EXPERT"]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("EXPERT")
                        .into(),
                )),
                duration: Set(hire.starts_with("FREELANCE").then(|| {
                    [
                        "LESS_THAN_ONE_MONTH",
                        "ONE_TO_THREE_MONTHS",
                        "THREE_TO_SIX_MONTHS",
                        "MORE_THAN_SIX_MONTHS",
                    ]
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("ONE_TO_THREE_MONTHS")
                    .to_owned()
                })),
                hours_per_week: Set(Some(*[10, 20, 30, 40].choose(&mut rng).unwrap_or(&40))),
                workplace: Set(["REMOTE", "REMOTE", "REMOTE", "HYBRID", "ON_SITE"]
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("REMOTE")
                    .into()),
                time_zones: Set(serde_json::to_string(zones).unwrap_or_else(|_| "[]".into())),
                tz_offset_min: Set(offsets.iter().min().copied()),
                tz_offset_max: Set(offsets.iter().max().copied()),
                positions: Set(rng.random_range(1..=3)),
                visibility: Set(visibility.into()),
                deadline: Set(None),
                status: Set(status.into()),
                close_reason: Set(close_reason.map(Into::into)),
                version: Set(if status == "DRAFT" { 1 } else { 2 }),
                created_at: Set(created),
                updated_at: Set(published.unwrap_or(created)),
                published_at: Set(published),
                last_activity_at: Set(published.unwrap_or(created)),
                expiry_warned_for: Set(None),
                skills_text: Set(picked
                    .iter()
                    .filter_map(|s| skill_text.get(s.slug).cloned())
                    .collect::<Vec<_>>()
                    .join(" ")),
                countries_key: Set(crate::posting_rows::countries_key(
                    &place_countries
                        .iter()
                        .map(|c| (*c).to_owned())
                        .collect::<Vec<_>>(),
                )),
                // Counted by the database as the proposals below are written.
                proposal_count: Set(0),
                invite_count: Set(0),
                pipeline_version: Set(0),
            });
            if let Some(published) = published {
                // Skewed towards few (the lesser of two draws): about one in seven gets
                // none, a few get a dozen; four on average.
                let how_many = rng
                    .random_range(0..=FREELANCERS_PER_BATCH)
                    .min(rng.random_range(0..=FREELANCERS_PER_BATCH));
                for (k, freelancer) in freelancers.choose_multiple(&mut rng, how_many).enumerate() {
                    let at = (published + Duration::minutes(rng.random_range(5..3_000))).min(now);
                    let state = match (close_reason, k, rng.random_range(0..20)) {
                        (Some("FILLED"), 0, _) => "HIRED",
                        (Some(_), _, _) => "CLOSED",
                        (None, _, 0..=1) => "WITHDRAWN",
                        (None, _, 2..=3) => "SHORTLISTED",
                        (None, _, 4) => "DECLINED",
                        _ => "SUBMITTED",
                    };
                    proposals.push(proposal::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        posting_id: Set(id),
                        freelancer_id: Set(*freelancer),
                        agency_id: Set(None),
                        status: Set(state.into()),
                        // Within 20% either side of the budget's range.
                        bid_amount_minor: Set((rng.random_range(lo * 8..=hi * 12) / 10 / 100
                            * 100)
                            .max(100)),
                        bid_currency: Set(currency.into()),
                        created_at: Set(at),
                        updated_at: Set(at),
                        bid_kind: Set(kind.into()),
                        cover_letter: Set(SEED_COVER_LETTER.into()),
                        duration_days: Set(
                            (kind != "YEARLY_SALARY").then(|| rng.random_range(3..120))
                        ),
                        status_reason: Set(None),
                        first_viewed_at: Set((state != "SUBMITTED").then_some(at)),
                        match_score: Set(rng.random_range(20..=100)),
                        scorecard_score: Set(0),
                        version: Set(1),
                    });
                }
            }
            for (position, s) in picked.iter().enumerate() {
                skills.push(posting_skill::ActiveModel {
                    posting_id: Set(id),
                    skill_id: Set(skill_id(s.slug)),
                    min_level: Set(rng.random_bool(0.5).then(|| rng.random_range(2..=5))),
                    position: Set(i16::try_from(position).unwrap_or(0)),
                });
            }
            for (position, c) in place_countries.iter().enumerate() {
                countries.push(posting_country::ActiveModel {
                    posting_id: Set(id),
                    country: Set((*c).to_owned()),
                    position: Set(i16::try_from(position).unwrap_or(0)),
                });
            }
        }
        let txn = db.connection().begin().await?;
        user::Entity::insert_many(users)
            .exec_without_returning(&txn)
            .await?;
        client_profile::Entity::insert_many(clients)
            .exec_without_returning(&txn)
            .await?;
        posting::Entity::insert_many(postings)
            .exec_without_returning(&txn)
            .await?;
        posting_skill::Entity::insert_many(skills)
            .exec_without_returning(&txn)
            .await?;
        if !countries.is_empty() {
            posting_country::Entity::insert_many(countries)
                .exec_without_returning(&txn)
                .await?;
        }
        // Up to 12 a posting: in chunks that stay under SQLite's bind-parameter limit.
        let mut proposals = proposals.into_iter().peekable();
        while proposals.peek().is_some() {
            proposal::Entity::insert_many(proposals.by_ref().take(1_000))
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        written += n as u64;
        progress(written);
    }
    Ok(written)
}
