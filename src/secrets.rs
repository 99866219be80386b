//! Random secrets (passwords, API and status tokens, Message-IDs) and the sha256 digests under
//! which secrets are stored. Shared by every module that makes or checks one.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random secret of `bytes` bytes, URL-safe.
pub fn random_secret(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub fn sha256_hex(data: &str) -> String {
    hex::encode(Sha256::digest(data.as_bytes()))
}

/// Compares two secrets in time that depends only on their lengths, not on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
