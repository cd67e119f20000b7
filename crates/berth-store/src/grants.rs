//! Which environments a standard user may work in.

use berth_model::{EnvironmentId, UnixTime, UserId};

use crate::{Store, StoreError};

impl Store {
    /// Replaces a user's grants with exactly `environment_ids`, all or nothing.
    pub async fn set_grants(
        &self,
        user_id: UserId,
        environment_ids: &[EnvironmentId],
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM environment_grants WHERE user_id = $1")
            .bind(user_id.0)
            .execute(&mut *tx)
            .await?;
        for environment_id in environment_ids {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM environments WHERE id = $1")
                    .bind(environment_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound {
                    entity: "environment",
                });
            }
            sqlx::query(
                "INSERT INTO environment_grants (user_id, environment_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(user_id.0)
            .bind(environment_id.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn grants_of_user(&self, user_id: UserId) -> Result<Vec<EnvironmentId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT environment_id FROM environment_grants WHERE user_id = $1 ORDER BY environment_id",
        )
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(EnvironmentId).collect())
    }

    pub async fn is_granted(
        &self,
        user_id: UserId,
        environment_id: EnvironmentId,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM environment_grants WHERE user_id = $1 AND environment_id = $2",
        )
        .bind(user_id.0)
        .bind(environment_id.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }
}
