//! The environments table. TLS client keys arrive here already sealed; the store never sees them in clear.

use berth_model::{EnvironmentId, UnixTime};

use crate::{Store, StoreError};

/// TLS settings as stored: PEM text, with the client key sealed by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTls {
    pub ca_pem: Option<String>,
    pub cert_pem: Option<String>,
    pub key_sealed: Option<String>,
    pub skip_verify: bool,
}

/// An environment row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentRecord {
    pub id: EnvironmentId,
    pub name: String,
    pub url: String,
    pub tls: Option<StoredTls>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

/// The writable fields of an environment row.
#[derive(Debug, Clone)]
pub struct NewEnvironmentRecord {
    pub name: String,
    pub url: String,
    pub tls: Option<StoredTls>,
}

#[derive(sqlx::FromRow)]
struct EnvironmentRow {
    id: i64,
    name: String,
    url: String,
    tls_enabled: i64,
    tls_ca_pem: Option<String>,
    tls_cert_pem: Option<String>,
    tls_key_sealed: Option<String>,
    tls_skip_verify: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<EnvironmentRow> for EnvironmentRecord {
    fn from(row: EnvironmentRow) -> EnvironmentRecord {
        let tls = (row.tls_enabled != 0).then_some(StoredTls {
            ca_pem: row.tls_ca_pem,
            cert_pem: row.tls_cert_pem,
            key_sealed: row.tls_key_sealed,
            skip_verify: row.tls_skip_verify != 0,
        });
        EnvironmentRecord {
            id: EnvironmentId(row.id),
            name: row.name,
            url: row.url,
            tls,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

macro_rules! environment_columns {
    () => {
        "id, name, url, tls_enabled, tls_ca_pem, tls_cert_pem, tls_key_sealed, tls_skip_verify, \
         created_at, updated_at"
    };
}

impl Store {
    pub async fn create_environment(
        &self,
        new: &NewEnvironmentRecord,
        now: UnixTime,
    ) -> Result<EnvironmentRecord, StoreError> {
        let tls = new.tls.as_ref();
        let row: EnvironmentRow = sqlx::query_as(concat!(
            "INSERT INTO environments (name, url, tls_enabled, tls_ca_pem, tls_cert_pem, tls_key_sealed, \
             tls_skip_verify, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             RETURNING ",
            environment_columns!(),
            ""
        ))
        .bind(&new.name)
        .bind(&new.url)
        .bind(i64::from(tls.is_some()))
        .bind(tls.and_then(|tls| tls.ca_pem.clone()))
        .bind(tls.and_then(|tls| tls.cert_pem.clone()))
        .bind(tls.and_then(|tls| tls.key_sealed.clone()))
        .bind(i64::from(tls.is_some_and(|tls| tls.skip_verify)))
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::conflict_on_unique("environment"))?;
        Ok(row.into())
    }

    pub async fn environment(&self, id: EnvironmentId) -> Result<EnvironmentRecord, StoreError> {
        let row: Option<EnvironmentRow> = sqlx::query_as(concat!(
            "SELECT ",
            environment_columns!(),
            " FROM environments WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .ok_or(StoreError::NotFound {
                entity: "environment",
            })?
            .into())
    }

    pub async fn list_environments(&self) -> Result<Vec<EnvironmentRecord>, StoreError> {
        let rows: Vec<EnvironmentRow> = sqlx::query_as(concat!(
            "SELECT ",
            environment_columns!(),
            " FROM environments ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(EnvironmentRecord::from).collect())
    }

    /// Replaces the writable fields of an environment.
    pub async fn update_environment(
        &self,
        id: EnvironmentId,
        fields: &NewEnvironmentRecord,
        now: UnixTime,
    ) -> Result<EnvironmentRecord, StoreError> {
        let tls = fields.tls.as_ref();
        let row: Option<EnvironmentRow> = sqlx::query_as(concat!(
            "UPDATE environments SET name = $1, url = $2, tls_enabled = $3, tls_ca_pem = $4, \
             tls_cert_pem = $5, tls_key_sealed = $6, tls_skip_verify = $7, updated_at = $8 \
             WHERE id = $9 RETURNING ",
            environment_columns!(),
            ""
        ))
        .bind(&fields.name)
        .bind(&fields.url)
        .bind(i64::from(tls.is_some()))
        .bind(tls.and_then(|tls| tls.ca_pem.clone()))
        .bind(tls.and_then(|tls| tls.cert_pem.clone()))
        .bind(tls.and_then(|tls| tls.key_sealed.clone()))
        .bind(i64::from(tls.is_some_and(|tls| tls.skip_verify)))
        .bind(now)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::conflict_on_unique("environment"))?;
        Ok(row
            .ok_or(StoreError::NotFound {
                entity: "environment",
            })?
            .into())
    }

    /// Deletes an environment and, through the foreign keys, every grant of it.
    pub async fn delete_environment(&self, id: EnvironmentId) -> Result<(), StoreError> {
        let result = sqlx::query("DELETE FROM environments WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                entity: "environment",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use berth_model::{NewUser, Role, UserUpdate};

    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("berth.db").display()
        );
        (dir, Store::open(&url).await.unwrap())
    }

    fn new_user(name: &str, role: Role) -> NewUser {
        NewUser {
            username: name.into(),
            password_hash: "hash".into(),
            role,
        }
    }

    #[tokio::test]
    async fn environments_round_trip_and_cascade_grants() {
        let (_dir, store) = store().await;
        let user = store
            .create_user(&new_user("jane", Role::Standard), 1)
            .await
            .unwrap();
        let tls = StoredTls {
            ca_pem: Some("ca".into()),
            cert_pem: Some("cert".into()),
            key_sealed: Some("sealed".into()),
            skip_verify: false,
        };
        let created = store
            .create_environment(
                &NewEnvironmentRecord {
                    name: "edge".into(),
                    url: "tcp://10.0.0.1:2376".into(),
                    tls: Some(tls.clone()),
                },
                5,
            )
            .await
            .unwrap();
        assert_eq!(created.tls, Some(tls));
        assert_eq!(store.environment(created.id).await.unwrap(), created);

        let duplicate = store
            .create_environment(
                &NewEnvironmentRecord {
                    name: "edge".into(),
                    url: "tcp://10.0.0.2:2376".into(),
                    tls: None,
                },
                6,
            )
            .await;
        assert!(matches!(duplicate, Err(StoreError::Conflict { .. })));

        store.set_grants(user.id, &[created.id], 7).await.unwrap();
        assert!(store.is_granted(user.id, created.id).await.unwrap());
        let missing = store
            .set_grants(user.id, &[created.id, EnvironmentId(999)], 8)
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound { .. })));
        // The failed replacement changed nothing.
        assert_eq!(
            store.grants_of_user(user.id).await.unwrap(),
            vec![created.id]
        );

        store.delete_environment(created.id).await.unwrap();
        assert!(store.grants_of_user(user.id).await.unwrap().is_empty());
        assert!(matches!(
            store.delete_environment(created.id).await,
            Err(StoreError::NotFound { .. })
        ));
    }

    #[tokio::test]
    async fn keeps_one_enabled_admin() {
        let (_dir, store) = store().await;
        let admin = store
            .create_first_admin(&new_user("admin", Role::Admin), 1)
            .await
            .unwrap();
        assert!(matches!(
            store
                .create_first_admin(&new_user("other", Role::Admin), 2)
                .await,
            Err(StoreError::AlreadySetUp)
        ));
        let demote = UserUpdate {
            role: Some(Role::Standard),
            ..UserUpdate::default()
        };
        assert!(matches!(
            store.update_user(admin.id, &demote, 3).await,
            Err(StoreError::LastAdmin)
        ));
        assert!(matches!(
            store.delete_user(admin.id).await,
            Err(StoreError::LastAdmin)
        ));
        let second = store
            .create_user(&new_user("second", Role::Admin), 4)
            .await
            .unwrap();
        store.update_user(admin.id, &demote, 5).await.unwrap();
        assert!(matches!(
            store.delete_user(second.id).await,
            Err(StoreError::LastAdmin)
        ));
    }

    #[tokio::test]
    async fn sessions_expire_and_die_with_disabled_users() {
        let (_dir, store) = store().await;
        let user = store
            .create_user(&new_user("sam", Role::Standard), 1)
            .await
            .unwrap();
        store.create_session(user.id, "h1", 10, 100).await.unwrap();
        assert!(store.session("h1", 50).await.unwrap().is_some());
        assert!(store.session("h1", 100).await.unwrap().is_none());
        let disable = UserUpdate {
            disabled: Some(true),
            ..UserUpdate::default()
        };
        store.update_user(user.id, &disable, 60).await.unwrap();
        assert!(store.session("h1", 50).await.unwrap().is_none());
    }
}
