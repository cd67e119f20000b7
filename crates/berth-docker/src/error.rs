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
    #[error("HTTP exchange with the engine failed: {}", with_causes(.0))]
    Http(#[from] hyper::Error),
    #[error("the request can't be forwarded: {0}")]
    InvalidRequest(String),
    /// The engine answered, and said no.
    #[error("{message}")]
    Rejected { status: u16, message: String },
    #[error("engine error: {0}")]
    Engine(bollard::errors::Error),
}

/// An error and its causes on one line: hyper's own message ("connection error") says little on its own.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

impl From<bollard::errors::Error> for DockerError {
    fn from(error: bollard::errors::Error) -> Self {
        match error {
            bollard::errors::Error::DockerResponseServerError {
                status_code,
                message,
            } => DockerError::Rejected {
                status: status_code,
                message,
            },
            other => DockerError::Engine(other),
        }
    }
}
