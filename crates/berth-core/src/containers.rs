//! Containers and the other mirrored resources: lists answered from the live mirror (one environment or the
//! whole fleet the caller may see), full inspect, actions that answer once the mirror shows their effect,
//! logs, stats and the change feed.

use std::sync::Arc;

use berth_docker::{ContainerAction, ItemStream, LogChunk, LogQuery};
use berth_model::{
    ContainerSummary, EngineAddress, EnvironmentId, ImageSummary, NetworkSummary, NodeSummary,
    ServiceSummary, StatsSample, SwarmObjectSummary, TaskSummary, VolumeSummary,
};
use berth_store::Store;
use tokio::sync::broadcast;

use crate::access::{Action, Principal};
use crate::live::query::{
    ContainerFilter, ContainerRow, Page, PageRequest, RowKey, SortValue, container_key, paginate,
};
use crate::live::{FeedSubscription, LiveState, StatsPreference, SwarmData};
use crate::{Access, CoreError};

pub struct Containers {
    store: Store,
    access: Access,
    live: Arc<LiveState>,
}

impl Containers {
    pub(crate) fn new(store: Store, access: Access, live: Arc<LiveState>) -> Self {
        Containers {
            store,
            access,
            live,
        }
    }

    /// One environment's containers.
    pub async fn list(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        filter: &ContainerFilter,
        page: &PageRequest,
    ) -> Result<Page<ContainerRow>, CoreError> {
        self.visible_environment(principal, environment_id).await?;
        self.page_containers(&[environment_id], filter, page)
    }

    /// Containers across every environment the caller may see, or the ones named.
    pub async fn list_fleet(
        &self,
        principal: &Principal,
        environment_ids: Option<&[EnvironmentId]>,
        filter: &ContainerFilter,
        page: &PageRequest,
    ) -> Result<Page<ContainerRow>, CoreError> {
        let mut visible = self.visible_environments(principal).await?;
        if let Some(wanted) = environment_ids {
            visible.retain(|id| wanted.contains(id));
        }
        self.page_containers(&visible, filter, page)
    }

    fn page_containers(
        &self,
        environment_ids: &[EnvironmentId],
        filter: &ContainerFilter,
        page: &PageRequest,
    ) -> Result<Page<ContainerRow>, CoreError> {
        let mut rows = self.live.containers(environment_ids);
        rows.retain(|(_, container)| filter.matches(container));
        paginate(rows, page, |(environment_id, container)| {
            container_key(*environment_id, container, page.sort)
        })
    }

    pub async fn images(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        search: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ImageSummary>, CoreError> {
        self.visible_environment(principal, environment_id).await?;
        let rows = matching(&self.live.images(environment_id), search, |image| {
            image
                .tags
                .iter()
                .map(String::as_str)
                .chain([image.id.as_str()])
                .collect()
        });
        paginate(rows, page, |image| {
            name_key(
                environment_id,
                image.tags.first().unwrap_or(&image.id),
                image.created,
                &image.id,
                page,
            )
        })
    }

    pub async fn volumes(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        search: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<VolumeSummary>, CoreError> {
        self.visible_environment(principal, environment_id).await?;
        let rows = matching(&self.live.volumes(environment_id), search, |volume| {
            vec![volume.name.as_str(), volume.driver.as_str()]
        });
        paginate(rows, page, |volume| {
            name_key(environment_id, &volume.name, 0, &volume.name, page)
        })
    }

    pub async fn networks(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        search: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<NetworkSummary>, CoreError> {
        self.visible_environment(principal, environment_id).await?;
        let rows = matching(&self.live.networks(environment_id), search, |network| {
            vec![network.name.as_str(), network.driver.as_str()]
        });
        paginate(rows, page, |network| {
            name_key(environment_id, &network.name, 0, &network.id, page)
        })
    }

    /// One kind of swarm resource of an environment whose engine manages a swarm; `pick` chooses the list.
    pub async fn swarm_list<T: SwarmRow>(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        pick: impl Fn(&SwarmData) -> Arc<Vec<T>>,
        search: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<T>, CoreError> {
        self.visible_environment(principal, environment_id).await?;
        let swarm = self.live.swarm(environment_id).ok_or(CoreError::NotFound(
            "swarm (the environment's engine is not a swarm manager)",
        ))?;
        let rows = matching(&pick(&swarm), search, SwarmRow::search_text);
        paginate(rows, page, |row| {
            let name = row
                .search_text()
                .first()
                .copied()
                .unwrap_or_default()
                .to_string();
            name_key(environment_id, &name, 0, row.id(), page)
        })
    }

    /// The engine's full inspect document.
    pub async fn inspect(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        container_id: &str,
    ) -> Result<serde_json::Value, CoreError> {
        self.visible_environment(principal, environment_id).await?;
        let client = self.client(environment_id)?;
        client
            .inspect_container(container_id)
            .await
            .map_err(container_error)
    }

    /// Acts on a container and answers once the mirror shows the result (`None` when it is gone).
    pub async fn act(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        container_id: &str,
        action: ContainerAction,
    ) -> Result<Option<Arc<ContainerSummary>>, CoreError> {
        self.access
            .authorize(principal, Action::OperateContainers(environment_id))
            .await?;
        if let ContainerAction::Rename { name } = &action {
            validate_container_name(name)?;
        }
        let client = self.client(environment_id)?;
        let mirror = self
            .live
            .mirror(environment_id)
            .ok_or(CoreError::NotFound("environment"))?;
        // Resolve names to ids first, so the refresh afterwards finds the container even after a rename.
        let id = client
            .find_container(container_id)
            .await
            .map_err(container_error)?
            .map(|container| container.id)
            .ok_or(CoreError::NotFound("container"))?;
        client.act(&id, &action).await.map_err(container_error)?;
        tracing::info!(user = %principal.user.username, environment = %environment_id, container = %id, ?action, "container action");
        mirror
            .refresh_container(&client, &id, None)
            .await
            .map_err(container_error)
    }

    /// Recreates a container with its configuration, optionally pulling its image first; answers with the
    /// new container as the mirror shows it.
    pub async fn recreate(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        container_id: &str,
        pull: bool,
    ) -> Result<Option<Arc<ContainerSummary>>, CoreError> {
        self.access
            .authorize(principal, Action::OperateContainers(environment_id))
            .await?;
        let client = self.client(environment_id)?;
        let mirror = self
            .live
            .mirror(environment_id)
            .ok_or(CoreError::NotFound("environment"))?;
        let old = client
            .find_container(container_id)
            .await
            .map_err(container_error)?
            .ok_or(CoreError::NotFound("container"))?;
        let new_id = client
            .recreate_container(&old.id, pull)
            .await
            .map_err(container_error)?;
        tracing::info!(user = %principal.user.username, environment = %environment_id, old = %old.id, new = %new_id, pull, "container recreated");
        mirror.remove_container(&old.id, None);
        mirror
            .refresh_container(&client, &new_id, None)
            .await
            .map_err(container_error)
    }

    pub async fn logs(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        container_id: &str,
        query: &LogQuery,
    ) -> Result<ItemStream<LogChunk>, CoreError> {
        self.visible_environment(principal, environment_id).await?;
        let client = self.client(environment_id)?;
        // Asking for the container first turns "no such container" into a 404 before the stream starts.
        client
            .inspect_container(container_id)
            .await
            .map_err(container_error)?;
        Ok(client.logs(container_id, query))
    }

    /// Joins the shared stats stream of a running container.
    pub async fn stats(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
        container_id: &str,
        preference: StatsPreference,
    ) -> Result<broadcast::Receiver<Arc<StatsSample>>, CoreError> {
        self.visible_environment(principal, environment_id).await?;
        let client = self.client(environment_id)?;
        let container = client
            .find_container(container_id)
            .await
            .map_err(container_error)?
            .ok_or(CoreError::NotFound("container"))?;
        let record = self.store.environment(environment_id).await?;
        let local = EngineAddress::parse(&record.url)
            .is_ok_and(|address| matches!(address, EngineAddress::UnixSocket { .. }));
        Ok(self
            .live
            .stats
            .subscribe(environment_id, &container.id, preference, client, local))
    }

    /// Subscribes to the change feed, for one environment or all the caller may see.
    pub async fn subscribe(
        &self,
        principal: &Principal,
        environment_id: Option<EnvironmentId>,
    ) -> Result<FeedSubscription, CoreError> {
        if let Some(id) = environment_id {
            self.visible_environment(principal, id).await?;
        }
        FeedSubscription::new(
            self.live.subscribe(),
            principal.clone(),
            self.store.clone(),
            environment_id,
        )
        .await
    }

    /// Open feed subscriptions and upstream stats streams. Administrators only.
    pub async fn counters(&self, principal: &Principal) -> Result<(usize, usize), CoreError> {
        self.access
            .authorize(principal, Action::ViewDiagnostics)
            .await?;
        Ok((self.live.subscriber_count(), self.live.stats.upstreams()))
    }

    async fn visible_environment(
        &self,
        principal: &Principal,
        environment_id: EnvironmentId,
    ) -> Result<(), CoreError> {
        self.access
            .authorize(principal, Action::ViewEnvironment(environment_id))
            .await?;
        if self.live.mirror(environment_id).is_none() {
            return Err(CoreError::NotFound("environment"));
        }
        Ok(())
    }

    async fn visible_environments(
        &self,
        principal: &Principal,
    ) -> Result<Vec<EnvironmentId>, CoreError> {
        if principal.is_admin() {
            Ok(self
                .store
                .list_environments()
                .await?
                .into_iter()
                .map(|record| record.id)
                .collect())
        } else {
            Ok(self.store.grants_of_user(principal.user.id).await?)
        }
    }

    pub(crate) async fn authorize(
        &self,
        principal: &Principal,
        action: Action<'_>,
    ) -> Result<(), CoreError> {
        self.access.authorize(principal, action).await
    }

    /// A client for a connected environment's engine.
    pub(crate) fn client(
        &self,
        environment_id: EnvironmentId,
    ) -> Result<berth_docker::EngineClient, CoreError> {
        self.live.client(environment_id).ok_or_else(|| {
            CoreError::Unavailable(format!(
                "environment {environment_id} is not connected right now"
            ))
        })
    }
}

/// What swarm lists search in (the first field is also what they sort by) and break ties with.
pub trait SwarmRow: Clone {
    fn search_text(&self) -> Vec<&str>;
    fn id(&self) -> &str;
}

impl SwarmRow for ServiceSummary {
    fn search_text(&self) -> Vec<&str> {
        vec![&self.name, &self.image]
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl SwarmRow for TaskSummary {
    fn search_text(&self) -> Vec<&str> {
        vec![&self.service_id, &self.state, &self.node_id]
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl SwarmRow for NodeSummary {
    fn search_text(&self) -> Vec<&str> {
        vec![&self.hostname, &self.role]
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl SwarmRow for SwarmObjectSummary {
    fn search_text(&self) -> Vec<&str> {
        vec![&self.name]
    }
    fn id(&self) -> &str {
        &self.id
    }
}

fn matching<T: Clone>(
    rows: &[T],
    search: Option<&str>,
    fields: impl Fn(&T) -> Vec<&str>,
) -> Vec<T> {
    let search = search.map(str::to_lowercase);
    rows.iter()
        .filter(|row| {
            search.as_ref().is_none_or(|search| {
                fields(row)
                    .iter()
                    .any(|field| field.to_lowercase().contains(search))
            })
        })
        .cloned()
        .collect()
}

fn name_key(
    environment_id: EnvironmentId,
    name: &str,
    created: i64,
    id: &str,
    page: &PageRequest,
) -> RowKey {
    let value = match page.sort {
        crate::live::query::SortField::Created => SortValue::Number(created),
        _ => SortValue::Text(name.to_lowercase()),
    };
    RowKey {
        value,
        environment_id: environment_id.0,
        id: id.to_string(),
    }
}

fn validate_container_name(name: &str) -> Result<(), CoreError> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "name",
            "must start with a letter or digit and use only letters, digits, '_', '.' and '-'",
        ))
    }
}

/// The engine's refusals about a container, in Berth's terms.
fn container_error(error: berth_docker::DockerError) -> CoreError {
    match error {
        berth_docker::DockerError::Rejected { status: 404, .. } => CoreError::NotFound("container"),
        other => other.into(),
    }
}
