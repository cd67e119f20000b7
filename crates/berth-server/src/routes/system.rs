//! Public system routes: status, and the one-time creation of the first administrator.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::AppJson;
use crate::routes::users::UserResponse;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(setup))
        .routes(routes!(diagnostics))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DiagnosticsResponse {
    /// Open change-feed subscriptions.
    pub feed_subscribers: usize,
    /// Upstream stats streams held open (one per watched container, however many viewers).
    pub stats_upstreams: usize,
}

/// The server's internal counters. Administrators only.
#[utoipa::path(get, path = "/api/system/diagnostics", tag = "system",
    responses((status = 200, body = DiagnosticsResponse), (status = 403, body = ErrorBody)))]
async fn diagnostics(
    State(state): State<AppState>,
    crate::extract::Authenticated(principal): crate::extract::Authenticated,
) -> Result<AppJson<DiagnosticsResponse>, ApiError> {
    let (feed_subscribers, stats_upstreams) = state.core.containers.counters(&principal).await?;
    Ok(AppJson(DiagnosticsResponse {
        feed_subscribers,
        stats_upstreams,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SystemStatusResponse {
    pub version: &'static str,
    /// True until the first administrator exists.
    pub setup_required: bool,
}

/// Server version and whether first-run setup is still needed. Public.
#[utoipa::path(get, path = "/api/system/status", tag = "system", security(()),
    responses((status = 200, body = SystemStatusResponse)))]
async fn status(State(state): State<AppState>) -> Result<AppJson<SystemStatusResponse>, ApiError> {
    Ok(AppJson(SystemStatusResponse {
        version: env!("CARGO_PKG_VERSION"),
        setup_required: state.core.accounts.setup_required().await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    pub username: String,
    pub password: String,
    /// The token from the setup URL in the server's log.
    pub setup_token: String,
}

/// Creates the first administrator. Public, but needs the setup token from the server's log; refused once set up.
#[utoipa::path(post, path = "/api/system/setup", tag = "system", security(()), request_body = SetupRequest,
    responses((status = 201, body = UserResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn setup(
    State(state): State<AppState>,
    AppJson(request): AppJson<SetupRequest>,
) -> Result<(StatusCode, AppJson<UserResponse>), ApiError> {
    let user = state
        .core
        .accounts
        .setup(&request.username, request.password, &request.setup_token)
        .await?;
    tracing::info!(user = %user.username, "first administrator created");
    Ok((
        StatusCode::CREATED,
        AppJson(UserResponse::new(user, Vec::new())),
    ))
}
