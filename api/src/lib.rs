//! The `hireql` server: configuration, telemetry, the GraphQL-over-HTTP and WebSocket
//! endpoints, health checks, and the one place where persistence is wired into the domain.

pub mod cli;
pub mod config;
mod http;
pub mod startup;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
