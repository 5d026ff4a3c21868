//! The HTTP client for talking to sign-in providers: bounded by a timeout, following no
//! redirects (so a provider response cannot steer the server elsewhere), TLS on rustls
//! with the ring provider.

use std::time::Duration;

use oauth2::{HttpRequest, HttpResponse};

/// Why a call to a provider failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProviderHttpError {
    #[error("provider did not answer in time")]
    Timeout,
    #[error("provider unreachable: {0}")]
    Transport(String),
}

/// A cheap-to-clone client shared by every provider.
#[derive(Clone)]
pub(crate) struct ProviderHttp {
    client: reqwest::Client,
}

impl ProviderHttp {
    pub(crate) fn new(timeout: Duration) -> Result<Self, String> {
        crate::install_tls_provider();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hireql/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client })
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Performs one request for the `oauth2` / `openidconnect` crates.
    pub(crate) async fn execute(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, ProviderHttpError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|e| ProviderHttpError::Transport(e.to_string()))?;
        let response = self.client.execute(request).await.map_err(classify)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(classify)?;
        let mut out = HttpResponse::new(body.to_vec());
        *out.status_mut() = status;
        *out.headers_mut() = headers;
        Ok(out)
    }
}

pub(crate) fn classify(e: reqwest::Error) -> ProviderHttpError {
    if e.is_timeout() {
        ProviderHttpError::Timeout
    } else {
        // Without the URL: it may carry a code or token in its query.
        ProviderHttpError::Transport(e.without_url().to_string())
    }
}
