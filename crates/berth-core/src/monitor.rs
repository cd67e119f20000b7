//! Background health checks: one task per environment asks its engine for its version on an interval,
//! with short timeouts, so an unreachable engine is marked down within seconds and never slows anyone else.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use berth_docker::{DockerError, EngineClient, EngineEndpoint, EngineInfo};
use berth_model::{
    Change, ChangeKind, Environment, EnvironmentHealth, EnvironmentId, EnvironmentStatus,
};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::{CoreError, clock};

const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Connects and asks the engine its version, within `PROBE_TIMEOUT` overall.
pub(crate) async fn probe(endpoint: &EngineEndpoint) -> Result<EngineInfo, DockerError> {
    let check = async {
        let client = EngineClient::connect(endpoint.clone(), PROBE_TIMEOUT).await?;
        client.info(PROBE_TIMEOUT).await
    };
    tokio::time::timeout(PROBE_TIMEOUT, check)
        .await
        .map_err(|_| DockerError::Timeout {
            address: endpoint.address().to_url(),
            timeout: PROBE_TIMEOUT,
        })?
}

#[derive(Default)]
struct MonitorState {
    statuses: HashMap<EnvironmentId, EnvironmentStatus>,
    tasks: HashMap<EnvironmentId, JoinHandle<()>>,
}

/// Holds every environment's latest status and the tasks that refresh it.
#[derive(Clone)]
pub(crate) struct Monitor {
    interval: Duration,
    state: Arc<RwLock<MonitorState>>,
    /// Where "environment up/down" is announced.
    changes: broadcast::Sender<Arc<Change>>,
}

impl Monitor {
    pub(crate) fn new(interval: Duration, changes: broadcast::Sender<Arc<Change>>) -> Self {
        Monitor {
            interval,
            state: Arc::default(),
            changes,
        }
    }

    pub(crate) fn status(&self, id: EnvironmentId) -> EnvironmentStatus {
        self.state
            .read()
            .expect("monitor lock poisoned")
            .statuses
            .get(&id)
            .cloned()
            .unwrap_or_default()
    }

    /// Starts (or restarts, after a change) checking `environment`, beginning now.
    pub(crate) fn watch(
        &self,
        environment: &Environment,
        endpoint: Result<EngineEndpoint, CoreError>,
    ) {
        let id = environment.id;
        let monitor = self.clone();
        // The lock is held while spawning so the task's first result finds itself registered.
        let mut state = self.state.write().expect("monitor lock poisoned");
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(monitor.interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let result = match &endpoint {
                    Ok(endpoint) => probe(endpoint).await.map_err(|error| error.to_string()),
                    Err(error) => Err(error.to_string()),
                };
                monitor.record(id, result);
            }
        });
        state.statuses.remove(&id);
        if let Some(previous) = state.tasks.insert(id, task) {
            previous.abort();
        }
    }

    pub(crate) fn unwatch(&self, id: EnvironmentId) {
        let mut state = self.state.write().expect("monitor lock poisoned");
        state.statuses.remove(&id);
        if let Some(task) = state.tasks.remove(&id) {
            task.abort();
        }
    }

    pub(crate) fn stop(&self) {
        let mut state = self.state.write().expect("monitor lock poisoned");
        for (_, task) in state.tasks.drain() {
            task.abort();
        }
    }

    fn record(&self, id: EnvironmentId, result: Result<EngineInfo, String>) {
        let now = clock::now();
        let mut state = self.state.write().expect("monitor lock poisoned");
        if !state.tasks.contains_key(&id) {
            return;
        }
        let previous = state.statuses.get(&id).cloned().unwrap_or_default();
        let health = if result.is_ok() {
            EnvironmentHealth::Up
        } else {
            EnvironmentHealth::Down
        };
        let since = if previous.health == health {
            previous.since
        } else {
            if previous.health != EnvironmentHealth::Unknown {
                match &result {
                    Ok(_) => tracing::info!(environment = %id, "environment is up again"),
                    Err(error) => tracing::warn!(environment = %id, %error, "environment is down"),
                }
            }
            let kind = match &result {
                Ok(_) => ChangeKind::EnvironmentUp,
                Err(error) => ChangeKind::EnvironmentDown {
                    error: error.clone(),
                },
            };
            let _ = self.changes.send(Arc::new(Change {
                environment_id: id,
                kind,
                engine_time_nanos: None,
            }));
            Some(now)
        };
        let status = match result {
            Ok(info) => EnvironmentStatus {
                health,
                engine_version: Some(info.version),
                api_version: Some(info.api_version),
                last_checked_at: Some(now),
                since,
                last_error: None,
            },
            Err(error) => EnvironmentStatus {
                health,
                // What was last known about the engine stays visible while it is down.
                engine_version: previous.engine_version,
                api_version: previous.api_version,
                last_checked_at: Some(now),
                since,
                last_error: Some(error),
            },
        };
        state.statuses.insert(id, status);
    }
}
