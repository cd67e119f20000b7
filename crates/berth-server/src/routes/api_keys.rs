//! The caller's API keys: created (and shown) once, listed by prefix, revoked at once.

use axum::extract::State;
use axum::http::StatusCode;
use berth_model::{ApiKey, ApiKeyId};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppJson, AppPath, Authenticated};
use crate::routes::ListResponse;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(delete_api_key))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyResponse {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl From<ApiKey> for ApiKeyResponse {
    fn from(key: ApiKey) -> Self {
        ApiKeyResponse {
            id: key.id.0,
            name: key.name,
            prefix: key.prefix,
            created_at: key.created_at,
            last_used_at: key.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKeyResponse {
    #[serde(flatten)]
    pub api_key: ApiKeyResponse,
    /// The key itself, shown only in this response. Send it as `X-API-Key`.
    pub key: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub name: String,
}

/// The caller's API keys.
#[utoipa::path(get, path = "/api/users/me/api-keys", tag = "api-keys",
    responses((status = 200, body = ListResponse<ApiKeyResponse>)))]
async fn list_api_keys(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<AppJson<ListResponse<ApiKeyResponse>>, ApiError> {
    let keys = state.core.accounts.list_api_keys(&principal).await?;
    Ok(AppJson(ListResponse::new(
        keys.into_iter().map(ApiKeyResponse::from).collect(),
    )))
}

/// Creates an API key for the caller and returns it this once.
#[utoipa::path(post, path = "/api/users/me/api-keys", tag = "api-keys", request_body = CreateApiKeyRequest,
    responses((status = 201, body = CreatedApiKeyResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_api_key(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppJson(request): AppJson<CreateApiKeyRequest>,
) -> Result<(StatusCode, AppJson<CreatedApiKeyResponse>), ApiError> {
    let (api_key, key) = state
        .core
        .accounts
        .create_api_key(&principal, &request.name)
        .await?;
    Ok((
        StatusCode::CREATED,
        AppJson(CreatedApiKeyResponse {
            api_key: api_key.into(),
            key,
        }),
    ))
}

/// Revokes one of the caller's API keys at once.
#[utoipa::path(delete, path = "/api/users/me/api-keys/{id}", tag = "api-keys", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_api_key(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .accounts
        .delete_api_key(&principal, ApiKeyId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
