//! Session tokens: 256 random bits, base64url; only their SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::accounts::TokenHash;
use sha2::{Digest, Sha256};

/// A fresh token and its hash. The token goes to the client once and is never stored.
pub(crate) fn generate() -> Result<(String, TokenHash), getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = digest(&token);
    Ok((token, hash))
}

fn digest(token: &str) -> TokenHash {
    let sum = Sha256::digest(token.as_bytes());
    TokenHash(sum.iter().map(|b| format!("{b:02x}")).collect())
}

/// The hash of a presented token; `None` for anything that cannot be one of ours.
pub(crate) fn hash(token: &str) -> Option<TokenHash> {
    let well_formed = token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| digest(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_only_their_hash_matches() {
        let (token, stored) = generate().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_eq!(hash(&token), Some(stored.clone()));
        assert_eq!(stored.0.len(), 64);
        assert!(!stored.0.contains(&token));
        let (other, _) = generate().unwrap();
        assert_ne!(token, other);
        assert_eq!(hash("short"), None);
        assert_eq!(hash(&"!".repeat(43)), None);
    }
}
