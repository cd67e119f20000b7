//! Swarm resources from a manager engine: services (with task counts), tasks, nodes, configs and secrets,
//! turned into the model's summaries.

use berth_model::{NodeSummary, ServiceSummary, SwarmObjectSummary, TaskSummary};
use bollard::query_parameters::ListServicesOptionsBuilder;
use serde::Serialize;

use crate::{DockerError, EngineClient};

/// An engine enum's wire name ("running", "manager"), whatever bollard calls the variant.
fn wire_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl EngineClient {
    /// True when the engine manages a swarm, so swarm resources can be listed.
    pub async fn is_swarm_manager(&self) -> Result<bool, DockerError> {
        let info = self.docker.info().await?;
        Ok(info
            .swarm
            .and_then(|swarm| swarm.control_available)
            .unwrap_or(false))
    }

    pub async fn services(&self) -> Result<Vec<ServiceSummary>, DockerError> {
        let options = ListServicesOptionsBuilder::default().status(true).build();
        let services = self.docker.list_services(Some(options)).await?;
        Ok(services
            .into_iter()
            .map(|service| {
                let spec = service.spec.unwrap_or_default();
                let mode = spec.mode.as_ref().map(|mode| {
                    if mode.global.is_some() {
                        "global"
                    } else if mode.replicated_job.is_some() {
                        "replicated-job"
                    } else if mode.global_job.is_some() {
                        "global-job"
                    } else {
                        "replicated"
                    }
                });
                let status = service.service_status.unwrap_or_default();
                ServiceSummary {
                    id: service.id.unwrap_or_default(),
                    name: spec.name.unwrap_or_default(),
                    image: spec
                        .task_template
                        .and_then(|template| template.container_spec)
                        .and_then(|container| container.image)
                        .map(|image| image.split('@').next().unwrap_or_default().to_string())
                        .unwrap_or_default(),
                    mode: mode.unwrap_or("replicated").to_string(),
                    desired_tasks: status.desired_tasks,
                    running_tasks: status.running_tasks,
                    labels: spec.labels.unwrap_or_default().into_iter().collect(),
                    updated_at: service.updated_at.map(|date| date.to_string()),
                }
            })
            .collect())
    }

    pub async fn tasks(&self) -> Result<Vec<TaskSummary>, DockerError> {
        let tasks = self
            .docker
            .list_tasks(None::<bollard::query_parameters::ListTasksOptions>)
            .await?;
        Ok(tasks
            .into_iter()
            .map(|task| {
                let status = task.status.unwrap_or_default();
                TaskSummary {
                    id: task.id.unwrap_or_default(),
                    service_id: task.service_id.unwrap_or_default(),
                    node_id: task.node_id.unwrap_or_default(),
                    slot: task.slot,
                    state: status.state.as_ref().map(wire_name).unwrap_or_default(),
                    desired_state: task
                        .desired_state
                        .as_ref()
                        .map(wire_name)
                        .unwrap_or_default(),
                    message: status.message.unwrap_or_default(),
                    error: status.err.filter(|error| !error.is_empty()),
                    container_id: status
                        .container_status
                        .and_then(|container| container.container_id),
                    updated_at: task.updated_at.map(|date| date.to_string()),
                }
            })
            .collect())
    }

    pub async fn nodes(&self) -> Result<Vec<NodeSummary>, DockerError> {
        let nodes = self
            .docker
            .list_nodes(None::<bollard::query_parameters::ListNodesOptions>)
            .await?;
        Ok(nodes
            .into_iter()
            .map(|node| {
                let spec = node.spec.unwrap_or_default();
                let description = node.description.unwrap_or_default();
                let status = node.status.unwrap_or_default();
                NodeSummary {
                    id: node.id.unwrap_or_default(),
                    hostname: description.hostname.unwrap_or_default(),
                    role: spec.role.as_ref().map(wire_name).unwrap_or_default(),
                    availability: spec
                        .availability
                        .as_ref()
                        .map(wire_name)
                        .unwrap_or_default(),
                    state: status.state.as_ref().map(wire_name).unwrap_or_default(),
                    address: status.addr,
                    engine_version: description.engine.and_then(|engine| engine.engine_version),
                    leader: node
                        .manager_status
                        .and_then(|manager| manager.leader)
                        .unwrap_or(false),
                    labels: spec.labels.unwrap_or_default().into_iter().collect(),
                }
            })
            .collect())
    }

    pub async fn configs(&self) -> Result<Vec<SwarmObjectSummary>, DockerError> {
        let configs = self
            .docker
            .list_configs(None::<bollard::query_parameters::ListConfigsOptions>)
            .await?;
        Ok(configs
            .into_iter()
            .map(|config| {
                let spec = config.spec.unwrap_or_default();
                SwarmObjectSummary {
                    id: config.id.unwrap_or_default(),
                    name: spec.name.unwrap_or_default(),
                    labels: spec.labels.unwrap_or_default().into_iter().collect(),
                    created_at: config.created_at.map(|date| date.to_string()),
                    updated_at: config.updated_at.map(|date| date.to_string()),
                }
            })
            .collect())
    }

    pub async fn secrets(&self) -> Result<Vec<SwarmObjectSummary>, DockerError> {
        let secrets = self
            .docker
            .list_secrets(None::<bollard::query_parameters::ListSecretsOptions>)
            .await?;
        Ok(secrets
            .into_iter()
            .map(|secret| {
                let spec = secret.spec.unwrap_or_default();
                SwarmObjectSummary {
                    id: secret.id.unwrap_or_default(),
                    name: spec.name.unwrap_or_default(),
                    labels: spec.labels.unwrap_or_default().into_iter().collect(),
                    created_at: secret.created_at.map(|date| date.to_string()),
                    updated_at: secret.updated_at.map(|date| date.to_string()),
                }
            })
            .collect())
    }
}
