//! CSRF defence for cookie-authenticated requests: a change is accepted only from this
//! server's own origin or a configured front-end origin. (Forms cannot send JSON, and
//! `POST /graphql` accepts nothing else; GET never runs mutations.)

use actix_web::HttpRequest;
use actix_web::http::header;

/// Whether the request's `Origin` is allowed to act with the user's cookie.
pub(crate) fn allowed(req: &HttpRequest, allowed_origins: &[String]) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    if allowed_origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    // Same origin: the Origin's authority is the Host this request was sent to.
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(origin: Option<&str>) -> HttpRequest {
        let mut r = TestRequest::default().insert_header((header::HOST, "api.example.com"));
        if let Some(o) = origin {
            r = r.insert_header((header::ORIGIN, o));
        }
        r.to_http_request()
    }

    #[test]
    fn only_own_and_configured_origins() {
        let allowed_list = vec!["https://app.example.com".to_string()];
        assert!(allowed(
            &req(Some("https://app.example.com")),
            &allowed_list
        ));
        assert!(allowed(
            &req(Some("https://api.example.com")),
            &allowed_list
        ));
        assert!(!allowed(&req(Some("https://evil.example")), &allowed_list));
        assert!(!allowed(&req(Some("null")), &allowed_list));
        assert!(!allowed(&req(None), &allowed_list));
    }
}
