//! Errors talking to an engine, kept structured so callers can tell "unreachable" from "the engine said no".

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("can't connect to {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no answer from {address} within {timeout:?}")]
    Timeout { address: String, timeout: Duration },
    #[error("TLS settings are not usable: {0}")]
    TlsConfig(String),
    #[error("TLS handshake with {address} failed: {source}")]
    TlsHandshake {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP exchange with the engine failed: {0}")]
    Http(#[from] hyper::Error),
    #[error("the request can't be forwarded: {0}")]
    InvalidRequest(String),
    #[error("engine error: {0}")]
    Engine(#[from] bollard::errors::Error),
}

impl DockerError {
    /// True when the engine could not be reached at all, as opposed to answering with an error.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            DockerError::Connect { .. }
                | DockerError::Timeout { .. }
                | DockerError::TlsHandshake { .. }
                | DockerError::Http(_)
        )
    }
}
