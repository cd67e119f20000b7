//! Signing in and out: a session token in the body for scripts, and the same token as a cookie for browsers.

use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppJson, Authenticated, ClientIp};
use crate::routes::users::UserResponse;
use crate::{AppState, SESSION_COOKIE};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`; also set as an HttpOnly cookie.
    pub token: String,
    /// When the session ends, in Unix seconds.
    pub expires_at: i64,
    pub user: UserResponse,
}

/// Signs in. Public; rate-limited per client address and per username.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    jar: CookieJar,
    AppJson(request): AppJson<LoginRequest>,
) -> Result<(CookieJar, AppJson<LoginResponse>), ApiError> {
    let session = state
        .core
        .accounts
        .login(client, &request.username, request.password)
        .await?;
    // Session tokens are URL-safe base64, so they need no quoting in a cookie.
    let cookie = Cookie::parse(format!(
        "{SESSION_COOKIE}={}; Max-Age={}; Path=/; HttpOnly; Secure; SameSite=Strict",
        session.token, session.lifetime_secs
    ))
    .map_err(|error| ApiError::from(berth_core::CoreError::Internal(error.to_string())))?;
    let user = state.core.accounts.user_details(session.user).await?;
    Ok((
        jar.add(cookie),
        AppJson(LoginResponse {
            token: session.token,
            expires_at: session.expires_at,
            user: UserResponse::from(user),
        }),
    ))
}

/// Ends the caller's session at once and clears the cookie.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode), ApiError> {
    state.core.accounts.logout(&principal).await?;
    let removal = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    Ok((jar.remove(removal), StatusCode::NO_CONTENT))
}
