//! The HTTPS listener's certificate: the operator's own, or a self-signed one made on first start and kept
//! in the data directory.

use std::path::{Path, PathBuf};

use axum_server::tls_rustls::RustlsConfig;

use crate::ServeError;

/// Where the HTTPS certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// PEM files given by the operator.
    Files { cert: PathBuf, key: PathBuf },
    /// A self-signed certificate generated into this directory on first start.
    SelfSigned { dir: PathBuf },
}

pub(crate) async fn rustls_config(source: &TlsSource) -> Result<RustlsConfig, ServeError> {
    let (cert, key) = match source {
        TlsSource::Files { cert, key } => (cert.clone(), key.clone()),
        TlsSource::SelfSigned { dir } => ensure_self_signed(dir)?,
    };
    RustlsConfig::from_pem_file(&cert, &key)
        .await
        .map_err(|source| ServeError::Tls {
            detail: format!("{} / {}: {source}", cert.display(), key.display()),
        })
}

fn ensure_self_signed(dir: &Path) -> Result<(PathBuf, PathBuf), ServeError> {
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    if cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path));
    }
    let tls_error = |detail: String| ServeError::Tls { detail };
    std::fs::create_dir_all(dir)
        .map_err(|error| tls_error(format!("{}: {error}", dir.display())))?;
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if let Ok(hostname) = std::fs::read_to_string("/etc/hostname") {
        let hostname = hostname.trim();
        if !hostname.is_empty() {
            names.push(hostname.to_string());
        }
    }
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|error| tls_error(format!("generating a certificate: {error}")))?;
    let _ = std::fs::remove_file(&key_path);
    berth_core::write_private_file(&key_path, certified.signing_key.serialize_pem().as_bytes())
        .map_err(|error| tls_error(format!("{}: {error}", key_path.display())))?;
    std::fs::write(&cert_path, certified.cert.pem())
        .map_err(|error| tls_error(format!("{}: {error}", cert_path.display())))?;
    tracing::info!(cert = %cert_path.display(), "generated a self-signed TLS certificate");
    Ok((cert_path, key_path))
}
