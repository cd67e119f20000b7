//! Opening the database: driver selection, connection pragmas and migrations.

use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::StoreError;

/// The database handle every repository method hangs off. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    ///
    /// SQLite runs in WAL mode with `synchronous=NORMAL`: a committed transaction survives the process
    /// being killed at any moment, and the file can't be corrupted by it.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        if !url.starts_with("sqlite:") {
            return Err(StoreError::UnsupportedUrl {
                url: redact_url(url),
            });
        }
        let options: AnyConnectOptions = url.parse()?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|connection, _meta| {
                Box::pin(async move {
                    connection
                        .execute(
                            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                             PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Store { pool })
    }

    /// Waits for open connections to finish and closes the database cleanly.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The URL with any password replaced, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _password)) => {
                    format!("{}://{user}:***{}", &url[..scheme_end], &url[at..])
                }
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://berth:hunter2@db:5432/berth"),
            "postgres://berth:***@db:5432/berth"
        );
        assert_eq!(
            redact_url("sqlite:///data/berth.db"),
            "sqlite:///data/berth.db"
        );
    }
}
