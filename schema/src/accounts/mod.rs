//! The signed-in user (`viewer`), sessions, roles, and the sign-in providers.

mod mutation;
mod query;
mod types;

pub use mutation::AccountMutation;
pub use query::{AccountQuery, AuthProviderInfo, AuthProviders};
