//! Plain-text fields as the domain keeps them: trimmed, within length, without control
//! characters (line breaks only where a field is multi-line). Text is stored as plain
//! text; front ends escape it when they render it.

use validator::{ValidateLength, ValidateUrl};

fn length_message(min: usize, max: usize) -> String {
    if min == 0 {
        format!("must be at most {max} characters")
    } else {
        format!("must be {min} to {max} characters")
    }
}

/// One line of text: trimmed, `min..=max` characters, no control characters.
pub fn single_line(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.chars().any(char::is_control) {
        return Err("must be one line without control characters".into());
    }
    if !text.validate_length(Some(min as u64), Some(max as u64), None) {
        return Err(length_message(min, max));
    }
    Ok(text.to_owned())
}

/// Paragraphs: trimmed, `\r\n` becomes `\n`, `min..=max` characters, no control
/// characters but line breaks and tabs.
pub fn multi_line(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let text = raw.replace("\r\n", "\n");
    let text = text.trim();
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    if !text.validate_length(Some(min as u64), Some(max as u64), None) {
        return Err(length_message(min, max));
    }
    Ok(text.to_owned())
}

/// An IANA time zone name such as `Europe/Berlin` or `UTC`.
pub fn time_zone(raw: &str) -> Result<String, String> {
    let tz = raw.trim();
    let ok = tz == "UTC"
        || (tz.contains('/')
            && tz.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
            }));
    if ok && tz.len() <= 64 {
        Ok(tz.to_owned())
    } else {
        Err("must be an IANA time zone such as Europe/Berlin or UTC".into())
    }
}

/// An `https://` URL of at most 2048 characters on one of `hosts` (any host when empty).
pub fn https_url_on(url: &str, hosts: &[&str]) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err("must be an https:// URL".into());
    };
    if url.len() > 2048 || !url.validate_url() || url.chars().any(char::is_whitespace) {
        return Err("must be a valid https:// URL of at most 2048 characters".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("must not contain credentials".into());
    }
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(h, _)| h)
        .to_ascii_lowercase();
    if hosts.is_empty() || hosts.contains(&host.as_str()) {
        Ok(())
    } else {
        Err(format!("must be a link to {}", hosts.join(" or ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields() {
        assert_eq!(single_line("  a b ", 1, 5).unwrap(), "a b");
        assert!(single_line("   ", 1, 5).is_err());
        assert!(single_line("a\nb", 1, 5).is_err());
        assert!(single_line("äöüäöü", 1, 5).is_err(), "counts characters");
        assert_eq!(single_line("äöüäö", 1, 5).unwrap(), "äöüäö");
        assert_eq!(multi_line("a\r\nb\tc", 0, 10).unwrap(), "a\nb\tc");
        assert!(multi_line("a\u{7}", 0, 10).is_err());
        assert_eq!(time_zone(" Europe/Berlin ").unwrap(), "Europe/Berlin");
        assert!(time_zone("Mars Base").is_err());
    }

    #[test]
    fn urls_on_hosts() {
        assert!(https_url_on("https://github.com/ada", &["github.com"]).is_ok());
        assert!(https_url_on("https://GitHub.com:443/ada", &["github.com"]).is_ok());
        assert!(https_url_on("http://github.com/ada", &["github.com"]).is_err());
        assert!(https_url_on("https://github.com.evil.example/", &["github.com"]).is_err());
        assert!(https_url_on("https://evil.example@github.com/", &["github.com"]).is_err());
        assert!(https_url_on("https://img.example/a.png", &[]).is_ok());
        assert!(https_url_on("https://", &[]).is_err());
    }
}
