//! API keys for scripts and the docker CLI, stored as hashes.

use berth_model::{ApiKey, ApiKeyId, UnixTime, User, UserId};

use crate::users::{UserRow, user_columns};
use crate::{Store, StoreError};

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: i64,
    user_id: i64,
    name: String,
    prefix: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> ApiKey {
        ApiKey {
            id: ApiKeyId(row.id),
            user_id: UserId(row.user_id),
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

macro_rules! api_key_columns {
    () => {
        "id, user_id, name, prefix, created_at, last_used_at"
    };
}

impl Store {
    pub async fn create_api_key(
        &self,
        user_id: UserId,
        name: &str,
        prefix: &str,
        key_hash: &str,
        now: UnixTime,
    ) -> Result<ApiKey, StoreError> {
        let row: ApiKeyRow = sqlx::query_as(concat!(
            "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING ",
            api_key_columns!()
        ))
        .bind(user_id.0)
        .bind(name)
        .bind(prefix)
        .bind(key_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::conflict_on_unique("api key"))?;
        Ok(row.into())
    }

    pub async fn list_api_keys(&self, user_id: UserId) -> Result<Vec<ApiKey>, StoreError> {
        let rows: Vec<ApiKeyRow> = sqlx::query_as(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE user_id = $1 ORDER BY created_at, id"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ApiKey::from).collect())
    }

    /// Deletes one of the user's keys; another user's key counts as not found.
    pub async fn delete_api_key(&self, user_id: UserId, id: ApiKeyId) -> Result<(), StoreError> {
        let result = sqlx::query("DELETE FROM api_keys WHERE id = $1 AND user_id = $2")
            .bind(id.0)
            .bind(user_id.0)
            .execute(&self.pool)
            .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound { entity: "api key" });
        }
        Ok(())
    }

    /// The user owning the key with this hash, recording the use.
    pub async fn api_key_user(
        &self,
        key_hash: &str,
        now: UnixTime,
    ) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!("u"),
            " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1"
        ))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        // Recording the last use at most once a minute keeps busy scripts from turning every read into a write.
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $1 WHERE key_hash = $2 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(key_hash)
        .bind(now - 60)
        .execute(&self.pool)
        .await?;
        Ok(Some(row.try_into()?))
    }
}
