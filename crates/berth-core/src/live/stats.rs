//! Stats with fan-out: however many viewers watch a container, one upstream stream feeds them all, and it
//! closes a couple of seconds after the last viewer leaves. For engines on this machine the upstream reads
//! the container's cgroup directly; otherwise it is the engine's stats API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use berth_docker::{CgroupReader, EngineClient};
use berth_model::{EnvironmentId, StatsSample};
use futures_util::StreamExt;
use tokio::sync::broadcast;

/// Where samples should come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatsPreference {
    /// The cgroup files when this machine can read them, else the engine.
    Auto,
    /// Always the engine's stats API.
    Engine,
}

type StatsKey = (EnvironmentId, String, StatsPreference);
type Streams = Arc<Mutex<HashMap<StatsKey, broadcast::Sender<Arc<StatsSample>>>>>;

/// How long an upstream stream outlives its last viewer (a page reload should not restart it).
const LINGER: Duration = Duration::from_secs(2);

#[derive(Default)]
pub(crate) struct StatsHub {
    streams: Streams,
}

impl StatsHub {
    /// Joins the stream for a container, starting it if nobody watches it yet.
    pub(crate) fn subscribe(
        &self,
        environment_id: EnvironmentId,
        container_id: &str,
        preference: StatsPreference,
        client: EngineClient,
        local_engine: bool,
    ) -> broadcast::Receiver<Arc<StatsSample>> {
        let key = (environment_id, container_id.to_string(), preference);
        let mut streams = self.streams.lock().expect("stats lock poisoned");
        if let Some(sender) = streams.get(&key) {
            return sender.subscribe();
        }
        let (sender, receiver) = broadcast::channel(4);
        streams.insert(key.clone(), sender.clone());
        let cgroup_allowed = local_engine && preference == StatsPreference::Auto;
        tokio::spawn(upstream(
            self.streams.clone(),
            key,
            sender,
            client,
            cgroup_allowed,
        ));
        receiver
    }

    /// How many upstream streams are open.
    pub(crate) fn upstreams(&self) -> usize {
        self.streams.lock().expect("stats lock poisoned").len()
    }
}

async fn upstream(
    streams: Streams,
    key: StatsKey,
    sender: broadcast::Sender<Arc<StatsSample>>,
    client: EngineClient,
    cgroup_allowed: bool,
) {
    let container_id = key.1.clone();
    let mut idle_since = None;
    let cgroup = if cgroup_allowed {
        match client.container_pid(&container_id).await {
            Ok(Some(pid)) => CgroupReader::locate(pid),
            _ => None,
        }
    } else {
        None
    };
    match cgroup {
        Some(mut reader) => {
            tracing::debug!(container = %container_id, "stats from cgroup files");
            let mut ticker = tokio::time::interval(Duration::from_secs(1));
            loop {
                ticker.tick().await;
                match reader.sample() {
                    Ok(sample) => {
                        let _ = sender.send(Arc::new(sample));
                    }
                    // The container stopped: its cgroup is gone.
                    Err(_) => break,
                }
                if last_viewer_gone(&streams, &key, &sender, &mut idle_since) {
                    return;
                }
            }
        }
        None => {
            tracing::debug!(container = %container_id, "stats from the engine");
            let mut samples = client.stats(&container_id);
            loop {
                tokio::select! {
                    sample = samples.next() => match sample {
                        Some(Ok(sample)) => { let _ = sender.send(Arc::new(sample)); }
                        _ => break,
                    },
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                if last_viewer_gone(&streams, &key, &sender, &mut idle_since) {
                    return;
                }
            }
        }
    }
    // Ended by itself; the next viewer starts afresh.
    let mut streams = streams.lock().expect("stats lock poisoned");
    if streams
        .get(&key)
        .is_some_and(|current| current.same_channel(&sender))
    {
        streams.remove(&key);
    }
}

/// True (and the stream unregistered) once nobody has watched for `LINGER`. Checked under the lock that
/// `subscribe` takes, so a viewer arriving at that moment is never left on a dead stream.
fn last_viewer_gone(
    streams: &Streams,
    key: &StatsKey,
    sender: &broadcast::Sender<Arc<StatsSample>>,
    idle_since: &mut Option<Instant>,
) -> bool {
    if sender.receiver_count() > 0 {
        *idle_since = None;
        return false;
    }
    let since = *idle_since.get_or_insert_with(Instant::now);
    if since.elapsed() < LINGER {
        return false;
    }
    let mut streams = streams.lock().expect("stats lock poisoned");
    if sender.receiver_count() > 0 {
        *idle_since = None;
        return false;
    }
    streams.remove(key);
    true
}
