//! Sign-in sessions, stored only as hashes of their tokens so a leaked database opens no session.

use berth_model::{UnixTime, User, UserId};

use crate::users::{UserRow, user_columns};
use crate::{Store, StoreError};

/// A live session and whose it is.
#[derive(Debug, Clone)]
pub struct SessionLookup {
    pub user: User,
    pub expires_at: UnixTime,
}

impl Store {
    pub async fn create_session(
        &self,
        user_id: UserId,
        token_hash: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id.0)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The unexpired session with this token hash, with its user.
    pub async fn session(
        &self,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<Option<SessionLookup>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            expires_at: i64,
        }
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!("u"),
            ", s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SessionLookup {
                user: row.user.try_into()?,
                expires_at: row.expires_at,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of a user, except the one with `keep_token_hash` if given.
    pub async fn delete_user_sessions(
        &self,
        user_id: UserId,
        keep_token_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id.0)
            .bind(keep_token_hash.unwrap_or(""))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: UnixTime) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}
