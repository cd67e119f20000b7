//! Users, their roles and their API keys.

use crate::{ApiKeyId, UnixTime, UserId};

/// What a user may do across Berth; finer grants (per environment) sit beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, environments and every resource.
    Admin,
    /// Works only in the environments an admin granted.
    Standard,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Standard => "standard",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "admin" => Some(Role::Admin),
            "standard" => Some(Role::Standard),
            _ => None,
        }
    }
}

/// A user account as the rest of Berth sees it; the password hash never leaves the store and account service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

/// A user to create, with the password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

/// An API key's public description; the key itself is shown once and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub name: String,
    /// The first characters of the key, so a user can tell keys apart.
    pub prefix: String,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}
