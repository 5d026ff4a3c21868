//! CSRF defence for cookie-authenticated requests: a change is accepted only from this
//! server's own origin (`public_url`) or a configured front-end origin, compared exactly
//! (scheme, host and port). (Forms cannot send JSON, and `POST /graphql` accepts nothing
//! else; GET never runs mutations.)

use actix_web::HttpRequest;
use actix_web::http::header;

use super::AuthState;

/// Whether the request's `Origin` may act with the user's cookie.
pub(crate) fn allowed(req: &HttpRequest, auth: &AuthState) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    if origin.eq_ignore_ascii_case(&auth.public_origin)
        || auth
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    // Development: the page was served by this very host (e.g. GraphiQL on 127.0.0.1).
    auth.same_host_is_own_origin && same_host(req, origin)
}

fn same_host(req: &HttpRequest, origin: &str) -> bool {
    let scheme = req.connection_info().scheme().to_owned();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    match (origin.split_once("://"), host) {
        (Some((s, authority)), Some(h)) => {
            s.eq_ignore_ascii_case(&scheme) && authority.eq_ignore_ascii_case(h)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use std::sync::Arc;

    fn auth(development: bool) -> AuthState {
        AuthState {
            providers: Default::default(),
            http: crate::auth::http_client::ProviderHttp::new(std::time::Duration::from_secs(1))
                .unwrap(),
            public_origin: "https://api.example.com".into(),
            allowed_origins: vec!["https://app.example.com".into()],
            same_host_is_own_origin: development,
            native_redirect_uris: vec![],
            dev_login: false,
            trusted_proxy_hops: 0,
            rate_limiter: Arc::new(crate::auth::rate_limit::RateLimiter::new(
                Arc::new(persistence::cache::MemoryCache::default()),
                1,
            )),
        }
    }

    fn req(host: &str, origin: Option<&str>) -> HttpRequest {
        let mut r = TestRequest::default().insert_header((header::HOST, host));
        if let Some(o) = origin {
            r = r.insert_header((header::ORIGIN, o));
        }
        r.to_http_request()
    }

    #[test]
    fn only_own_and_configured_origins_exactly() {
        let production = auth(false);
        let host = "api.example.com";
        assert!(allowed(
            &req(host, Some("https://app.example.com")),
            &production
        ));
        assert!(allowed(
            &req(host, Some("https://api.example.com")),
            &production
        ));
        assert!(
            !allowed(&req(host, Some("http://api.example.com")), &production),
            "scheme"
        );
        assert!(
            !allowed(
                &req(host, Some("https://api.example.com:8443")),
                &production
            ),
            "port"
        );
        assert!(!allowed(
            &req(host, Some("https://evil.example")),
            &production
        ));
        assert!(!allowed(&req(host, Some("null")), &production));
        assert!(!allowed(&req(host, None), &production));
        // A Host header does not make an origin our own in production...
        assert!(!allowed(
            &req("evil.example", Some("http://evil.example")),
            &production
        ));
        // ...in development the serving host's own pages are fine (the test request is http).
        let development = auth(true);
        assert!(allowed(
            &req("127.0.0.1:8080", Some("http://127.0.0.1:8080")),
            &development
        ));
        assert!(!allowed(
            &req("127.0.0.1:8080", Some("https://127.0.0.1:8080")),
            &development
        ));
    }
}
