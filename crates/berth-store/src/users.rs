//! The users table, and the rule that Berth always keeps one enabled administrator.

use berth_model::{NewUser, Role, UnixTime, User, UserId, UserUpdate};
use sqlx::{Any, Transaction};

use crate::{Store, StoreError};

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    role: String,
    disabled: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<User, StoreError> {
        let role = Role::parse(&row.role).ok_or_else(|| {
            StoreError::Corrupt(format!("user {} has role {:?}", row.id, row.role))
        })?;
        Ok(User {
            id: UserId(row.id),
            username: row.username,
            role,
            disabled: row.disabled != 0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The user columns, as a macro so queries stay `&'static str` (sqlx refuses SQL built at run time).
macro_rules! user_columns {
    () => {
        "id, username, role, disabled, created_at, updated_at"
    };
    ($alias:literal) => {
        concat!(
            $alias,
            ".id, ",
            $alias,
            ".username, ",
            $alias,
            ".role, ",
            $alias,
            ".disabled, ",
            $alias,
            ".created_at, ",
            $alias,
            ".updated_at"
        )
    };
}
pub(crate) use user_columns;

impl Store {
    pub async fn create_user(&self, new: &NewUser, now: UnixTime) -> Result<User, StoreError> {
        let mut tx = self.pool.begin().await?;
        let user = insert_user(&mut tx, new, now).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Creates the first administrator, refusing once any administrator exists (checked in the same transaction).
    pub async fn create_first_admin(
        &self,
        new: &NewUser,
        now: UnixTime,
    ) -> Result<User, StoreError> {
        let mut tx = self.pool.begin().await?;
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .fetch_one(&mut *tx)
            .await?;
        if admins > 0 {
            return Err(StoreError::AlreadySetUp);
        }
        let user = insert_user(&mut tx, new, now).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn admin_exists(&self) -> Result<bool, StoreError> {
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .fetch_one(&self.pool)
            .await?;
        Ok(admins > 0)
    }

    pub async fn user(&self, id: UserId) -> Result<User, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or(StoreError::NotFound { entity: "user" })?
            .try_into()
    }

    /// The user and their password hash, for signing in.
    pub async fn user_credentials(
        &self,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.user.try_into()?, row.password_hash)))
            .transpose()
    }

    pub async fn password_hash(&self, id: UserId) -> Result<String, StoreError> {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound { entity: "user" })
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(User::try_from).collect()
    }

    /// Applies `update`; refuses to disable or demote the last enabled administrator.
    /// Disabling a user or changing their password also ends their sessions, in the same transaction.
    pub async fn update_user(
        &self,
        id: UserId,
        update: &UserUpdate,
        now: UnixTime,
    ) -> Result<User, StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = user_in(&mut tx, id).await?;
        let loses_admin = current.role == Role::Admin
            && !current.disabled
            && (update.role == Some(Role::Standard) || update.disabled == Some(true));
        if loses_admin {
            ensure_other_admin(&mut tx, id).await?;
        }
        if let Some(role) = update.role {
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                .bind(role.as_str())
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(disabled) = update.disabled {
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(i64::from(disabled))
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(hash) = &update.password_hash {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        if update.disabled == Some(true) {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let user = user_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Deletes a user with their sessions, keys and grants; refuses to delete the last enabled administrator.
    pub async fn delete_user(&self, id: UserId) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let current = user_in(&mut tx, id).await?;
        if current.role == Role::Admin && !current.disabled {
            ensure_other_admin(&mut tx, id).await?;
        }
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_user(
    tx: &mut Transaction<'_, Any>,
    new: &NewUser,
    now: UnixTime,
) -> Result<User, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, $4, $4) RETURNING id",
    )
    .bind(&new.username)
    .bind(&new.password_hash)
    .bind(new.role.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::conflict_on_unique("user"))?;
    user_in(tx, UserId(id)).await
}

async fn user_in(tx: &mut Transaction<'_, Any>, id: UserId) -> Result<User, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?;
    row.ok_or(StoreError::NotFound { entity: "user" })?
        .try_into()
}

async fn ensure_other_admin(tx: &mut Transaction<'_, Any>, id: UserId) -> Result<(), StoreError> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1",
    )
    .bind(id.0)
    .fetch_one(&mut **tx)
    .await?;
    if others == 0 {
        return Err(StoreError::LastAdmin);
    }
    Ok(())
}
