//! One environment's mirror: a full sync, then the engine's event stream re-reading only what an event
//! names, a resync when the stream drops and on a slow safety interval. While the engine is away the model
//! is kept and marked stale, with the time of the last sync.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use berth_docker::{DockerError, EngineClient, EngineEndpoint, EngineEvent, EventScope};
use berth_model::{
    Change, ChangeKind, ContainerSummary, EnvironmentId, ImageSummary, NetworkSummary,
    SwarmResource, UnixTime, VolumeSummary,
};
use futures_util::StreamExt;
use tokio::sync::broadcast;

use crate::clock;

/// What Berth knows about one environment right now.
#[derive(Debug, Default)]
pub struct MirrorData {
    pub containers: HashMap<String, Arc<ContainerSummary>>,
    pub images: Arc<Vec<ImageSummary>>,
    pub volumes: Arc<Vec<VolumeSummary>>,
    pub networks: Arc<Vec<NetworkSummary>>,
    pub synced_at: Option<UnixTime>,
    /// True while the event stream is down: the data is what was true at `synced_at`.
    pub stale: bool,
    /// A client for the engine, present while connected.
    pub client: Option<EngineClient>,
    /// Present while the engine is a swarm manager.
    pub swarm: Option<super::swarm::SwarmData>,
}

const SAFETY_RESYNC: Duration = Duration::from_secs(300);
/// How long to gather a burst of events before re-reading what they name.
const BATCH_WINDOW: Duration = Duration::from_millis(15);
const MAX_BATCH: usize = 500;
const SWARM_SETTLE: Duration = Duration::from_secs(10);
const SWARM_SETTLE_TICK: Duration = Duration::from_secs(1);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Container event actions that can change what a list row shows. Others (exec_*, attach, resize, top,
/// archive copies) are frequent and change nothing listed.
const CONTAINER_ACTIONS: &[&str] = &[
    "create", "start", "restart", "stop", "die", "kill", "pause", "unpause", "destroy", "rename",
    "update", "oom",
];

/// Applies engine state to the shared data and announces what changed.
#[derive(Clone)]
pub(crate) struct Mirror {
    pub(crate) environment_id: EnvironmentId,
    pub(crate) data: Arc<RwLock<MirrorData>>,
    changes: broadcast::Sender<Arc<Change>>,
}

impl Mirror {
    pub(crate) fn new(
        environment_id: EnvironmentId,
        changes: broadcast::Sender<Arc<Change>>,
    ) -> Self {
        Mirror {
            environment_id,
            data: Arc::default(),
            changes,
        }
    }

    /// Keeps the mirror current until the task is aborted.
    pub(crate) async fn run(self, endpoint: EngineEndpoint) {
        let mut backoff = Duration::from_millis(500);
        loop {
            match self.follow(&endpoint, &mut backoff).await {
                Ok(()) => {
                    tracing::debug!(environment = %self.environment_id, "event stream ended; resyncing")
                }
                Err(error) => {
                    tracing::debug!(environment = %self.environment_id, %error, "mirror lost the engine")
                }
            }
            self.mark_stale();
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }

    async fn follow(
        &self,
        endpoint: &EngineEndpoint,
        backoff: &mut Duration,
    ) -> Result<(), DockerError> {
        let client = EngineClient::connect(endpoint.clone(), CONNECT_TIMEOUT).await?;
        // Events from a second before the sync are replayed, so nothing that happens during it is missed.
        let mut events = client.events(Some(clock::now() - 1));
        self.full_sync(&client).await?;
        *backoff = Duration::from_millis(500);
        let mut safety = tokio::time::interval(SAFETY_RESYNC);
        safety.tick().await;
        // Swarm task states settle after the events that started them, without events of their own:
        // for a while after swarm activity, tasks and services are re-read every second.
        let mut settle = tokio::time::interval(SWARM_SETTLE_TICK);
        let mut settle_until: Option<tokio::time::Instant> = None;
        loop {
            let settling = settle_until.is_some_and(|until| tokio::time::Instant::now() < until);
            tokio::select! {
                event = events.next() => match event {
                    Some(Ok(event)) => {
                        // Events come in bursts (a stack starting, a prune): gather what arrives within a
                        // few milliseconds and re-read the containers they name in one engine call.
                        let mut batch = vec![event];
                        let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
                        let mut ended = false;
                        while batch.len() < MAX_BATCH {
                            match tokio::time::timeout_at(deadline, events.next()).await {
                                Ok(Some(Ok(event))) => batch.push(event),
                                Ok(Some(Err(error))) => return Err(error),
                                Ok(None) => { ended = true; break; }
                                Err(_) => break,
                            }
                        }
                        if self.apply(&client, &batch).await? {
                            settle_until = Some(tokio::time::Instant::now() + SWARM_SETTLE);
                        }
                        if ended {
                            return Ok(());
                        }
                    }
                    Some(Err(error)) => return Err(error),
                    None => return Ok(()),
                },
                _ = settle.tick(), if settling => {
                    self.refresh_swarm(&client, &[SwarmResource::Tasks, SwarmResource::Services], None).await?;
                }
                _ = safety.tick() => self.full_sync(&client).await?,
            }
        }
    }

    /// Reads everything and announces the differences from what the mirror held.
    pub(crate) async fn full_sync(&self, client: &EngineClient) -> Result<(), DockerError> {
        let containers = client.containers().await?;
        let images = client.images().await?;
        let volumes = client.volumes().await?;
        let networks = client.networks().await?;
        let mut changes = Vec::new();
        {
            let mut data = self.data.write().expect("mirror lock poisoned");
            let mut fresh: HashMap<String, Arc<ContainerSummary>> =
                HashMap::with_capacity(containers.len());
            for container in containers {
                if let Some(kind) = classify(
                    data.containers.get(&container.id).map(Arc::as_ref),
                    &container,
                ) {
                    changes.push(kind);
                }
                fresh.insert(container.id.clone(), Arc::new(container));
            }
            for id in data.containers.keys() {
                if !fresh.contains_key(id) {
                    changes.push(ChangeKind::ContainerRemoved { id: id.clone() });
                }
            }
            data.containers = fresh;
            replace_list(
                &mut data.images,
                images,
                ChangeKind::ImagesChanged,
                &mut changes,
            );
            replace_list(
                &mut data.volumes,
                volumes,
                ChangeKind::VolumesChanged,
                &mut changes,
            );
            replace_list(
                &mut data.networks,
                networks,
                ChangeKind::NetworksChanged,
                &mut changes,
            );
            data.synced_at = Some(clock::now());
            data.stale = false;
            data.client = Some(client.clone());
        }
        for kind in changes {
            self.announce(kind, None);
        }
        self.sync_swarm(client).await
    }

    /// Applies a batch of events: containers they name are re-read together; lists they touch are re-read once.
    /// Returns whether the batch touched the swarm.
    async fn apply(
        &self,
        client: &EngineClient,
        batch: &[EngineEvent],
    ) -> Result<bool, DockerError> {
        // The latest event time per container, in the order containers were first named.
        let mut containers: Vec<(String, i64)> = Vec::new();
        let mut touched = [None::<i64>; 3];
        let mut swarm: Vec<(SwarmResource, i64)> = Vec::new();
        let mut swarm_touched = |resource: SwarmResource, time: i64| match swarm
            .iter_mut()
            .find(|(r, _)| *r == resource)
        {
            Some(entry) => entry.1 = time,
            None => swarm.push((resource, time)),
        };
        for event in batch {
            match event.scope {
                EventScope::Container => {
                    let action = event.action.split(':').next().unwrap_or_default().trim();
                    if action != "health_status" && !CONTAINER_ACTIONS.contains(&action) {
                        continue;
                    }
                    match containers.iter_mut().find(|(id, _)| *id == event.actor_id) {
                        Some(entry) => entry.1 = event.time_nanos,
                        None => containers.push((event.actor_id.clone(), event.time_nanos)),
                    }
                }
                EventScope::Image => touched[0] = Some(event.time_nanos),
                EventScope::Volume => touched[1] = Some(event.time_nanos),
                EventScope::Network => touched[2] = Some(event.time_nanos),
                EventScope::Service => {
                    swarm_touched(SwarmResource::Services, event.time_nanos);
                    swarm_touched(SwarmResource::Tasks, event.time_nanos);
                }
                EventScope::Node => swarm_touched(SwarmResource::Nodes, event.time_nanos),
                EventScope::Secret => swarm_touched(SwarmResource::Secrets, event.time_nanos),
                EventScope::Config => swarm_touched(SwarmResource::Configs, event.time_nanos),
                EventScope::Other => {}
            }
        }
        // Tasks have no events of their own; their containers do.
        if let Some((_, time)) = containers.last()
            && self.has_swarm()
        {
            // A task's state follows its container, and a service's running count follows its tasks.
            swarm_touched(SwarmResource::Tasks, *time);
            swarm_touched(SwarmResource::Services, *time);
        }
        if !containers.is_empty() {
            let ids: Vec<String> = containers.iter().map(|(id, _)| id.clone()).collect();
            let found = client.containers_by_id(&ids).await?;
            for (id, time) in containers {
                match found.iter().find(|container| container.id == id) {
                    Some(container) => self.upsert(Arc::new(container.clone()), Some(time)),
                    None => self.remove_container(&id, Some(time)),
                }
            }
        }
        if let Some(time) = touched[0] {
            let images = client.images().await?;
            self.replace_and_announce(
                |data| &mut data.images,
                images,
                ChangeKind::ImagesChanged,
                Some(time),
            );
        }
        if let Some(time) = touched[1] {
            let volumes = client.volumes().await?;
            self.replace_and_announce(
                |data| &mut data.volumes,
                volumes,
                ChangeKind::VolumesChanged,
                Some(time),
            );
        }
        if let Some(time) = touched[2] {
            let networks = client.networks().await?;
            self.replace_and_announce(
                |data| &mut data.networks,
                networks,
                ChangeKind::NetworksChanged,
                Some(time),
            );
        }
        if !swarm.is_empty() {
            if self.has_swarm() {
                let resources: Vec<SwarmResource> =
                    swarm.iter().map(|(resource, _)| *resource).collect();
                let time = swarm.iter().map(|(_, time)| *time).max();
                self.refresh_swarm(client, &resources, time).await?;
            } else {
                // The engine may just have created or joined a swarm.
                self.sync_swarm(client).await?;
            }
        }
        Ok(!swarm.is_empty() && self.has_swarm())
    }

    fn upsert(&self, container: Arc<ContainerSummary>, engine_time_nanos: Option<i64>) {
        let kind = {
            let mut data = self.data.write().expect("mirror lock poisoned");
            let previous = data
                .containers
                .insert(container.id.clone(), container.clone());
            classify(previous.as_deref(), &container)
        };
        if let Some(kind) = kind {
            self.announce(kind, engine_time_nanos);
        }
    }

    /// Re-reads one container and announces how it changed; returns what the mirror now holds.
    pub(crate) async fn refresh_container(
        &self,
        client: &EngineClient,
        id: &str,
        engine_time_nanos: Option<i64>,
    ) -> Result<Option<Arc<ContainerSummary>>, DockerError> {
        let Some(container) = client.find_container(id).await? else {
            self.remove_container(id, engine_time_nanos);
            return Ok(None);
        };
        let container = Arc::new(container);
        self.upsert(container.clone(), engine_time_nanos);
        Ok(Some(container))
    }

    pub(crate) fn remove_container(&self, id: &str, engine_time_nanos: Option<i64>) {
        let removed = self
            .data
            .write()
            .expect("mirror lock poisoned")
            .containers
            .remove(id);
        if removed.is_some() {
            self.announce(
                ChangeKind::ContainerRemoved { id: id.to_string() },
                engine_time_nanos,
            );
        }
    }

    fn replace_and_announce<T: PartialEq>(
        &self,
        field: impl FnOnce(&mut MirrorData) -> &mut Arc<Vec<T>>,
        fresh: Vec<T>,
        kind: ChangeKind,
        engine_time_nanos: Option<i64>,
    ) {
        let mut changes = Vec::new();
        {
            let mut data = self.data.write().expect("mirror lock poisoned");
            replace_list(field(&mut data), fresh, kind, &mut changes);
        }
        for kind in changes {
            self.announce(kind, engine_time_nanos);
        }
    }

    fn mark_stale(&self) {
        let mut data = self.data.write().expect("mirror lock poisoned");
        data.stale = true;
        data.client = None;
    }

    pub(super) fn announce(&self, kind: ChangeKind, engine_time_nanos: Option<i64>) {
        // No subscribers is fine: nobody is watching.
        let _ = self.changes.send(Arc::new(Change {
            environment_id: self.environment_id,
            kind,
            engine_time_nanos,
        }));
    }
}

fn replace_list<T: PartialEq>(
    current: &mut Arc<Vec<T>>,
    fresh: Vec<T>,
    kind: ChangeKind,
    changes: &mut Vec<ChangeKind>,
) {
    if current.as_slice() != fresh.as_slice() {
        *current = Arc::new(fresh);
        changes.push(kind);
    }
}

/// How a container changed, if it did.
fn classify(previous: Option<&ContainerSummary>, current: &ContainerSummary) -> Option<ChangeKind> {
    match previous {
        None => Some(ChangeKind::ContainerCreated(current.clone())),
        Some(previous) if previous.state != current.state => {
            Some(ChangeKind::ContainerStateChanged(current.clone()))
        }
        Some(previous) if previous.health != current.health => {
            Some(ChangeKind::ContainerHealthChanged(current.clone()))
        }
        Some(previous) if previous != current && previous.name != current.name => {
            Some(ChangeKind::ContainerUpdated(current.clone()))
        }
        // The status text ("Up 5 minutes") ages by itself; on its own it is not news.
        Some(previous) if previous != current && !only_status_differs(previous, current) => {
            Some(ChangeKind::ContainerUpdated(current.clone()))
        }
        Some(_) => None,
    }
}

fn only_status_differs(a: &ContainerSummary, b: &ContainerSummary) -> bool {
    let mut a = a.clone();
    a.status = b.status.clone();
    &a == b
}
