//! Accounts: first-run setup, sign-in and sessions, API keys, and user management.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use berth_model::{
    ApiKey, ApiKeyId, EnvironmentId, NewUser, Role, User, UserId, UserUpdate, validate_username,
};
use berth_store::Store;

use crate::access::{Action, CredentialKind, Principal};
use crate::secrets::{
    constant_time_eq, dummy_password_hash, hash_password, random_token, token_hash, verify_password,
};
use crate::throttle::{LoginLimits, LoginThrottle};
use crate::{Access, CoreError, clock};

const SESSION_TOKEN_PREFIX: &str = "berth_s_";
const API_KEY_PREFIX: &str = "berth_k_";
const MAX_PASSWORD_LENGTH: usize = 1024;

/// The account rules an operator can tune.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    pub password_min_length: usize,
    pub session_lifetime: Duration,
    pub login_limits: LoginLimits,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            password_min_length: 12,
            session_lifetime: Duration::from_secs(12 * 3600),
            login_limits: LoginLimits::default(),
        }
    }
}

/// A new session: the token is returned once and only its hash is kept.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub user: User,
    pub expires_at: i64,
    pub lifetime_secs: i64,
}

/// A user with the environments granted to them.
#[derive(Debug, Clone)]
pub struct UserDetails {
    pub user: User,
    pub environment_ids: Vec<EnvironmentId>,
}

/// Changes an administrator can make to a user.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
    pub environment_ids: Option<Vec<EnvironmentId>>,
}

pub struct Accounts {
    store: Store,
    access: Access,
    settings: AccountSettings,
    throttle: LoginThrottle,
    /// Present until the first administrator exists.
    setup_token: Mutex<Option<String>>,
    /// Verified against when a username is unknown, so timing does not reveal which usernames exist.
    /// Made on first need, to keep start-up fast and light.
    dummy_hash: tokio::sync::OnceCell<String>,
}

impl Accounts {
    pub(crate) fn new(store: Store, access: Access, settings: AccountSettings) -> Self {
        Accounts {
            throttle: LoginThrottle::new(settings.login_limits),
            store,
            access,
            settings,
            setup_token: Mutex::new(None),
            dummy_hash: tokio::sync::OnceCell::new(),
        }
    }

    /// On start: creates `admin` from the operator's password file if given and nobody is set up yet;
    /// otherwise, with no administrator, makes a one-time setup token for the caller to log.
    pub(crate) async fn prepare_first_run(
        &self,
        admin_password: Option<String>,
    ) -> Result<Option<String>, CoreError> {
        if self.store.admin_exists().await? {
            return Ok(None);
        }
        if let Some(password) = admin_password {
            self.create_first_admin("admin", password).await?;
            return Ok(None);
        }
        let token = random_token("");
        *self.setup_token.lock().expect("setup lock poisoned") = Some(token.clone());
        Ok(Some(token))
    }

    pub async fn setup_required(&self) -> Result<bool, CoreError> {
        Ok(!self.store.admin_exists().await?)
    }

    /// Creates the first administrator, given the setup token from the server's log.
    pub async fn setup(
        &self,
        username: &str,
        password: String,
        setup_token: &str,
    ) -> Result<User, CoreError> {
        let expected = self
            .setup_token
            .lock()
            .expect("setup lock poisoned")
            .clone();
        match expected {
            Some(expected) if constant_time_eq(&expected, setup_token) => {}
            Some(_) => return Err(CoreError::Forbidden("the setup token is not valid".into())),
            None => return Err(CoreError::Forbidden("Berth is already set up".into())),
        }
        let user = self.create_first_admin(username, password).await?;
        *self.setup_token.lock().expect("setup lock poisoned") = None;
        Ok(user)
    }

    async fn create_first_admin(
        &self,
        username: &str,
        password: String,
    ) -> Result<User, CoreError> {
        validate_username(username)?;
        self.check_password_rules(&password)?;
        let new = NewUser {
            username: username.to_string(),
            password_hash: hash_password(password).await?,
            role: Role::Admin,
        };
        Ok(self.store.create_first_admin(&new, clock::now()).await?)
    }

    /// Signs in; rate-limited per client address and per username.
    pub async fn login(
        &self,
        client: IpAddr,
        username: &str,
        password: String,
    ) -> Result<NewSession, CoreError> {
        self.throttle.admit(client, username)?;
        let credentials = self.store.user_credentials(username).await?;
        let (user, hash) = match credentials {
            Some((user, hash)) => (Some(user), hash),
            None => {
                let dummy = self.dummy_hash.get_or_try_init(dummy_password_hash).await?;
                (None, dummy.clone())
            }
        };
        let password_matches = verify_password(password, hash).await?;
        let user = match user {
            Some(user) if password_matches && !user.disabled => user,
            _ => {
                self.throttle.record_failure(username);
                return Err(CoreError::Unauthenticated);
            }
        };
        self.throttle.record_success(username);
        let token = random_token(SESSION_TOKEN_PREFIX);
        let now = clock::now();
        let lifetime_secs = self.settings.session_lifetime.as_secs() as i64;
        let expires_at = now + lifetime_secs;
        self.store
            .create_session(user.id, &token_hash(&token), now, expires_at)
            .await?;
        tracing::info!(user = %user.username, "signed in");
        Ok(NewSession {
            token,
            user,
            expires_at,
            lifetime_secs,
        })
    }

    /// Ends the caller's session at once. API keys have no session; they are revoked by deleting them.
    pub async fn logout(&self, principal: &Principal) -> Result<(), CoreError> {
        if let CredentialKind::Session { token_hash } = &principal.credential {
            self.store.delete_session(token_hash).await?;
        }
        Ok(())
    }

    /// Who a session token belongs to.
    pub async fn authenticate_session(&self, token: &str) -> Result<Principal, CoreError> {
        if !token.starts_with(SESSION_TOKEN_PREFIX) {
            return Err(CoreError::Unauthenticated);
        }
        let hash = token_hash(token);
        let session = self
            .store
            .session(&hash, clock::now())
            .await?
            .filter(|session| !session.user.disabled)
            .ok_or(CoreError::Unauthenticated)?;
        Ok(Principal {
            user: session.user,
            credential: CredentialKind::Session { token_hash: hash },
        })
    }

    /// Who an API key belongs to.
    pub async fn authenticate_api_key(&self, key: &str) -> Result<Principal, CoreError> {
        if !key.starts_with(API_KEY_PREFIX) {
            return Err(CoreError::Unauthenticated);
        }
        let user = self
            .store
            .api_key_user(&token_hash(key), clock::now())
            .await?
            .filter(|user| !user.disabled)
            .ok_or(CoreError::Unauthenticated)?;
        Ok(Principal {
            user,
            credential: CredentialKind::ApiKey,
        })
    }

    pub async fn me(&self, principal: &Principal) -> Result<UserDetails, CoreError> {
        self.user_details(principal.user.clone()).await
    }

    /// Changes the caller's own password; the current one is required. Other sessions end.
    pub async fn change_own_password(
        &self,
        principal: &Principal,
        current_password: String,
        new_password: String,
    ) -> Result<(), CoreError> {
        self.check_password_rules(&new_password)?;
        let stored = self.store.password_hash(principal.user.id).await?;
        if !verify_password(current_password, stored).await? {
            return Err(CoreError::invalid(
                "current_password",
                "the current password is not correct",
            ));
        }
        let update = UserUpdate {
            password_hash: Some(hash_password(new_password).await?),
            ..UserUpdate::default()
        };
        self.store
            .update_user(principal.user.id, &update, clock::now())
            .await?;
        let keep = match &principal.credential {
            CredentialKind::Session { token_hash } => Some(token_hash.as_str()),
            CredentialKind::ApiKey => None,
        };
        self.store
            .delete_user_sessions(principal.user.id, keep)
            .await?;
        Ok(())
    }

    pub async fn list_users(&self, principal: &Principal) -> Result<Vec<UserDetails>, CoreError> {
        self.access
            .authorize(principal, Action::ManageUsers)
            .await?;
        let mut users = Vec::new();
        for user in self.store.list_users().await? {
            users.push(self.user_details(user).await?);
        }
        Ok(users)
    }

    pub async fn user(&self, principal: &Principal, id: UserId) -> Result<UserDetails, CoreError> {
        if principal.user.id != id {
            self.access
                .authorize(principal, Action::ManageUsers)
                .await?;
        }
        let user = self.store.user(id).await?;
        self.user_details(user).await
    }

    pub async fn create_user(
        &self,
        principal: &Principal,
        username: &str,
        password: String,
        role: Role,
        environment_ids: &[EnvironmentId],
    ) -> Result<UserDetails, CoreError> {
        self.access
            .authorize(principal, Action::ManageUsers)
            .await?;
        validate_username(username)?;
        self.check_password_rules(&password)?;
        let new = NewUser {
            username: username.to_string(),
            password_hash: hash_password(password).await?,
            role,
        };
        let now = clock::now();
        let user = self.store.create_user(&new, now).await?;
        if !environment_ids.is_empty()
            && let Err(error) = self.store.set_grants(user.id, environment_ids, now).await
        {
            // Creating the user and granting are one request: undo the first half if the second fails.
            self.store.delete_user(user.id).await?;
            return Err(error.into());
        }
        tracing::info!(by = %principal.user.username, user = %user.username, "user created");
        self.user_details(user).await
    }

    pub async fn update_user(
        &self,
        principal: &Principal,
        id: UserId,
        changes: UserChanges,
    ) -> Result<UserDetails, CoreError> {
        self.access
            .authorize(principal, Action::ManageUsers)
            .await?;
        if let Some(password) = &changes.password {
            self.check_password_rules(password)?;
        }
        let password_hash = match changes.password {
            Some(password) => Some(hash_password(password).await?),
            None => None,
        };
        let password_changed = password_hash.is_some();
        let now = clock::now();
        // Grants first: they can fail on an unknown environment, and then nothing else has changed.
        self.store.user(id).await?;
        if let Some(environment_ids) = &changes.environment_ids {
            self.store.set_grants(id, environment_ids, now).await?;
        }
        let update = UserUpdate {
            role: changes.role,
            disabled: changes.disabled,
            password_hash,
        };
        let user = self.store.update_user(id, &update, now).await?;
        if password_changed {
            self.store.delete_user_sessions(id, None).await?;
        }
        tracing::info!(by = %principal.user.username, user = %user.username, "user updated");
        self.user_details(user).await
    }

    pub async fn delete_user(&self, principal: &Principal, id: UserId) -> Result<(), CoreError> {
        self.access
            .authorize(principal, Action::ManageUsers)
            .await?;
        self.store.delete_user(id).await?;
        tracing::info!(by = %principal.user.username, user = %id, "user deleted");
        Ok(())
    }

    /// Creates an API key for the caller; the key is returned this once.
    pub async fn create_api_key(
        &self,
        principal: &Principal,
        name: &str,
    ) -> Result<(ApiKey, String), CoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid("name", "must be 1 to 100 characters"));
        }
        let key = random_token(API_KEY_PREFIX);
        let prefix: String = key.chars().take(API_KEY_PREFIX.len() + 6).collect();
        let api_key = self
            .store
            .create_api_key(
                principal.user.id,
                name,
                &prefix,
                &token_hash(&key),
                clock::now(),
            )
            .await?;
        Ok((api_key, key))
    }

    pub async fn list_api_keys(&self, principal: &Principal) -> Result<Vec<ApiKey>, CoreError> {
        Ok(self.store.list_api_keys(principal.user.id).await?)
    }

    pub async fn delete_api_key(
        &self,
        principal: &Principal,
        id: ApiKeyId,
    ) -> Result<(), CoreError> {
        Ok(self.store.delete_api_key(principal.user.id, id).await?)
    }

    /// Drops expired sessions; run periodically.
    pub async fn purge_expired_sessions(&self) -> Result<u64, CoreError> {
        Ok(self.store.delete_expired_sessions(clock::now()).await?)
    }

    fn check_password_rules(&self, password: &str) -> Result<(), CoreError> {
        let length = password.chars().count();
        if length < self.settings.password_min_length {
            return Err(CoreError::invalid(
                "password",
                format!(
                    "must be at least {} characters",
                    self.settings.password_min_length
                ),
            ));
        }
        if password.len() > MAX_PASSWORD_LENGTH {
            return Err(CoreError::invalid(
                "password",
                format!("must be at most {MAX_PASSWORD_LENGTH} bytes"),
            ));
        }
        Ok(())
    }

    /// A user with their grants.
    pub async fn user_details(&self, user: User) -> Result<UserDetails, CoreError> {
        let environment_ids = self.store.grants_of_user(user.id).await?;
        Ok(UserDetails {
            user,
            environment_ids,
        })
    }
}
