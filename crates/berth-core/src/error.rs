//! The small set of failures services report, and the one place store and engine errors are mapped into it.

use berth_docker::DockerError;
use berth_model::ValidationError;
use berth_store::StoreError;

/// Why a service call failed, in terms the HTTP layer can answer without knowing more.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// No valid credentials.
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(ValidationError),
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A dependency (an engine) can't be reached right now.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or a broken dependency; details are logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        CoreError::Invalid(ValidationError::new(field, message))
    }
}

impl From<ValidationError> for CoreError {
    fn from(error: ValidationError) -> Self {
        CoreError::Invalid(error)
    }
}

impl From<StoreError> for CoreError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity } => CoreError::NotFound(entity),
            StoreError::Conflict { entity } => {
                CoreError::Conflict(format!("{entity} with that name already exists"))
            }
            StoreError::LastAdmin => CoreError::Conflict(error.to_string()),
            StoreError::AlreadySetUp => CoreError::Forbidden("Berth is already set up".to_string()),
            StoreError::UnsupportedUrl { .. }
            | StoreError::Corrupt(_)
            | StoreError::Migrate(_)
            | StoreError::Database(_) => CoreError::Internal(error.to_string()),
        }
    }
}

/// The kind of thing an engine's 404 message names ("No such container: x"), for the error text.
fn entity_named(message: &str) -> &'static str {
    let lowered = message.to_lowercase();
    ["container", "image", "volume", "network", "exec"]
        .into_iter()
        .find(|entity| lowered.contains(entity))
        .unwrap_or("engine object")
}

impl From<DockerError> for CoreError {
    fn from(error: DockerError) -> Self {
        match error {
            DockerError::InvalidRequest(message) => CoreError::invalid("request", message),
            DockerError::TlsConfig(message) => CoreError::invalid("tls", message),
            DockerError::Rejected {
                status: 404,
                message,
            } => CoreError::NotFound(entity_named(&message)),
            DockerError::Rejected {
                status: 409,
                message,
            } => CoreError::Conflict(message),
            DockerError::Rejected {
                status: 400,
                message,
            } => CoreError::invalid("request", message),
            other => CoreError::Unavailable(other.to_string()),
        }
    }
}
