//! What can go wrong in the store, with enough structure for the services to decide what to tell the user.

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// A uniqueness rule was broken: a name is taken.
    #[error("{entity} already exists")]
    Conflict { entity: &'static str },
    /// The change would leave Berth without an enabled administrator.
    #[error("the last enabled administrator can't be removed, disabled or demoted")]
    LastAdmin,
    /// The first administrator already exists.
    #[error("an administrator already exists")]
    AlreadySetUp,
    #[error("unsupported database URL {url:?}: use sqlite://PATH")]
    UnsupportedUrl { url: String },
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Turns a unique-constraint violation into `Conflict` for `entity`, leaving other errors as they are.
    pub(crate) fn conflict_on_unique(
        entity: &'static str,
    ) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |error| match error.as_database_error() {
            Some(db) if db.is_unique_violation() => StoreError::Conflict { entity },
            _ => StoreError::Database(error),
        }
    }
}
