//! SeaORM entities, one file per table.

pub mod category;
pub mod skill;
pub mod skill_alias;
