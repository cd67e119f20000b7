//! The swarm part of an environment's mirror: services, tasks, nodes, configs and secrets, read when the
//! engine is a swarm manager and re-read when an event names their kind.

use std::sync::Arc;

use berth_docker::{DockerError, EngineClient};
use berth_model::{
    ChangeKind, NodeSummary, ServiceSummary, SwarmObjectSummary, SwarmResource, TaskSummary,
};

use super::mirror::Mirror;

/// What the mirror holds of a swarm.
#[derive(Debug, Default, Clone)]
pub struct SwarmData {
    pub services: Arc<Vec<ServiceSummary>>,
    pub tasks: Arc<Vec<TaskSummary>>,
    pub nodes: Arc<Vec<NodeSummary>>,
    pub configs: Arc<Vec<SwarmObjectSummary>>,
    pub secrets: Arc<Vec<SwarmObjectSummary>>,
}

const ALL: [SwarmResource; 5] = [
    SwarmResource::Services,
    SwarmResource::Tasks,
    SwarmResource::Nodes,
    SwarmResource::Configs,
    SwarmResource::Secrets,
];

impl Mirror {
    /// Reads every swarm resource if the engine manages a swarm, and announces what changed.
    pub(crate) async fn sync_swarm(&self, client: &EngineClient) -> Result<(), DockerError> {
        if client.is_swarm_manager().await? {
            self.refresh_swarm(client, &ALL, None).await
        } else {
            let previous = self
                .data
                .write()
                .expect("mirror lock poisoned")
                .swarm
                .take();
            if previous.is_some() {
                for resource in ALL {
                    self.announce(ChangeKind::SwarmChanged(resource), None);
                }
            }
            Ok(())
        }
    }

    /// Re-reads the named swarm resources and announces those that changed.
    pub(crate) async fn refresh_swarm(
        &self,
        client: &EngineClient,
        resources: &[SwarmResource],
        engine_time_nanos: Option<i64>,
    ) -> Result<(), DockerError> {
        let mut fresh = self
            .data
            .read()
            .expect("mirror lock poisoned")
            .swarm
            .clone()
            .unwrap_or_default();
        let previous = fresh.clone();
        for resource in resources {
            match resource {
                SwarmResource::Services => fresh.services = Arc::new(client.services().await?),
                SwarmResource::Tasks => fresh.tasks = Arc::new(client.tasks().await?),
                SwarmResource::Nodes => fresh.nodes = Arc::new(client.nodes().await?),
                SwarmResource::Configs => fresh.configs = Arc::new(client.configs().await?),
                SwarmResource::Secrets => fresh.secrets = Arc::new(client.secrets().await?),
            }
        }
        let changed: Vec<SwarmResource> = ALL
            .into_iter()
            .filter(|resource| match resource {
                SwarmResource::Services => previous.services != fresh.services,
                SwarmResource::Tasks => previous.tasks != fresh.tasks,
                SwarmResource::Nodes => previous.nodes != fresh.nodes,
                SwarmResource::Configs => previous.configs != fresh.configs,
                SwarmResource::Secrets => previous.secrets != fresh.secrets,
            })
            .collect();
        let was_swarm = {
            let mut data = self.data.write().expect("mirror lock poisoned");
            data.swarm.replace(fresh).is_some()
        };
        let announced = if was_swarm { changed } else { ALL.to_vec() };
        for resource in announced {
            self.announce(ChangeKind::SwarmChanged(resource), engine_time_nanos);
        }
        Ok(())
    }

    pub(crate) fn has_swarm(&self) -> bool {
        self.data
            .read()
            .expect("mirror lock poisoned")
            .swarm
            .is_some()
    }
}
