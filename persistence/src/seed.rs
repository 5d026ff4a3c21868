//! Demo and benchmark data: realistic freelancer profiles (with their users, skills and
//! languages), written in large batches, one transaction per batch. The same seed gives
//! the same mix of profiles, so benchmarks compare like with like; IDs and creation times
//! are fresh, so seeding again adds more profiles rather than colliding.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use rand::rngs::SmallRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::Set;
use sea_orm::{DbErr, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::entities::{
    agency, agency_member, agency_skill, freelancer_language, freelancer_profile, freelancer_skill,
    user,
};
use crate::migration::{SKILLS, skill_id};

/// Profiles written per transaction.
pub const BATCH: usize = 500;

const FIRST_NAMES: &[&str] = &[
    "Ada", "Alan", "Amara", "Anh", "Arjun", "Beatriz", "Bjorn", "Carlos", "Chen", "Chioma",
    "Dmytro", "Elena", "Emeka", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jana",
    "Javier", "Kai", "Kenji", "Lars", "Leila", "Linh", "Lucia", "Marek", "Maya", "Mehmet", "Nadia",
    "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sana", "Sofia", "Tariq", "Tomasz", "Ulla",
    "Vera", "Wei", "Yara", "Yusuf", "Zoe",
];

const LAST_NAMES: &[&str] = &[
    "Adeyemi",
    "Andersen",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Garcia",
    "Hoffmann",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Kumar",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Silva",
    "Tanaka",
    "Nguyen",
    "Virtanen",
    "Wagner",
    "Yilmaz",
    "Zhang",
    "Haddad",
    "Mensah",
    "Horvath",
];

/// Country, city, time zone, first language.
const PLACES: &[(&str, &str, &str, &str)] = &[
    ("DE", "Berlin", "Europe/Berlin", "de"),
    ("PL", "Warsaw", "Europe/Warsaw", "pl"),
    ("UA", "Kyiv", "Europe/Kyiv", "uk"),
    ("GB", "London", "Europe/London", "en"),
    ("PT", "Lisbon", "Europe/Lisbon", "pt"),
    ("ES", "Madrid", "Europe/Madrid", "es"),
    ("FR", "Lyon", "Europe/Paris", "fr"),
    ("NL", "Amsterdam", "Europe/Amsterdam", "nl"),
    ("US", "New York", "America/New_York", "en"),
    ("US", "Austin", "America/Chicago", "en"),
    ("US", "Seattle", "America/Los_Angeles", "en"),
    ("CA", "Toronto", "America/Toronto", "en"),
    ("BR", "Sao Paulo", "America/Sao_Paulo", "pt"),
    ("AR", "Buenos Aires", "America/Argentina/Buenos_Aires", "es"),
    ("IN", "Bengaluru", "Asia/Kolkata", "hi"),
    ("VN", "Ho Chi Minh City", "Asia/Ho_Chi_Minh", "vi"),
    ("JP", "Tokyo", "Asia/Tokyo", "ja"),
    ("NG", "Lagos", "Africa/Lagos", "en"),
    ("KE", "Nairobi", "Africa/Nairobi", "sw"),
    ("AU", "Sydney", "Australia/Sydney", "en"),
];

const ROLES: &[&str] = &[
    "backend engineer",
    "backend developer",
    "software engineer",
    "platform engineer",
    "API developer",
    "data engineer",
    "site reliability engineer",
    "full-stack developer",
];

const SENIORITY: &[&str] = &[
    "Senior",
    "Lead",
    "Principal",
    "Experienced",
    "Freelance",
    "",
];

const OVERVIEW_SENTENCES: &[&str] = &[
    "I design and build APIs that stay fast as traffic grows.",
    "Most of my work is on payment, booking and marketplace backends.",
    "I care about tests, observability and boring, reliable deployments.",
    "I have migrated several monoliths to services without downtime.",
    "I enjoy tuning slow queries and designing schemas that age well.",
    "I work well with distributed teams and write things down.",
    "Recent projects include event-driven pipelines and GraphQL gateways.",
    "I mentor junior developers and review code carefully.",
    "Before freelancing I spent years at product companies and startups.",
    "I am comfortable owning a service from design to on-call.",
];

/// (code, [(amount range in minor units)]) for hourly rates.
const RATES: &[(&str, i64, i64)] = &[
    ("USD", 2_500, 20_000),
    ("EUR", 2_500, 18_000),
    ("GBP", 2_500, 15_000),
];

const AGENCY_WORDS: &[&str] = &[
    "Northwind",
    "Bluefin",
    "Granite",
    "Lighthouse",
    "Copperleaf",
    "Ironbark",
    "Meridian",
    "Quartz",
    "Redwood",
    "Saltmarsh",
    "Tidewater",
    "Brightline",
    "Kestrel",
    "Harbor",
];

const AGENCY_KINDS: &[&str] = &[
    "Labs",
    "Studio",
    "Engineering",
    "Collective",
    "Works",
    "Digital",
];

/// Every this many seeded freelancers, one founds an agency and the next
/// `AGENCY_MEMBERS - 1` join it.
const AGENCY_EVERY: usize = 20;
const AGENCY_MEMBERS: usize = 5;

/// Each seeded skill's searchable words (its name and aliases), by slug: what
/// `skills_text` holds for a seeded profile, agency or posting.
pub(crate) fn skill_words() -> HashMap<&'static str, String> {
    SKILLS
        .iter()
        .map(|s| {
            let mut words = vec![s.name.to_owned()];
            words.extend(s.aliases.iter().map(|a| (*a).to_owned()));
            (s.slug, words.join(" "))
        })
        .collect()
}

/// Writes `count` profiles (and their users) in batches of [`BATCH`], calling `progress`
/// with the number written so far after each batch; one in [`AGENCY_EVERY`] founds an
/// agency that a few of the next ones join. Returns how many profiles were written.
pub async fn seed_profiles(
    db: &crate::Db,
    count: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, DbErr> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let skill_text = skill_words();
    let offsets: HashMap<&str, Option<i16>> = PLACES
        .iter()
        .map(|p| (p.2, domain::text::standard_utc_offset_minutes(p.2)))
        .collect();
    let now = Utc::now();
    let mut written = 0u64;
    while written < count {
        let n = usize::try_from((count - written).min(BATCH as u64)).unwrap_or(BATCH);
        let mut users = Vec::with_capacity(n);
        let mut profiles = Vec::with_capacity(n);
        let mut skills = Vec::new();
        let mut languages = Vec::new();
        let mut agencies = Vec::new();
        let mut agency_skills = Vec::new();
        let mut members = Vec::new();
        let mut current_agency: Option<(Uuid, chrono::DateTime<Utc>)> = None;
        for i in 0..n {
            let user_id = Uuid::now_v7();
            let profile_id = Uuid::now_v7();
            let created = now - Duration::minutes(rng.random_range(0..3 * 365 * 24 * 60));
            let name = format!(
                "{} {}",
                FIRST_NAMES.choose(&mut rng).copied().unwrap_or("Ada"),
                LAST_NAMES.choose(&mut rng).copied().unwrap_or("Lovelace")
            );
            let place = PLACES.choose(&mut rng).copied().unwrap_or(PLACES[0]);
            users.push(user::ActiveModel {
                id: Set(user_id),
                email: Set(None),
                email_key: Set(None),
                email_verified: Set(false),
                display_name: Set(name),
                avatar_url: Set(None),
                time_zone: Set(Some(place.2.to_owned())),
                is_freelancer: Set(true),
                is_client: Set(false),
                is_admin: Set(false),
                status: Set("ACTIVE".into()),
                created_at: Set(created),
                updated_at: Set(created),
            });
            let how_many = rng.random_range(3..=8);
            let mut picked: Vec<_> = SKILLS.choose_multiple(&mut rng, how_many).collect();
            picked.shuffle(&mut rng);
            let lead = picked[0];
            let headline = format!(
                "{} {} {}",
                SENIORITY.choose(&mut rng).copied().unwrap_or(""),
                lead.name,
                ROLES.choose(&mut rng).copied().unwrap_or("developer")
            )
            .trim()
            .to_owned();
            let sentences = rng.random_range(2..=5);
            let overview: Vec<&str> = OVERVIEW_SENTENCES
                .choose_multiple(&mut rng, sentences)
                .copied()
                .collect();
            let overview = format!(
                "I work mostly with {} and {}. {}",
                lead.name,
                picked.get(1).map_or("SQL", |s| s.name),
                overview.join(" ")
            );
            let (currency, low, high) = RATES.choose(&mut rng).copied().unwrap_or(RATES[0]);
            let rated = rng.random_bool(0.7);
            profiles.push(freelancer_profile::ActiveModel {
                id: Set(profile_id),
                user_id: Set(user_id),
                headline: Set(headline),
                overview: Set(overview),
                rate_minor: Set(Some(rng.random_range(low / 100..=high / 100) * 100)),
                rate_currency: Set(Some(currency.to_owned())),
                hours_per_week: Set(*[10i16, 20, 30, 40].choose(&mut rng).unwrap_or(&20)),
                available_from: Set(rng
                    .random_bool(0.3)
                    .then(|| now.date_naive() + Duration::days(rng.random_range(1..120)))),
                country: Set(Some(place.0.to_owned())),
                city: Set(Some(place.1.to_owned())),
                time_zone: Set(Some(place.2.to_owned())),
                visibility: Set("VISIBLE".into()),
                moderation_hidden: Set(false),
                version: Set(1),
                skills_text: Set(picked
                    .iter()
                    .filter_map(|s| skill_text.get(s.slug).cloned())
                    .collect::<Vec<_>>()
                    .join(" ")),
                utc_offset_minutes: Set(offsets.get(place.2).copied().flatten()),
                rating_avg: Set(rated.then(|| f64::from(rng.random_range(30..=50u8)) / 10.0)),
                review_count: Set(if rated { rng.random_range(1..200) } else { 0 }),
                // Not derived from contracts: left unknown (the RNG's sequence unchanged).
                job_success: Set(None),
                created_at: Set(created),
                updated_at: Set(created),
            });
            for (i, s) in picked.iter().enumerate() {
                skills.push(freelancer_skill::ActiveModel {
                    profile_id: Set(profile_id),
                    skill_id: Set(skill_id(s.slug)),
                    level: Set(rng.random_range(2..=5)),
                    years: Set(rng.random_range(1..=15)),
                    position: Set(i16::try_from(i).unwrap_or(0)),
                });
            }
            if i % AGENCY_EVERY == 0 {
                let agency_id = Uuid::now_v7();
                current_agency = Some((agency_id, created));
                let offered: Vec<_> = picked.iter().take(4).collect();
                agencies.push(agency::ActiveModel {
                    id: Set(agency_id),
                    name: Set(format!(
                        "{} {}",
                        AGENCY_WORDS
                            .choose(&mut rng)
                            .copied()
                            .unwrap_or("Northwind"),
                        AGENCY_KINDS.choose(&mut rng).copied().unwrap_or("Labs")
                    )),
                    headline: Set(format!(
                        "{} and {} teams on demand",
                        lead.name,
                        offered.get(1).map_or("SQL", |s| s.name)
                    )),
                    overview: Set(format!(
                        "A small team of senior engineers. {}",
                        OVERVIEW_SENTENCES.choose(&mut rng).copied().unwrap_or("")
                    )),
                    website: Set(None),
                    country: Set(Some(place.0.to_owned())),
                    visibility: Set("VISIBLE".into()),
                    version: Set(1),
                    skills_text: Set(offered
                        .iter()
                        .filter_map(|s| skill_text.get(s.slug).cloned())
                        .collect::<Vec<_>>()
                        .join(" ")),
                    created_at: Set(created),
                    updated_at: Set(created),
                });
                for (position, s) in offered.iter().enumerate() {
                    agency_skills.push(agency_skill::ActiveModel {
                        agency_id: Set(agency_id),
                        skill_id: Set(skill_id(s.slug)),
                        level: Set(Some(4)),
                        position: Set(i16::try_from(position).unwrap_or(0)),
                    });
                }
            }
            if let Some((agency_id, founded)) =
                current_agency.filter(|_| i % AGENCY_EVERY < AGENCY_MEMBERS)
            {
                members.push(agency_member::ActiveModel {
                    agency_id: Set(agency_id),
                    user_id: Set(user_id),
                    profile_id: Set(profile_id),
                    role: Set(if i % AGENCY_EVERY == 0 {
                        "OWNER"
                    } else {
                        "MEMBER"
                    }
                    .into()),
                    // Nobody joins before the agency exists.
                    joined_at: Set(created.max(founded)),
                });
            }
            languages.push(freelancer_language::ActiveModel {
                profile_id: Set(profile_id),
                code: Set(place.3.to_owned()),
                level: Set("NATIVE".into()),
                position: Set(0),
            });
            if place.3 != "en" {
                languages.push(freelancer_language::ActiveModel {
                    profile_id: Set(profile_id),
                    code: Set("en".into()),
                    level: Set(["CONVERSATIONAL", "FLUENT", "FLUENT"]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("FLUENT")
                        .into()),
                    position: Set(1),
                });
            }
        }
        let txn = db.connection().begin().await?;
        user::Entity::insert_many(users)
            .exec_without_returning(&txn)
            .await?;
        freelancer_profile::Entity::insert_many(profiles)
            .exec_without_returning(&txn)
            .await?;
        freelancer_skill::Entity::insert_many(skills)
            .exec_without_returning(&txn)
            .await?;
        freelancer_language::Entity::insert_many(languages)
            .exec_without_returning(&txn)
            .await?;
        if !agencies.is_empty() {
            agency::Entity::insert_many(agencies)
                .exec_without_returning(&txn)
                .await?;
            agency_skill::Entity::insert_many(agency_skills)
                .exec_without_returning(&txn)
                .await?;
            agency_member::Entity::insert_many(members)
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        written += n as u64;
        progress(written);
    }
    Ok(written)
}
