//! Images, volumes and networks of an environment, from the live mirror.

use std::collections::BTreeMap;

use axum::extract::State;
use berth_model::{EnvironmentId, ImageSummary, NetworkSummary, VolumeSummary};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::routes::{ListResponse, PageParams};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_images))
        .routes(routes!(list_volumes))
        .routes(routes!(list_networks))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Case-insensitive text to look for in names (and tags, drivers).
    pub search: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImageResponse {
    pub id: String,
    pub tags: Vec<String>,
    pub size: i64,
    pub created: i64,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VolumeResponse {
    pub name: String,
    pub driver: String,
    pub mountpoint: String,
    pub created_at: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NetworkResponse {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
}

/// An environment's images.
#[utoipa::path(get, path = "/api/environments/{id}/images", tag = "resources",
    params(("id" = i64, Path), SearchParams, PageParams),
    responses((status = 200, body = ListResponse<ImageResponse>), (status = 404, body = ErrorBody)))]
async fn list_images(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(search): AppQuery<SearchParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<ImageResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .images(
            &principal,
            EnvironmentId(id),
            search.search.as_deref(),
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(
        page,
        |image: ImageSummary| ImageResponse {
            id: image.id,
            tags: image.tags,
            size: image.size,
            created: image.created,
            labels: image.labels,
        },
    )))
}

/// An environment's volumes.
#[utoipa::path(get, path = "/api/environments/{id}/volumes", tag = "resources",
    params(("id" = i64, Path), SearchParams, PageParams),
    responses((status = 200, body = ListResponse<VolumeResponse>), (status = 404, body = ErrorBody)))]
async fn list_volumes(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(search): AppQuery<SearchParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<VolumeResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .volumes(
            &principal,
            EnvironmentId(id),
            search.search.as_deref(),
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(
        page,
        |volume: VolumeSummary| VolumeResponse {
            name: volume.name,
            driver: volume.driver,
            mountpoint: volume.mountpoint,
            created_at: volume.created_at,
            labels: volume.labels,
        },
    )))
}

/// An environment's networks.
#[utoipa::path(get, path = "/api/environments/{id}/networks", tag = "resources",
    params(("id" = i64, Path), SearchParams, PageParams),
    responses((status = 200, body = ListResponse<NetworkResponse>), (status = 404, body = ErrorBody)))]
async fn list_networks(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    AppPath(id): AppPath<i64>,
    AppQuery(search): AppQuery<SearchParams>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ListResponse<NetworkResponse>>, ApiError> {
    let page = state
        .core
        .containers
        .networks(
            &principal,
            EnvironmentId(id),
            search.search.as_deref(),
            &page.to_request()?,
        )
        .await?;
    Ok(AppJson(ListResponse::from_page(
        page,
        |network: NetworkSummary| NetworkResponse {
            id: network.id,
            name: network.name,
            driver: network.driver,
            scope: network.scope,
            internal: network.internal,
            labels: network.labels,
        },
    )))
}
