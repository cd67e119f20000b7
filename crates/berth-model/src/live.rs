//! What Berth knows live about an environment's resources: compact summaries for list rows, the changes
//! the feed announces, and one-second resource samples.

use std::collections::BTreeMap;

use crate::{EnvironmentId, UnixTime};

/// A container's lifecycle state, as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

impl ContainerState {
    pub fn parse(value: &str) -> Option<ContainerState> {
        Some(match value {
            "created" => ContainerState::Created,
            "running" => ContainerState::Running,
            "paused" => ContainerState::Paused,
            "restarting" => ContainerState::Restarting,
            "removing" => ContainerState::Removing,
            "exited" => ContainerState::Exited,
            "dead" => ContainerState::Dead,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Removing => "removing",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
        }
    }
}

/// A container's health check result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerHealth {
    /// No health check configured.
    None,
    Starting,
    Healthy,
    Unhealthy,
}

impl ContainerHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerHealth::None => "none",
            ContainerHealth::Starting => "starting",
            ContainerHealth::Healthy => "healthy",
            ContainerHealth::Unhealthy => "unhealthy",
        }
    }

    pub fn parse(value: &str) -> Option<ContainerHealth> {
        Some(match value {
            "none" => ContainerHealth::None,
            "starting" => ContainerHealth::Starting,
            "healthy" => ContainerHealth::Healthy,
            "unhealthy" => ContainerHealth::Unhealthy,
            _ => return None,
        })
    }
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortMapping {
    pub private_port: u16,
    pub public_port: Option<u16>,
    pub host_ip: Option<String>,
    pub protocol: String,
}

/// What a container list row shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub command: String,
    pub state: ContainerState,
    /// The engine's words, e.g. "Up 5 minutes (healthy)".
    pub status: String,
    pub health: ContainerHealth,
    pub created: UnixTime,
    pub ports: Vec<PortMapping>,
    pub labels: BTreeMap<String, String>,
    pub networks: Vec<String>,
}

/// The compose label that names a container's (or volume's, network's) stack.
pub const STACK_LABEL: &str = "com.docker.compose.project";

impl ContainerSummary {
    /// The stack (compose project) the container belongs to, if any.
    pub fn stack(&self) -> Option<&str> {
        self.labels.get(STACK_LABEL).map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSummary {
    pub id: String,
    pub tags: Vec<String>,
    pub size: i64,
    pub created: UnixTime,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSummary {
    pub name: String,
    pub driver: String,
    pub mountpoint: String,
    pub created_at: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSummary {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
}

/// Something that changed in an environment, as the change feed announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    ContainerCreated(ContainerSummary),
    ContainerStateChanged(ContainerSummary),
    ContainerHealthChanged(ContainerSummary),
    /// Another field changed (a rename, say).
    ContainerUpdated(ContainerSummary),
    ContainerRemoved {
        id: String,
    },
    ImagesChanged,
    VolumesChanged,
    NetworksChanged,
    SwarmChanged(crate::SwarmResource),
    EnvironmentUp,
    EnvironmentDown {
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub environment_id: EnvironmentId,
    pub kind: ChangeKind,
    /// When the engine reported the event (nanoseconds since the epoch), when it came from one.
    pub engine_time_nanos: Option<i64>,
}

/// One resource-use sample of a container.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSample {
    /// Milliseconds since the epoch.
    pub read_at_ms: i64,
    pub cpu_percent: f64,
    pub online_cpus: u32,
    pub memory_usage: u64,
    /// What `docker stats` shows: usage less inactive page cache.
    pub memory_usage_without_cache: u64,
    pub memory_limit: u64,
    pub network_rx_bytes: u64,
    pub network_tx_bytes: u64,
    pub block_read_bytes: u64,
    pub block_write_bytes: u64,
    pub pids: u64,
    /// `cgroup` when read from the kernel directly, `engine` when from the Docker stats API.
    pub source: StatsSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatsSource {
    Cgroup,
    Engine,
}

impl StatsSource {
    pub fn as_str(self) -> &'static str {
        match self {
            StatsSource::Cgroup => "cgroup",
            StatsSource::Engine => "engine",
        }
    }
}
