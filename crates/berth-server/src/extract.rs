//! Request extractors that reject with the one error body: JSON and path parameters, the client's
//! address (trusted proxies considered), and the authenticated caller (with CSRF protection for cookies).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use berth_core::{CoreError, Principal};

use crate::error::ApiError;
use crate::{AppState, SESSION_COOKIE};

/// `Json` whose rejections use the API error body.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `Path` whose rejections use the API error body.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct AppPath<T>(pub T);

/// `Query` whose rejections use the API error body.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

/// The address of the client: the peer, or, when the peer is a trusted proxy, the nearest untrusted
/// address in `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Ok(ClientIp(state.trusted_proxies.client_ip(peer, &forwarded)))
    }
}

/// The authenticated caller. Accepts `Authorization: Bearer`, `X-API-Key`, or the session cookie;
/// cookie-authenticated unsafe requests must come from the same origin.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let accounts = &state.core.accounts;
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or(CoreError::Unauthenticated)?;
            let principal = if token.starts_with("berth_k_") {
                accounts.authenticate_api_key(token).await?
            } else {
                accounts.authenticate_session(token).await?
            };
            return Ok(Authenticated(principal));
        }
        if let Some(value) = parts.headers.get("x-api-key") {
            let key = value.to_str().map_err(|_| CoreError::Unauthenticated)?;
            return Ok(Authenticated(
                accounts.authenticate_api_key(key.trim()).await?,
            ));
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(CoreError::Unauthenticated.into());
        };
        // A WebSocket handshake is a GET, but what follows can change things; browsers send Origin with it.
        let is_websocket = parts
            .headers
            .get(header::UPGRADE)
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"));
        if (is_websocket || !is_safe_method(&parts.method)) && !is_same_origin(parts) {
            return Err(CoreError::Forbidden(
                "cross-site request refused: a cookie-authenticated change must come from Berth's own pages"
                    .into(),
            )
            .into());
        }
        Ok(Authenticated(
            accounts.authenticate_session(cookie.value()).await?,
        ))
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// True when `Origin` (or, without it, `Referer`) names the host the request was sent to.
fn is_same_origin(parts: &Parts) -> bool {
    let Some(host) = parts
        .headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let source = parts
        .headers
        .get(header::ORIGIN)
        .or_else(|| parts.headers.get(header::REFERER))
        .and_then(|value| value.to_str().ok());
    let Some(source) = source else { return false };
    let authority = source
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or_default());
    authority.is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}
