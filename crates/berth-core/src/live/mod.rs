//! Live state: an event-driven mirror of every environment, the change feed fed by it, and shared stats
//! streams. Lists are answered from here, never by asking an engine.

mod feed;
mod mirror;
pub mod query;
mod stats;
mod swarm;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use berth_docker::{EngineClient, EngineEndpoint};
use berth_model::{Change, EnvironmentId, ImageSummary, NetworkSummary, UnixTime, VolumeSummary};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

pub use feed::{FeedItem, FeedSubscription};
pub(crate) use mirror::Mirror;
use query::ContainerRow;
pub(crate) use stats::StatsHub;
pub use stats::StatsPreference;
pub use swarm::SwarmData;

/// How fresh an environment's mirror is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MirrorStatus {
    pub synced_at: Option<UnixTime>,
    pub stale: bool,
}

pub(crate) struct LiveState {
    mirrors: RwLock<HashMap<EnvironmentId, (Mirror, JoinHandle<()>)>>,
    changes: broadcast::Sender<Arc<Change>>,
    pub(crate) stats: StatsHub,
}

impl LiveState {
    /// `feed_capacity` bounds how far a slow feed consumer may fall behind before it is told to resync.
    pub(crate) fn new(feed_capacity: usize) -> Self {
        let (changes, _) = broadcast::channel(feed_capacity.max(1));
        LiveState {
            mirrors: RwLock::new(HashMap::new()),
            changes,
            stats: StatsHub::default(),
        }
    }

    pub(crate) fn changes(&self) -> broadcast::Sender<Arc<Change>> {
        self.changes.clone()
    }

    /// Starts (or restarts, after a change of address) mirroring an environment.
    pub(crate) fn watch(&self, id: EnvironmentId, endpoint: EngineEndpoint) {
        let mirror = Mirror::new(id, self.changes.clone());
        let task = tokio::spawn(mirror.clone().run(endpoint));
        if let Some((_, previous)) = self
            .mirrors
            .write()
            .expect("live lock poisoned")
            .insert(id, (mirror, task))
        {
            previous.abort();
        }
    }

    pub(crate) fn unwatch(&self, id: EnvironmentId) {
        if let Some((_, task)) = self
            .mirrors
            .write()
            .expect("live lock poisoned")
            .remove(&id)
        {
            task.abort();
        }
    }

    pub(crate) fn stop(&self) {
        for (_, (_, task)) in self.mirrors.write().expect("live lock poisoned").drain() {
            task.abort();
        }
    }

    pub(crate) fn mirror(&self, id: EnvironmentId) -> Option<Mirror> {
        self.mirrors
            .read()
            .expect("live lock poisoned")
            .get(&id)
            .map(|(mirror, _)| mirror.clone())
    }

    /// A client for the environment's engine, while its mirror is connected.
    pub(crate) fn client(&self, id: EnvironmentId) -> Option<EngineClient> {
        let mirror = self.mirror(id)?;
        let data = mirror.data.read().expect("mirror lock poisoned");
        data.client.clone()
    }

    pub(crate) fn status(&self, id: EnvironmentId) -> MirrorStatus {
        let Some(mirror) = self.mirror(id) else {
            return MirrorStatus::default();
        };
        let data = mirror.data.read().expect("mirror lock poisoned");
        MirrorStatus {
            synced_at: data.synced_at,
            stale: data.stale || data.synced_at.is_none(),
        }
    }

    /// Every mirrored container of the given environments; rows share the mirror's data.
    pub(crate) fn containers(&self, ids: &[EnvironmentId]) -> Vec<ContainerRow> {
        let mut rows = Vec::new();
        for id in ids {
            if let Some(mirror) = self.mirror(*id) {
                let data = mirror.data.read().expect("mirror lock poisoned");
                rows.extend(
                    data.containers
                        .values()
                        .map(|container| (*id, container.clone())),
                );
            }
        }
        rows
    }

    pub(crate) fn images(&self, id: EnvironmentId) -> Arc<Vec<ImageSummary>> {
        self.mirror(id)
            .map(|m| m.data.read().expect("mirror lock poisoned").images.clone())
            .unwrap_or_default()
    }

    pub(crate) fn volumes(&self, id: EnvironmentId) -> Arc<Vec<VolumeSummary>> {
        self.mirror(id)
            .map(|m| m.data.read().expect("mirror lock poisoned").volumes.clone())
            .unwrap_or_default()
    }

    pub(crate) fn networks(&self, id: EnvironmentId) -> Arc<Vec<NetworkSummary>> {
        self.mirror(id)
            .map(|m| {
                m.data
                    .read()
                    .expect("mirror lock poisoned")
                    .networks
                    .clone()
            })
            .unwrap_or_default()
    }

    /// The environment's swarm resources, when its engine is a swarm manager.
    pub(crate) fn swarm(&self, id: EnvironmentId) -> Option<SwarmData> {
        self.mirror(id)?
            .data
            .read()
            .expect("mirror lock poisoned")
            .swarm
            .clone()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    pub(crate) fn subscriber_count(&self) -> usize {
        self.changes.receiver_count()
    }
}
