//! Swarm resources of an environment whose engine is a swarm manager, from the live mirror.

use std::collections::BTreeMap;

use axum::extract::State;
use berth_model::{EnvironmentId, NodeSummary, ServiceSummary, SwarmObjectSummary, TaskSummary};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::routes::resources::SearchParams;
use crate::routes::{ListResponse, PageParams};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services))
        .routes(routes!(list_tasks))
        .routes(routes!(list_nodes))
        .routes(routes!(list_configs))
        .routes(routes!(list_secrets))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceResponse {
    pub id: String,
    pub name: String,
    pub image: String,
    pub mode: String,
    pub desired_tasks: Option<u64>,
    pub running_tasks: Option<u64>,
    pub labels: BTreeMap<String, String>,
    /// The stack (`com.docker.stack.namespace`), if any.
    pub stack: Option<String>,
    pub updated_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskResponse {
    pub id: String,
    pub service_id: String,
    pub node_id: String,
    pub slot: Option<i64>,
    pub state: String,
    pub desired_state: String,
    pub message: String,
    pub error: Option<String>,
    pub container_id: Option<String>,
    pub updated_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NodeResponse {
    pub id: String,
    pub hostname: String,
    pub role: String,
    pub availability: String,
    pub state: String,
    pub address: Option<String>,
    pub engine_version: Option<String>,
    pub leader: bool,
    pub labels: BTreeMap<String, String>,
}

/// A config or secret; a secret's value is never shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SwarmObjectResponse {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

fn object(summary: SwarmObjectSummary) -> SwarmObjectResponse {
    SwarmObjectResponse {
        id: summary.id,
        name: summary.name,
        labels: summary.labels,
        created_at: summary.created_at,
        updated_at: summary.updated_at,
    }
}

/// Services, with desired and running task counts.
#[utoipa::path(get, path = "/api/environments/{id}/swarm/services", tag = "swarm",
    params(("id" = i64, Path), SearchParams, PageParams),
    responses((status = 200, body = ListResponse<ServiceResponse>), (status = 404, body = ErrorBody)))]
async fn list_services(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(search): AppQuery<SearchParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<ServiceResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .swarm_list(
            &principal,
            EnvironmentId(id),
            |swarm| swarm.services.clone(),
            search.search.as_deref(),
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(
        page,
        |service: ServiceSummary| ServiceResponse {
            stack: service.labels.get("com.docker.stack.namespace").cloned(),
            id: service.id,
            name: service.name,
            image: service.image,
            mode: service.mode,
            desired_tasks: service.desired_tasks,
            running_tasks: service.running_tasks,
            labels: service.labels,
            updated_at: service.updated_at,
        },
    )))
}

/// Tasks of every service.
#[utoipa::path(get, path = "/api/environments/{id}/swarm/tasks", tag = "swarm",
    params(("id" = i64, Path), SearchParams, PageParams),
    responses((status = 200, body = ListResponse<TaskResponse>), (status = 404, body = ErrorBody)))]
async fn list_tasks(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(search): AppQuery<SearchParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<TaskResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .swarm_list(
            &principal,
            EnvironmentId(id),
            |swarm| swarm.tasks.clone(),
            search.search.as_deref(),
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(
        page,
        |task: TaskSummary| TaskResponse {
            id: task.id,
            service_id: task.service_id,
            node_id: task.node_id,
            slot: task.slot,
            state: task.state,
            desired_state: task.desired_state,
            message: task.message,
            error: task.error,
            container_id: task.container_id,
            updated_at: task.updated_at,
        },
    )))
}

/// Nodes of the swarm.
#[utoipa::path(get, path = "/api/environments/{id}/swarm/nodes", tag = "swarm",
    params(("id" = i64, Path), SearchParams, PageParams),
    responses((status = 200, body = ListResponse<NodeResponse>), (status = 404, body = ErrorBody)))]
async fn list_nodes(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(search): AppQuery<SearchParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<NodeResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .swarm_list(
            &principal,
            EnvironmentId(id),
            |swarm| swarm.nodes.clone(),
            search.search.as_deref(),
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(
        page,
        |node: NodeSummary| NodeResponse {
            id: node.id,
            hostname: node.hostname,
            role: node.role,
            availability: node.availability,
            state: node.state,
            address: node.address,
            engine_version: node.engine_version,
            leader: node.leader,
            labels: node.labels,
        },
    )))
}

/// Configs (names and labels).
#[utoipa::path(get, path = "/api/environments/{id}/swarm/configs", tag = "swarm",
    params(("id" = i64, Path), SearchParams, PageParams),
    responses((status = 200, body = ListResponse<SwarmObjectResponse>), (status = 404, body = ErrorBody)))]
async fn list_configs(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(search): AppQuery<SearchParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<SwarmObjectResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .swarm_list(
            &principal,
            EnvironmentId(id),
            |swarm| swarm.configs.clone(),
            search.search.as_deref(),
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(page, object)))
}

/// Secrets (names and labels; values are never readable).
#[utoipa::path(get, path = "/api/environments/{id}/swarm/secrets", tag = "swarm",
    params(("id" = i64, Path), SearchParams, PageParams),
    responses((status = 200, body = ListResponse<SwarmObjectResponse>), (status = 404, body = ErrorBody)))]
async fn list_secrets(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(search): AppQuery<SearchParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<SwarmObjectResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .swarm_list(
            &principal,
            EnvironmentId(id),
            |swarm| swarm.secrets.clone(),
            search.search.as_deref(),
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(page, object)))
}
