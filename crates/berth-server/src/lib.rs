//! Berth's HTTP surface: the router, extractors, the one `ApiError`, the OpenAPI document, TLS, and the
//! listeners with graceful shutdown. The only crate that knows HTTP status codes; handlers convert in,
//! call a `berth-core` service, and convert out.

mod error;
mod extract;
mod listen;
mod openapi;
mod proxy;
mod routes;
mod tls;
mod ui;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use berth_core::Core;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

pub use listen::{BoundServer, ListenConfig, ServeError, bind};
pub use proxy::TrustedProxies;
pub use tls::TlsSource;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "berth_session";

/// Largest JSON request body the API reads (the gateway streams bodies and has no limit).
const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
    pub trusted_proxies: Arc<TrustedProxies>,
}

/// The API routes and the OpenAPI document they describe.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (api, openapi) = OpenApiRouter::with_openapi(openapi::base())
        .merge(routes::system::router())
        .merge(routes::auth::router())
        .merge(routes::users::router())
        .merge(routes::api_keys::router())
        .merge(routes::environments::router())
        .merge(routes::containers::router())
        .merge(routes::resources::router())
        .merge(routes::live::router())
        .merge(routes::swarm::router())
        .merge(routes::console::router())
        .split_for_parts();
    (api, openapi::finish(openapi))
}

/// The OpenAPI document, as served at `/api/openapi.json` (the web app's API types are generated from it).
pub fn openapi_json() -> String {
    let (_, openapi) = api();
    openapi.to_pretty_json().unwrap_or_default()
}

/// The whole application: API routes, the OpenAPI document, the gateway, and the web app.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    let openapi_json = axum::routing::get(move || {
        let openapi = openapi.clone();
        async move { axum::Json(openapi.as_ref().clone()) }
    });
    api.layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .route("/api/openapi.json", openapi_json)
        .route("/api", axum::routing::any(error::not_found))
        .route("/api/{*rest}", axum::routing::any(error::not_found))
        .merge(routes::gateway::router())
        .fallback(ui::serve)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
