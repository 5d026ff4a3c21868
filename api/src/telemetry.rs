//! Logs and traces: a `tracing` subscriber writing JSON (or pretty) lines, and an
//! OpenTelemetry OTLP/HTTP exporter when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

use crate::config::{LogFormat, Settings};

/// Flushes and stops trace export when dropped.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("telemetry: trace export shutdown failed: {err}");
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("configuration: key `log_level`: {0}")]
    Filter(String),
    #[error("telemetry: OTLP exporter: {0}")]
    Exporter(String),
    #[error("telemetry: {0}")]
    Init(String),
}

/// Installs the global subscriber. Call once, from `main`.
pub fn init(settings: &Settings) -> Result<TelemetryGuard, TelemetryError> {
    crate::install_tls_provider();
    // sqlx logs every statement at INFO: keep it quiet unless asked for.
    let directives = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| format!("{},sqlx=warn,sea_orm=warn", settings.log_level));
    let filter = EnvFilter::builder()
        .parse(&directives)
        .map_err(|e| TelemetryError::Filter(e.to_string()))?;

    let fmt_layer = match settings.log_format {
        LogFormat::Json => fmt::layer()
            .json()
            // The span list carries the request span (and its request id) on every line,
            // however deep in resolvers and loaders the line was written.
            .with_current_span(false)
            .with_span_list(true)
            .flatten_event(true)
            .boxed(),
        LogFormat::Pretty => fmt::layer().pretty().boxed(),
    };

    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty());
    let provider = match endpoint {
        Some(_) => {
            // The exporter reads the endpoint, headers and timeout from the standard
            // OTEL_EXPORTER_OTLP_* variables.
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .build()
                .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(Resource::builder().with_service_name("hireql").build())
                    .build(),
            )
        }
        None => None,
    };
    let otel_layer = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("hireql")));

    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()
        .map_err(|e| TelemetryError::Init(e.to_string()))?;
    Ok(TelemetryGuard { provider })
}
