//! The Docker Engine API gateway route: `ANY /api/environments/{id}/docker/{*path}` forwards to the
//! environment's engine, so the docker CLI works with `DOCKER_HOST=tcp://berth:PORT/api/environments/ID/docker`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::any;
use berth_model::EnvironmentId;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::Authenticated;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/environments/{id}/docker/{*path}", any(forward))
}

async fn forward(
    State(state): State<AppState>,
    authenticated: Result<Authenticated, ApiError>,
    request: Request,
) -> Result<Response, ApiError> {
    let forwarded = async {
        let Authenticated(principal) = authenticated?;
        let (environment_id, path_and_query) = engine_target(request.uri())?;
        let response = state
            .core
            .environments
            .forward(&principal, environment_id, request, &path_and_query)
            .await?;
        Ok::<_, ApiError>(response.map(Body::new))
    };
    forwarded.await.map_err(ApiError::for_docker_clients)
}

/// Splits `/api/environments/7/docker/v1.41/info?x=1` into environment 7 and `/v1.41/info?x=1`, keeping
/// the engine path exactly as the client encoded it.
fn engine_target(uri: &Uri) -> Result<(EnvironmentId, String), ApiError> {
    let rest = uri
        .path()
        .strip_prefix("/api/environments/")
        .ok_or_else(|| ApiError::not_found("no such route"))?;
    let (id, rest) = rest
        .split_once('/')
        .ok_or_else(|| ApiError::not_found("no such route"))?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request(format!("bad environment id {id:?}")))?;
    let engine_path = rest
        .strip_prefix("docker")
        .filter(|path| path.starts_with('/'))
        .ok_or_else(|| ApiError::not_found("no such route"))?;
    let path_and_query = match uri.query() {
        Some(query) => format!("{engine_path}?{query}"),
        None => engine_path.to_string(),
    };
    Ok((EnvironmentId(id), path_and_query))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(uri: &str, expected: Option<(i64, &str)>) {
        let got = engine_target(&uri.parse().unwrap())
            .ok()
            .map(|(id, path)| (id.0, path));
        assert_eq!(
            got,
            expected.map(|(id, path)| (id, path.to_string())),
            "{uri}"
        );
    }

    #[test]
    fn splits_engine_targets() {
        check(
            "/api/environments/7/docker/v1.41/containers/json?all=1",
            Some((7, "/v1.41/containers/json?all=1")),
        );
        check("/api/environments/1/docker/_ping", Some((1, "/_ping")));
        check(
            "/api/environments/1/docker/images/a%2Fb/json",
            Some((1, "/images/a%2Fb/json")),
        );
        check("/api/environments/x/docker/_ping", None);
        check("/api/environments/1/dockerx/_ping", None);
    }
}
