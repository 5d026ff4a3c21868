//! The `hireql` server: configuration, telemetry, the GraphQL-over-HTTP and WebSocket
//! endpoints, health checks, and the one place where persistence is wired into the domain.
// The merged GraphQL root is a deep type: laying out the server's futures needs more than
// the default 128 levels of the compiler's queries.
#![recursion_limit = "256"]

mod auth;
pub mod bench;
pub mod cli;
pub mod config;
mod http;
mod integrations;
pub mod jobs;
pub mod startup;
pub mod telemetry;

pub use config::{ProviderKind, ProviderSettings, Settings};
pub use startup::{Application, StartupError};

/// Makes ring the process's TLS crypto provider (HTTP clients are built without one, so
/// nothing pulls in a second implementation). Idempotent.
pub fn install_tls_provider() {
    // Fails only when a provider is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
