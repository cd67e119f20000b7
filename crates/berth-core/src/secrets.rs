//! Everything secret in one module: random tokens, their hashes, password hashing, and the sealed box
//! that encrypts secrets (TLS client keys) at rest with a key kept in the data directory.

use std::path::Path;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::CoreError;

/// A fresh 256-bit random token with a readable prefix, e.g. `berth_k_…`.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn fill_random(bytes: &mut [u8]) {
    SystemRandom::new()
        .fill(bytes)
        .expect("the operating system's random source failed");
}

/// The SHA-256 of a token, hex-encoded: what the store keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (token_hash(a), token_hash(b));
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Hashes a password with argon2id, off the async runtime.
pub async fn hash_password(password: String) -> Result<String, CoreError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| CoreError::Internal(format!("hashing a password failed: {error}")))
    })
    .await
    .map_err(|error| CoreError::Internal(error.to_string()))?
}

/// Checks a password against its stored hash, off the async runtime.
pub async fn verify_password(password: String, hash: String) -> Result<bool, CoreError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|error| CoreError::Internal(format!("stored password hash: {error}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|error| CoreError::Internal(error.to_string()))?
}

/// A fixed argon2 hash of a random password, verified against when a username does not exist, so that
/// a failed sign-in takes as long whether or not the user exists.
pub async fn dummy_password_hash() -> Result<String, CoreError> {
    hash_password(random_token("")).await
}

/// Encrypts and decrypts secrets at rest with AES-256-GCM.
pub struct SecretBox {
    key: LessSafeKey,
}

const SEALED_PREFIX: &str = "v1:";

impl SecretBox {
    /// Loads the key from `path`, creating it (readable by the owner only) on first start.
    pub fn load_or_create(path: &Path) -> std::io::Result<SecretBox> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = vec![0u8; 32];
                fill_random(&mut bytes);
                write_private_file(path, &bytes)?;
                bytes
            }
            Err(error) => return Err(error),
        };
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a 32-byte key", path.display()),
            )
        })?;
        Ok(SecretBox {
            key: LessSafeKey::new(key),
        })
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce);
        let mut buffer = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut buffer,
            )
            .expect("AES-GCM sealing can't fail for inputs this small");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&buffer);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(sealed))
    }

    pub fn open(&self, sealed: &str) -> Result<String, CoreError> {
        let corrupt = || {
            CoreError::Internal(
                "a stored secret can't be decrypted: was secret.key replaced?".into(),
            )
        };
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .filter(|bytes| bytes.len() > NONCE_LEN)
            .ok_or_else(corrupt)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt())?;
        let mut buffer = ciphertext.to_vec();
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::empty(), &mut buffer)
            .map_err(|_| corrupt())?;
        String::from_utf8(plaintext.to_vec()).map_err(|_| corrupt())
    }
}

/// Writes a file only its owner can read, atomically enough for first-start key material.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_round_trip_and_resist_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let secret_box = SecretBox::load_or_create(&path).unwrap();
        let sealed = secret_box.seal("-----BEGIN PRIVATE KEY-----");
        assert!(!sealed.contains("PRIVATE"));
        assert_ne!(sealed, secret_box.seal("-----BEGIN PRIVATE KEY-----"));
        let reloaded = SecretBox::load_or_create(&path).unwrap();
        assert_eq!(
            reloaded.open(&sealed).unwrap(),
            "-----BEGIN PRIVATE KEY-----"
        );
        let mut tampered = sealed.clone();
        tampered.replace_range(10..11, if &sealed[10..11] == "A" { "B" } else { "A" });
        assert!(reloaded.open(&tampered).is_err());
        assert!(reloaded.open("plain").is_err());
    }

    #[tokio::test]
    async fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse battery".into(), hash)
                .await
                .unwrap()
        );
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = random_token("berth_k_");
        assert!(a.starts_with("berth_k_") && a.len() > 40);
        assert_ne!(a, random_token("berth_k_"));
        assert_eq!(token_hash("x"), token_hash("x"));
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
    }
}
