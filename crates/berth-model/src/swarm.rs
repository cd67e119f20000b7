//! Swarm resources as list rows show them, for environments whose engine is a swarm manager.

use std::collections::BTreeMap;

/// Which kind of swarm resource changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwarmResource {
    Services,
    Tasks,
    Nodes,
    Configs,
    Secrets,
}

impl SwarmResource {
    pub fn as_str(self) -> &'static str {
        match self {
            SwarmResource::Services => "services",
            SwarmResource::Tasks => "tasks",
            SwarmResource::Nodes => "nodes",
            SwarmResource::Configs => "configs",
            SwarmResource::Secrets => "secrets",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSummary {
    pub id: String,
    pub name: String,
    pub image: String,
    /// `replicated`, `global`, `replicated-job` or `global-job`.
    pub mode: String,
    pub desired_tasks: Option<u64>,
    pub running_tasks: Option<u64>,
    pub labels: BTreeMap<String, String>,
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSummary {
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSummary {
    pub id: String,
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    pub availability: String,
    pub state: String,
    pub address: Option<String>,
    pub engine_version: Option<String>,
    pub leader: bool,
    pub labels: BTreeMap<String, String>,
}

/// A config or a secret: only names and labels; a secret's value is never readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmObjectSummary {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}
