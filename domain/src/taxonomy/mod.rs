//! The skill taxonomy: categories and the skills (with aliases) that postings require and
//! profiles claim.

mod model;
mod policy;
mod ports;
mod service;

pub use model::{
    Category, CategoryId, CreateSkill, NewSkill, SearchTerm, Skill, SkillFilter, SkillId, SkillSlug,
};
pub use ports::TaxonomyRepository;
pub use service::{SkillQuery, TaxonomyService};
