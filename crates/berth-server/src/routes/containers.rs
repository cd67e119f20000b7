//! Containers: paged lists from the live mirror (one environment, or the whole fleet), full inspect, and
//! typed actions that answer once the engine has acted and the mirror shows it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use berth_core::{ContainerAction, ContainerFilter, ContainerRow};
use berth_model::{ContainerHealth, ContainerState, ContainerSummary, EnvironmentId};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::routes::{ListResponse, PageParams};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_containers))
        .routes(routes!(list_fleet_containers))
        .routes(routes!(inspect_container, remove_container))
        .routes(routes!(container_action))
        .routes(routes!(rename_container))
        .routes(routes!(recreate_container))
}

/// A container as a list row shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContainerResponse {
    pub environment_id: i64,
    pub id: String,
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub command: String,
    /// created, running, paused, restarting, removing, exited or dead.
    pub state: &'static str,
    /// The engine's words, e.g. "Up 5 minutes (healthy)".
    pub status: String,
    /// none, starting, healthy or unhealthy.
    pub health: &'static str,
    pub created: i64,
    pub ports: Vec<PortResponse>,
    pub labels: BTreeMap<String, String>,
    /// The compose project, if any.
    pub stack: Option<String>,
    pub networks: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PortResponse {
    pub private_port: u16,
    pub public_port: Option<u16>,
    pub host_ip: Option<String>,
    pub protocol: String,
}

impl ContainerResponse {
    pub fn new(environment_id: EnvironmentId, container: &ContainerSummary) -> Self {
        ContainerResponse {
            environment_id: environment_id.0,
            id: container.id.clone(),
            name: container.name.clone(),
            image: container.image.clone(),
            image_id: container.image_id.clone(),
            command: container.command.clone(),
            state: container.state.as_str(),
            status: container.status.clone(),
            health: container.health.as_str(),
            created: container.created,
            ports: container
                .ports
                .iter()
                .map(|port| PortResponse {
                    private_port: port.private_port,
                    public_port: port.public_port,
                    host_ip: port.host_ip.clone(),
                    protocol: port.protocol.clone(),
                })
                .collect(),
            labels: container.labels.clone(),
            stack: container.stack().map(str::to_string),
            networks: container.networks.clone(),
        }
    }
}

fn row_response((environment_id, container): ContainerRow) -> ContainerResponse {
    ContainerResponse::new(environment_id, &container)
}

/// Filters for container lists.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContainerParams {
    /// Matches name, image, id prefix or stack, ignoring case.
    pub search: Option<String>,
    /// One or more states, comma-separated.
    pub state: Option<String>,
    /// none, starting, healthy or unhealthy.
    pub health: Option<String>,
    /// Image reference contains this.
    pub image: Option<String>,
    /// `key` or `key=value`.
    pub label: Option<String>,
    /// Compose project name.
    pub stack: Option<String>,
    /// Fleet list only: environment ids, comma-separated.
    pub environment: Option<String>,
}

impl ContainerParams {
    fn to_filter(&self) -> Result<ContainerFilter, ApiError> {
        let invalid = |field: &'static str, message: String| {
            ApiError::from(berth_core::CoreError::invalid(field, message))
        };
        let states = match &self.state {
            None => Vec::new(),
            Some(states) => states
                .split(',')
                .map(|state| {
                    ContainerState::parse(state.trim())
                        .ok_or_else(|| invalid("state", format!("unknown state {state:?}")))
                })
                .collect::<Result<_, _>>()?,
        };
        let health = self
            .health
            .as_deref()
            .map(|health| {
                ContainerHealth::parse(health)
                    .ok_or_else(|| invalid("health", format!("unknown health {health:?}")))
            })
            .transpose()?;
        let label = self
            .label
            .as_deref()
            .map(|label| match label.split_once('=') {
                Some((key, value)) => (key.to_string(), Some(value.to_string())),
                None => (label.to_string(), None),
            });
        Ok(ContainerFilter {
            search: self.search.clone().filter(|search| !search.is_empty()),
            states,
            health,
            image: self.image.clone(),
            label,
            stack: self.stack.clone(),
        })
    }

    fn environment_ids(&self) -> Result<Option<Vec<EnvironmentId>>, ApiError> {
        self.environment
            .as_deref()
            .map(|ids| {
                ids.split(',')
                    .map(|id| {
                        id.trim().parse().map(EnvironmentId).map_err(|_| {
                            ApiError::bad_request(format!("bad environment id {id:?}"))
                        })
                    })
                    .collect()
            })
            .transpose()
    }
}

/// One environment's containers, from the live mirror: filtered, sorted and paged.
#[utoipa::path(get, path = "/api/environments/{id}/containers", tag = "containers",
    params(("id" = i64, Path), ContainerParams, PageParams),
    responses((status = 200, body = ListResponse<ContainerResponse>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_containers(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(params): AppQuery<ContainerParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<ContainerResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .list(
            &principal,
            EnvironmentId(id),
            &params.to_filter()?,
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(page, row_response)))
}

/// Containers across every environment the caller may see (or those in `environment`).
#[utoipa::path(get, path = "/api/containers", tag = "containers", params(ContainerParams, PageParams),
    responses((status = 200, body = ListResponse<ContainerResponse>), (status = 422, body = ErrorBody)))]
async fn list_fleet_containers(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppQuery(params): AppQuery<ContainerParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<ContainerResponse>>, ApiError> {
    let environment_ids = params.environment_ids()?;
    let page = state
        .core
        .containers
        .list_fleet(
            &principal,
            environment_ids.as_deref(),
            &params.to_filter()?,
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(page, row_response)))
}

/// The engine's full inspect document for a container.
#[utoipa::path(get, path = "/api/environments/{id}/containers/{container}", tag = "containers",
    params(("id" = i64, Path), ("container" = String, Path, description = "id, id prefix or name")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn inspect_container(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath((id, container)): AppPath<(i64, String)>,
) -> Result<AppJson<serde_json::Value>, ApiError> {
    Ok(AppJson(
        state
            .core
            .containers
            .inspect(&principal, EnvironmentId(id), &container)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveParams {
    /// Kill a running container first.
    #[serde(default)]
    pub force: bool,
    /// Remove its anonymous volumes too.
    #[serde(default)]
    pub volumes: bool,
}

/// Removes a container; answers when the engine has removed it and the mirror no longer lists it.
#[utoipa::path(delete, path = "/api/environments/{id}/containers/{container}", tag = "containers",
    params(("id" = i64, Path), ("container" = String, Path), RemoveParams),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove_container(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath((id, container)): AppPath<(i64, String)>,
    AppQuery(params): AppQuery<RemoveParams>,
) -> Result<StatusCode, ApiError> {
    let action = ContainerAction::Remove {
        force: params.force,
        volumes: params.volumes,
    };
    state
        .core
        .containers
        .act(&principal, EnvironmentId(id), &container, action)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActionName {
    Start,
    Stop,
    Restart,
    Kill,
    Pause,
    Unpause,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionParams {
    /// stop/restart: seconds to wait before killing.
    pub timeout: Option<i32>,
    /// kill: the signal, e.g. SIGTERM.
    pub signal: Option<String>,
}

/// Starts, stops, restarts, kills, pauses or unpauses a container; answers with the container as the mirror
/// now shows it.
#[utoipa::path(post, path = "/api/environments/{id}/containers/{container}/{action}", tag = "containers",
    params(("id" = i64, Path), ("container" = String, Path), ("action" = String, Path, description = "start, stop, restart, kill, pause or unpause"), ActionParams),
    responses((status = 200, body = ContainerResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn container_action(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath((id, container, action)): AppPath<(i64, String, ActionName)>,
    AppQuery(params): AppQuery<ActionParams>,
) -> Result<AppJson<ContainerResponse>, ApiError> {
    if params
        .timeout
        .is_some_and(|timeout| !(0..=3600).contains(&timeout))
    {
        return Err(berth_core::CoreError::invalid("timeout", "must be 0 to 3600 seconds").into());
    }
    let action = match action {
        ActionName::Start => ContainerAction::Start,
        ActionName::Stop => ContainerAction::Stop {
            timeout: params.timeout,
        },
        ActionName::Restart => ContainerAction::Restart {
            timeout: params.timeout,
        },
        ActionName::Kill => ContainerAction::Kill {
            signal: params.signal,
        },
        ActionName::Pause => ContainerAction::Pause,
        ActionName::Unpause => ContainerAction::Unpause,
    };
    let environment_id = EnvironmentId(id);
    let summary = state
        .core
        .containers
        .act(&principal, environment_id, &container, action)
        .await?;
    summary
        .map(|summary: Arc<ContainerSummary>| {
            AppJson(ContainerResponse::new(environment_id, &summary))
        })
        .ok_or_else(|| ApiError::not_found("container not found"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    pub name: String,
}

/// Renames a container.
#[utoipa::path(post, path = "/api/environments/{id}/containers/{container}/rename", tag = "containers",
    params(("id" = i64, Path), ("container" = String, Path)), request_body = RenameRequest,
    responses((status = 200, body = ContainerResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rename_container(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath((id, container)): AppPath<(i64, String)>,
    AppJson(request): AppJson<RenameRequest>,
) -> Result<AppJson<ContainerResponse>, ApiError> {
    let environment_id = EnvironmentId(id);
    let action = ContainerAction::Rename { name: request.name };
    let summary = state
        .core
        .containers
        .act(&principal, environment_id, &container, action)
        .await?;
    summary
        .map(|summary| AppJson(ContainerResponse::new(environment_id, &summary)))
        .ok_or_else(|| ApiError::not_found("container not found"))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecreateParams {
    /// Pull the container's image reference first, so it runs the newest version.
    #[serde(default)]
    pub pull: bool,
}

/// Recreates a container with the same configuration (optionally on a freshly pulled image), keeping its name,
/// networks and running state; answers with the new container.
#[utoipa::path(post, path = "/api/environments/{id}/containers/{container}/recreate", tag = "containers",
    params(("id" = i64, Path), ("container" = String, Path), RecreateParams),
    responses((status = 200, body = ContainerResponse), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn recreate_container(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath((id, container)): AppPath<(i64, String)>,
    AppQuery(params): AppQuery<RecreateParams>,
) -> Result<AppJson<ContainerResponse>, ApiError> {
    let environment_id = EnvironmentId(id);
    let summary = state
        .core
        .containers
        .recreate(&principal, environment_id, &container, params.pull)
        .await?;
    summary
        .map(|summary| AppJson(ContainerResponse::new(environment_id, &summary)))
        .ok_or_else(|| ApiError::not_found("container not found"))
}
