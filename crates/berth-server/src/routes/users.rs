//! Users: the caller's own account and password, and user management for administrators.

use axum::extract::State;
use axum::http::StatusCode;
use berth_core::{UserChanges, UserDetails};
use berth_model::{EnvironmentId, Role, User, UserId};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppJson, AppPath, Authenticated};
use crate::routes::ListResponse;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(change_own_password))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
}

/// A user as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub username: String,
    /// `admin` or `standard`.
    pub role: String,
    pub disabled: bool,
    /// Environments a standard user may work in (administrators may use all).
    pub environment_ids: Vec<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserResponse {
    pub fn new(user: User, environment_ids: Vec<EnvironmentId>) -> Self {
        UserResponse {
            id: user.id.0,
            username: user.username,
            role: user.role.as_str().to_string(),
            disabled: user.disabled,
            environment_ids: environment_ids.into_iter().map(|id| id.0).collect(),
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

impl From<UserDetails> for UserResponse {
    fn from(details: UserDetails) -> Self {
        UserResponse::new(details.user, details.environment_ids)
    }
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleRequest {
    Admin,
    Standard,
}

impl From<RoleRequest> for Role {
    fn from(role: RoleRequest) -> Role {
        match role {
            RoleRequest::Admin => Role::Admin,
            RoleRequest::Standard => Role::Standard,
        }
    }
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/users/me", tag = "users",
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody)))]
async fn me(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<AppJson<UserResponse>, ApiError> {
    Ok(AppJson(state.core.accounts.me(&principal).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password; the current one is required. The caller's other sessions end.
#[utoipa::path(put, path = "/api/users/me/password", tag = "users", request_body = ChangePasswordRequest,
    responses((status = 204), (status = 422, body = ErrorBody)))]
async fn change_own_password(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppJson(request): AppJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .accounts
        .change_own_password(&principal, request.current_password, request.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every user. Administrators only.
#[utoipa::path(get, path = "/api/users", tag = "users",
    responses((status = 200, body = ListResponse<UserResponse>), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<AppJson<ListResponse<UserResponse>>, ApiError> {
    let users = state.core.accounts.list_users(&principal).await?;
    Ok(AppJson(ListResponse::new(
        users.into_iter().map(UserResponse::from).collect(),
    )))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub username: String,
    pub password: String,
    /// Defaults to `standard`.
    #[serde(default)]
    pub role: Option<RoleRequest>,
    /// Environments to grant.
    #[serde(default)]
    pub environment_ids: Vec<i64>,
}

/// Creates a user. Administrators only.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = UserResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppJson(request): AppJson<CreateUserRequest>,
) -> Result<(StatusCode, AppJson<UserResponse>), ApiError> {
    let environment_ids: Vec<EnvironmentId> = request
        .environment_ids
        .into_iter()
        .map(EnvironmentId)
        .collect();
    let role = request.role.map(Role::from).unwrap_or(Role::Standard);
    let user = state
        .core
        .accounts
        .create_user(
            &principal,
            &request.username,
            request.password,
            role,
            &environment_ids,
        )
        .await?;
    Ok((StatusCode::CREATED, AppJson(user.into())))
}

/// One user. Administrators, or the user themself.
#[utoipa::path(get, path = "/api/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<UserResponse>, ApiError> {
    Ok(AppJson(
        state
            .core
            .accounts
            .user(&principal, UserId(id))
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub role: Option<RoleRequest>,
    pub disabled: Option<bool>,
    /// Sets a new password without the old one; the user's sessions end.
    pub password: Option<String>,
    /// Replaces the user's grants.
    pub environment_ids: Option<Vec<i64>>,
}

/// Changes a user's role, status, password or grants. Administrators only.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "users", params(("id" = i64, Path)),
    request_body = UpdateUserRequest,
    responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppJson(request): AppJson<UpdateUserRequest>,
) -> Result<AppJson<UserResponse>, ApiError> {
    let changes = UserChanges {
        role: request.role.map(Role::from),
        disabled: request.disabled,
        password: request.password,
        environment_ids: request
            .environment_ids
            .map(|ids| ids.into_iter().map(EnvironmentId).collect()),
    };
    let user = state
        .core
        .accounts
        .update_user(&principal, UserId(id), changes)
        .await?;
    Ok(AppJson(user.into()))
}

/// Deletes a user with their sessions, API keys and grants. Administrators only.
#[utoipa::path(delete, path = "/api/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_user(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .accounts
        .delete_user(&principal, UserId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
