//! Streams to the browser: the change feed (`/api/events`), a container's live stats, and its logs, each
//! as server-sent events or newline-delimited JSON so a plain `fetch` or `EventSource` can read them.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use berth_core::{FeedItem, LogQuery, LogStream, StatsPreference};
use berth_model::{ChangeKind, EnvironmentId, StatsSample};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppPath, AppQuery, Authenticated};
use crate::routes::containers::ContainerResponse;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_feed))
        .routes(routes!(container_stats))
        .routes(routes!(container_logs))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only this environment; all the caller may see when absent.
    pub environment_id: Option<i64>,
}

/// The change feed, as server-sent events. Each event's data is JSON with a `type`: `ready`,
/// `container_created`, `container_state_changed`, `container_health_changed`, `container_updated`,
/// `container_removed`, `images_changed`, `volumes_changed`, `networks_changed`, `swarm_changed` (with
/// `resource`: services, tasks, nodes, configs or secrets), `environment_up`,
/// `environment_down`, or `resync` (you fell behind: reload your lists).
#[utoipa::path(get, path = "/api/events", tag = "live", params(FeedParams),
    responses((status = 200, content_type = "text/event-stream", description = "change events"), (status = 404, body = ErrorBody)))]
async fn change_feed(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppQuery(params): AppQuery<FeedParams>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let subscription = state
        .core
        .containers
        .subscribe(&principal, params.environment_id.map(EnvironmentId))
        .await?;
    let ready = futures_util::stream::once(async { json!({"type": "ready"}) });
    let changes = futures_util::stream::unfold(subscription, |mut subscription| async move {
        match subscription.next().await {
            FeedItem::Change(change) => Some((change_json(&change), subscription)),
            FeedItem::Resync => Some((json!({"type": "resync"}), subscription)),
            FeedItem::Closed => None,
        }
    });
    let events = ready
        .chain(changes)
        .map(|value| Ok(Event::default().data(value.to_string())));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn change_json(change: &berth_model::Change) -> serde_json::Value {
    let environment_id = change.environment_id;
    let container = |kind: &str, summary| json!({"type": kind, "environment_id": environment_id.0, "container": ContainerResponse::new(environment_id, summary)});
    let mut value = match &change.kind {
        ChangeKind::ContainerCreated(summary) => container("container_created", summary),
        ChangeKind::ContainerStateChanged(summary) => container("container_state_changed", summary),
        ChangeKind::ContainerHealthChanged(summary) => {
            container("container_health_changed", summary)
        }
        ChangeKind::ContainerUpdated(summary) => container("container_updated", summary),
        ChangeKind::ContainerRemoved { id } => {
            json!({"type": "container_removed", "environment_id": environment_id.0, "container_id": id})
        }
        ChangeKind::ImagesChanged => {
            json!({"type": "images_changed", "environment_id": environment_id.0})
        }
        ChangeKind::VolumesChanged => {
            json!({"type": "volumes_changed", "environment_id": environment_id.0})
        }
        ChangeKind::NetworksChanged => {
            json!({"type": "networks_changed", "environment_id": environment_id.0})
        }
        ChangeKind::SwarmChanged(resource) => json!({
            "type": "swarm_changed",
            "environment_id": environment_id.0,
            "resource": resource.as_str(),
        }),
        ChangeKind::EnvironmentUp => {
            json!({"type": "environment_up", "environment_id": environment_id.0})
        }
        ChangeKind::EnvironmentDown { error } => {
            json!({"type": "environment_down", "environment_id": environment_id.0, "error": error})
        }
    };
    if let Some(nanos) = change.engine_time_nanos {
        value["engine_time_nanos"] = json!(nanos);
    }
    value
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// `auto` (default: the cgroup files when this machine can read them) or `engine`.
    pub source: Option<String>,
}

/// A running container's CPU, memory, network and block I/O, once a second, as server-sent events. All
/// viewers of one container share one upstream stream.
#[utoipa::path(get, path = "/api/environments/{id}/containers/{container}/stats", tag = "live",
    params(("id" = i64, Path), ("container" = String, Path), StatsParams),
    responses((status = 200, content_type = "text/event-stream", description = "samples"), (status = 404, body = ErrorBody)))]
async fn container_stats(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath((id, container)): AppPath<(i64, String)>,
    AppQuery(params): AppQuery<StatsParams>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let preference = match params.source.as_deref() {
        None | Some("auto") => StatsPreference::Auto,
        Some("engine") => StatsPreference::Engine,
        Some(_) => {
            return Err(berth_core::CoreError::invalid("source", "must be auto or engine").into());
        }
    };
    let receiver = state
        .core
        .containers
        .stats(&principal, EnvironmentId(id), &container, preference)
        .await?;
    let samples = futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(sample) => return Some((sample, receiver)),
                // A slow viewer skips samples rather than queueing them.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let events = samples.map(|sample| Ok(Event::default().data(stats_json(&sample).to_string())));
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn stats_json(sample: &StatsSample) -> serde_json::Value {
    json!({
        "read_at_ms": sample.read_at_ms,
        "cpu_percent": sample.cpu_percent,
        "online_cpus": sample.online_cpus,
        "memory_usage": sample.memory_usage,
        "memory_usage_without_cache": sample.memory_usage_without_cache,
        "memory_limit": sample.memory_limit,
        "network_rx_bytes": sample.network_rx_bytes,
        "network_tx_bytes": sample.network_tx_bytes,
        "block_read_bytes": sample.block_read_bytes,
        "block_write_bytes": sample.block_write_bytes,
        "pids": sample.pids,
        "source": sample.source.as_str(),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// Keep streaming new lines.
    #[serde(default)]
    pub follow: bool,
    /// Lines from the end (default: all).
    pub tail: Option<u64>,
    /// Unix seconds.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Prefix each line with the engine's RFC 3339 timestamp.
    #[serde(default)]
    pub timestamps: bool,
    /// Include stdout (default true).
    pub stdout: Option<bool>,
    /// Include stderr (default true).
    pub stderr: Option<bool>,
    /// Answer with the whole log as a text file to save.
    #[serde(default)]
    pub download: bool,
}

/// A container's log. Streamed as newline-delimited JSON, one `{"stream": "stdout"|"stderr"|"console",
/// "text": "..."}` per chunk as it arrives; with `download=true`, the plain text as an attachment.
#[utoipa::path(get, path = "/api/environments/{id}/containers/{container}/logs", tag = "live",
    params(("id" = i64, Path), ("container" = String, Path), LogParams),
    responses((status = 200, content_type = "application/x-ndjson", description = "log chunks"), (status = 404, body = ErrorBody)))]
async fn container_logs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath((id, container)): AppPath<(i64, String)>,
    AppQuery(params): AppQuery<LogParams>,
) -> Result<Response, ApiError> {
    let query = LogQuery {
        follow: params.follow && !params.download,
        stdout: params.stdout.unwrap_or(true),
        stderr: params.stderr.unwrap_or(true),
        since: params.since,
        until: params.until,
        timestamps: params.timestamps,
        tail: params.tail,
    };
    if !query.stdout && !query.stderr {
        return Err(
            berth_core::CoreError::invalid("stdout", "ask for stdout, stderr or both").into(),
        );
    }
    let chunks = state
        .core
        .containers
        .logs(&principal, EnvironmentId(id), &container, &query)
        .await?;
    if params.download {
        let body = chunks.filter_map(|chunk| async move {
            chunk.ok().map(|chunk| Ok::<_, Infallible>(chunk.bytes))
        });
        let filename = format!(
            "attachment; filename=\"{}.log\"",
            container.replace(['"', '\\', '/'], "_")
        );
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "text/plain; charset=utf-8".to_string(),
                ),
                (header::CONTENT_DISPOSITION, filename),
            ],
            Body::from_stream(body),
        )
            .into_response());
    }
    let lines = chunks.map(|chunk| {
        let line = match chunk {
            Ok(chunk) => {
                let stream = match chunk.stream {
                    LogStream::Stdout => "stdout",
                    LogStream::Stderr => "stderr",
                    LogStream::Console => "console",
                };
                json!({"stream": stream, "text": String::from_utf8_lossy(&chunk.bytes)})
            }
            Err(error) => json!({"stream": "error", "text": error.to_string()}),
        };
        Ok::<_, Infallible>(format!("{line}\n"))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(lines),
    )
        .into_response())
}
