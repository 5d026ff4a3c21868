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

/// Characters that break lines or reorder text without being control characters: line
/// and paragraph separators, bidirectional embeddings, overrides and isolates.
fn sneaky(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether the text shows something: not only spaces and zero-width characters.
fn visible(text: &str) -> bool {
    text.chars().any(|c| {
        !c.is_whitespace() && !matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
    })
}

/// One line of text: trimmed, `min..=max` characters, no control characters, line
/// separators or bidirectional overrides; a required one must show something.
pub fn single_line(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.chars().any(|c| c.is_control() || sneaky(c)) {
        return Err("must be one line without control or direction-changing characters".into());
    }
    if min > 0 && !text.is_empty() && !visible(text) {
        return Err("must contain visible characters".into());
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
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || sneaky(c))
    {
        return Err("must not contain control or direction-changing characters".into());
    }
    if !text.validate_length(Some(min as u64), Some(max as u64), None) {
        return Err(length_message(min, max));
    }
    Ok(text.to_owned())
}

/// An IANA time zone name from the time zone database, e.g. `Europe/Berlin` or `UTC`.
pub fn time_zone(raw: &str) -> Result<String, String> {
    let tz = raw.trim();
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) if tz.len() <= 64 => Ok(zone.name().to_owned()),
        _ => Err("must be an IANA time zone such as Europe/Berlin or UTC".into()),
    }
}

/// The standard (winter, non-daylight-saving) UTC offset of an IANA zone, in minutes:
/// what a "time-zone range" filter compares. It is the smaller of the zone's offsets in
/// mid-January and mid-July 2026 (fixed dates, so it does not depend on when it runs), which
/// is also right for zones whose "standard" time is the summer one in the database
/// (Europe/Dublin gives 0, not +60). `None` for a name `time_zone` refuses.
pub fn standard_utc_offset_minutes(tz: &str) -> Option<i16> {
    use chrono::{NaiveDate, Offset, TimeZone};
    let zone: chrono_tz::Tz = tz.parse().ok()?;
    let offset_on = |month: u32| -> Option<i32> {
        let at = NaiveDate::from_ymd_opt(2026, month, 15)?.and_hms_opt(12, 0, 0)?;
        Some(zone.offset_from_utc_datetime(&at).fix().local_minus_utc() / 60)
    };
    let minutes = offset_on(1)?.min(offset_on(7)?);
    i16::try_from(minutes).ok()
}

/// An `https://` URL of at most 2048 characters, without credentials, control characters
/// or backslashes, on the default port, on one of `hosts` (any host when empty; then a
/// path is optional, otherwise the link must point somewhere below the host).
pub fn https_url_on(url: &str, hosts: &[&str]) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err("must be an https:// URL".into());
    };
    if url.len() > 2048
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || sneaky(c) || c == '\\')
        || !url.validate_url()
    {
        return Err("must be a valid https:// URL of at most 2048 characters".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("must not contain credentials".into());
    }
    let host = match authority.rsplit_once(':') {
        Some((h, "443")) => h,
        Some(_) => return Err("must use the default https port".into()),
        None => authority,
    }
    .to_ascii_lowercase();
    if hosts.is_empty() {
        return Ok(());
    }
    if !hosts.contains(&host.as_str()) {
        return Err(format!("must be a link to {}", hosts.join(" or ")));
    }
    let path = &rest[authority.len()..];
    if path.trim_matches('/').is_empty() {
        return Err("must link to a page on that site, not the site itself".into());
    }
    Ok(())
}

/// A website: an `https://` URL as [`https_url_on`] accepts it (any host), or the same
/// with `http://` (many small firms still serve plain http).
pub fn web_url(url: &str) -> Result<(), String> {
    let as_https = match url.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_owned(),
    };
    https_url_on(&as_https, &[]).map_err(|m| {
        m.replace("an https:// URL", "an http:// or https:// URL")
            .replace("a valid https:// URL", "a valid http:// or https:// URL")
            .replace("default https port", "default port")
    })
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
        assert!(single_line("a\u{2028}b", 1, 5).is_err(), "line separator");
        assert!(single_line("abc\u{202E}", 1, 5).is_err(), "bidi override");
        assert!(
            single_line("\u{200B}\u{200B}", 1, 5).is_err(),
            "nothing visible"
        );
        assert_eq!(single_line("äöüäö", 1, 5).unwrap(), "äöüäö");
        assert_eq!(multi_line("a\r\nb\tc", 0, 10).unwrap(), "a\nb\tc");
        assert!(multi_line("a\u{7}", 0, 10).is_err());
        assert_eq!(time_zone(" Europe/Berlin ").unwrap(), "Europe/Berlin");
        assert!(time_zone("Mars Base").is_err());
        assert!(time_zone("Europe/Atlantis").is_err());
        assert_eq!(time_zone("UTC").unwrap(), "UTC");
        for (zone, minutes) in [
            ("Europe/Berlin", 60),
            ("America/New_York", -300),
            ("Asia/Kolkata", 330),
            ("Australia/Sydney", 600),
            ("Europe/Dublin", 0),
            ("Europe/London", 0),
            ("America/Sao_Paulo", -180),
            ("UTC", 0),
        ] {
            assert_eq!(standard_utc_offset_minutes(zone), Some(minutes), "{zone}");
        }
        assert_eq!(standard_utc_offset_minutes("Europe/Atlantis"), None);
    }

    #[test]
    fn urls_on_hosts() {
        assert!(https_url_on("https://github.com/ada", &["github.com"]).is_ok());
        assert!(https_url_on("https://GitHub.com:443/ada", &["github.com"]).is_ok());
        assert!(
            https_url_on("https://github.com:8443/ada", &["github.com"]).is_err(),
            "port"
        );
        assert!(
            https_url_on("https://github.com/", &["github.com"]).is_err(),
            "no page"
        );
        assert!(
            https_url_on("https://github.com/a\u{0}b", &["github.com"]).is_err(),
            "NUL"
        );
        assert!(https_url_on("https://github.com:\\evil.example/", &["github.com"]).is_err());
        assert!(https_url_on("http://github.com/ada", &["github.com"]).is_err());
        assert!(https_url_on("https://github.com.evil.example/", &["github.com"]).is_err());
        assert!(https_url_on("https://evil.example@github.com/", &["github.com"]).is_err());
        assert!(https_url_on("https://img.example/a.png", &[]).is_ok());
        assert!(https_url_on("https://", &[]).is_err());
        assert!(web_url("http://acme.example").is_ok());
        assert!(web_url("https://acme.example/about").is_ok());
        assert!(web_url("ftp://acme.example").is_err());
        assert!(web_url("javascript:alert(1)").is_err());
        assert!(web_url("http://user@acme.example").is_err());
    }
}
