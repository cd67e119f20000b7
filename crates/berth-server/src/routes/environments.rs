//! Environments: listing what the caller may see with live status, and managing them (administrators).

use axum::extract::State;
use axum::http::StatusCode;
use berth_core::EnvironmentView;
use berth_model::{
    EngineAddress, EnvironmentHealth, EnvironmentId, EnvironmentKind, EnvironmentUpdate,
    NewEnvironment, TlsMaterial,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppJson, AppPath, Authenticated};
use crate::routes::ListResponse;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_environments, create_environment))
        .routes(routes!(
            get_environment,
            update_environment,
            delete_environment
        ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnvironmentResponse {
    pub id: i64,
    pub name: String,
    /// `docker_socket` or `docker_tcp`.
    #[schema(value_type = String)]
    pub kind: EnvironmentKind,
    /// `unix:///var/run/docker.sock` or `tcp://host:port`.
    pub url: String,
    pub tls: Option<TlsResponse>,
    pub status: EnvironmentStatusResponse,
    pub created_at: i64,
    pub updated_at: i64,
}

/// TLS settings as shown: certificates are public, the client key never leaves the server.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TlsResponse {
    pub ca: Option<String>,
    pub cert: Option<String>,
    pub has_client_key: bool,
    pub skip_verify: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnvironmentStatusResponse {
    /// `unknown` (not checked yet), `up` or `down`.
    #[schema(value_type = String)]
    pub health: EnvironmentHealth,
    pub engine_version: Option<String>,
    pub api_version: Option<String>,
    pub last_checked_at: Option<i64>,
    /// When `health` last changed.
    pub since: Option<i64>,
    pub last_error: Option<String>,
    /// When the live mirror last synced with the engine.
    pub synced_at: Option<i64>,
    /// True while the mirror can't follow the engine: lists show what was true at `synced_at`.
    pub stale: bool,
}

impl From<EnvironmentView> for EnvironmentResponse {
    fn from(view: EnvironmentView) -> Self {
        let environment = view.environment;
        let status = view.status;
        EnvironmentResponse {
            id: environment.id.0,
            kind: environment.address.kind(),
            url: environment.address.to_url(),
            name: environment.name,
            tls: environment.tls.map(|tls| TlsResponse {
                ca: tls.ca_pem,
                cert: tls.cert_pem,
                has_client_key: tls.key_pem.is_some(),
                skip_verify: tls.skip_verify,
            }),
            status: EnvironmentStatusResponse {
                health: status.health,
                engine_version: status.engine_version,
                api_version: status.api_version,
                last_checked_at: status.last_checked_at,
                since: status.since,
                last_error: status.last_error,
                synced_at: view.mirror.synced_at,
                stale: view.mirror.stale,
            },
            created_at: environment.created_at,
            updated_at: environment.updated_at,
        }
    }
}

/// TLS settings for a `tcp://` engine, as PEM text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsRequest {
    /// The CA that signed the engine's certificate; required unless `skip_verify`.
    pub ca: Option<String>,
    /// Client certificate and key, for engines started with `--tlsverify`.
    pub cert: Option<String>,
    pub key: Option<String>,
    #[serde(default)]
    pub skip_verify: bool,
}

impl From<TlsRequest> for TlsMaterial {
    fn from(tls: TlsRequest) -> TlsMaterial {
        TlsMaterial {
            ca_pem: tls.ca,
            cert_pem: tls.cert,
            key_pem: tls.key,
            skip_verify: tls.skip_verify,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEnvironmentRequest {
    pub name: String,
    pub url: String,
    pub tls: Option<TlsRequest>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEnvironmentRequest {
    pub name: Option<String>,
    pub url: Option<String>,
    /// New TLS settings; `null` turns TLS off; absent leaves them as they are.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<TlsRequest>)]
    pub tls: Option<Option<TlsRequest>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The environments the caller may see, with their latest status.
#[utoipa::path(get, path = "/api/environments", tag = "environments",
    responses((status = 200, body = ListResponse<EnvironmentResponse>)))]
async fn list_environments(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
) -> Result<AppJson<ListResponse<EnvironmentResponse>>, ApiError> {
    let views = state.core.environments.list(&principal).await?;
    Ok(AppJson(ListResponse::new(
        views.into_iter().map(EnvironmentResponse::from).collect(),
    )))
}

/// Adds an environment and starts checking its health. Administrators only.
#[utoipa::path(post, path = "/api/environments", tag = "environments", request_body = CreateEnvironmentRequest,
    responses((status = 201, body = EnvironmentResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_environment(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppJson(request): AppJson<CreateEnvironmentRequest>,
) -> Result<(StatusCode, AppJson<EnvironmentResponse>), ApiError> {
    let new = NewEnvironment {
        name: request.name,
        address: EngineAddress::parse(&request.url).map_err(berth_core::CoreError::from)?,
        tls: request.tls.map(TlsMaterial::from),
    };
    let view = state.core.environments.create(&principal, new).await?;
    Ok((StatusCode::CREATED, AppJson(view.into())))
}

/// One environment with its status.
#[utoipa::path(get, path = "/api/environments/{id}", tag = "environments", params(("id" = i64, Path)),
    responses((status = 200, body = EnvironmentResponse), (status = 404, body = ErrorBody)))]
async fn get_environment(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<EnvironmentResponse>, ApiError> {
    let view = state
        .core
        .environments
        .get(&principal, EnvironmentId(id))
        .await?;
    Ok(AppJson(view.into()))
}

/// Renames an environment or changes how it is reached. Administrators only.
#[utoipa::path(patch, path = "/api/environments/{id}", tag = "environments", params(("id" = i64, Path)),
    request_body = UpdateEnvironmentRequest,
    responses((status = 200, body = EnvironmentResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_environment(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppJson(request): AppJson<UpdateEnvironmentRequest>,
) -> Result<AppJson<EnvironmentResponse>, ApiError> {
    let address = request
        .url
        .as_deref()
        .map(EngineAddress::parse)
        .transpose()
        .map_err(berth_core::CoreError::from)?;
    let update = EnvironmentUpdate {
        name: request.name,
        address,
        tls: request.tls.map(|tls| tls.map(TlsMaterial::from)),
    };
    let view = state
        .core
        .environments
        .update(&principal, EnvironmentId(id), update)
        .await?;
    Ok(AppJson(view.into()))
}

/// Removes an environment and every grant of it. Administrators only.
#[utoipa::path(delete, path = "/api/environments/{id}", tag = "environments", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_environment(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .environments
        .delete(&principal, EnvironmentId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
