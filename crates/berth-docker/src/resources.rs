//! Reading an engine's resources for the live mirror, and acting on containers: bollard calls, with the
//! engine's shapes turned into Berth's compact summaries here and nowhere else.

use std::collections::{BTreeMap, HashMap};

use berth_model::{
    ContainerHealth, ContainerState, ContainerSummary, ImageSummary, NetworkSummary, PortMapping,
    VolumeSummary,
};
use bollard::models::{ContainerSummaryStateEnum, PortSummaryTypeEnum};
use bollard::query_parameters::{
    KillContainerOptionsBuilder, ListContainersOptionsBuilder, ListImagesOptionsBuilder,
    RemoveContainerOptionsBuilder, RenameContainerOptionsBuilder, RestartContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};

use crate::{DockerError, EngineClient};

/// What can be done to a container with one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerAction {
    Start,
    /// Seconds to wait before killing; the engine's default when `None`.
    Stop {
        timeout: Option<i32>,
    },
    Restart {
        timeout: Option<i32>,
    },
    Kill {
        signal: Option<String>,
    },
    Pause,
    Unpause,
    Remove {
        force: bool,
        volumes: bool,
    },
    Rename {
        name: String,
    },
}

impl EngineClient {
    /// Every container.
    pub async fn containers(&self) -> Result<Vec<ContainerSummary>, DockerError> {
        self.list_containers(HashMap::new()).await
    }

    /// The container with this id, unique id prefix or exact name, if there is one.
    pub async fn find_container(
        &self,
        reference: &str,
    ) -> Result<Option<ContainerSummary>, DockerError> {
        let by_id = HashMap::from([("id".to_string(), vec![reference.to_string()])]);
        let mut found: Vec<ContainerSummary> = self.list_containers(by_id).await?;
        if found.len() == 1 {
            return Ok(found.pop());
        }
        if let Some(exact) = found.iter().position(|container| container.id == reference) {
            return Ok(Some(found.swap_remove(exact)));
        }
        // The engine's name filter is a regular expression over "/name": anchor it for an exact match.
        let escaped: String = reference
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c.to_string()
                } else {
                    format!("\\{c}")
                }
            })
            .collect();
        let by_name = HashMap::from([("name".to_string(), vec![format!("^/{escaped}$")])]);
        Ok(self
            .list_containers(by_name)
            .await?
            .into_iter()
            .find(|container| container.name == reference))
    }

    /// The containers with these full ids that still exist, in one engine call.
    pub async fn containers_by_id(
        &self,
        ids: &[String],
    ) -> Result<Vec<ContainerSummary>, DockerError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let by_id = HashMap::from([("id".to_string(), ids.to_vec())]);
        let found = self.list_containers(by_id).await?;
        // The id filter matches prefixes; keep exact ids only.
        Ok(found
            .into_iter()
            .filter(|container| ids.contains(&container.id))
            .collect())
    }

    async fn list_containers(
        &self,
        filters: HashMap<String, Vec<String>>,
    ) -> Result<Vec<ContainerSummary>, DockerError> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let listed = self.docker.list_containers(Some(options)).await?;
        Ok(listed.into_iter().filter_map(container_summary).collect())
    }

    pub async fn images(&self) -> Result<Vec<ImageSummary>, DockerError> {
        let options = ListImagesOptionsBuilder::default().all(false).build();
        let listed = self.docker.list_images(Some(options)).await?;
        Ok(listed
            .into_iter()
            .map(|image| ImageSummary {
                id: image.id,
                tags: image
                    .repo_tags
                    .into_iter()
                    .filter(|tag| tag != "<none>:<none>")
                    .collect(),
                size: image.size,
                created: image.created,
                labels: image.labels.into_iter().collect(),
            })
            .collect())
    }

    pub async fn volumes(&self) -> Result<Vec<VolumeSummary>, DockerError> {
        let listed = self
            .docker
            .list_volumes(None::<bollard::query_parameters::ListVolumesOptions>)
            .await?;
        Ok(listed
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|volume| VolumeSummary {
                name: volume.name,
                driver: volume.driver,
                mountpoint: volume.mountpoint,
                created_at: volume.created_at.map(|date| date.to_string()),
                labels: volume.labels.into_iter().collect(),
            })
            .collect())
    }

    pub async fn networks(&self) -> Result<Vec<NetworkSummary>, DockerError> {
        let listed = self
            .docker
            .list_networks(None::<bollard::query_parameters::ListNetworksOptions>)
            .await?;
        Ok(listed
            .into_iter()
            .map(|network| NetworkSummary {
                id: network.id.unwrap_or_default(),
                name: network.name.unwrap_or_default(),
                driver: network.driver.unwrap_or_default(),
                scope: network.scope.unwrap_or_default(),
                internal: network.internal.unwrap_or(false),
                labels: network.labels.unwrap_or_default().into_iter().collect(),
            })
            .collect())
    }

    /// The engine's full inspect document for a container.
    pub async fn inspect_container(&self, id: &str) -> Result<serde_json::Value, DockerError> {
        let inspected = self
            .docker
            .inspect_container(
                id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await?;
        serde_json::to_value(inspected)
            .map_err(|error| DockerError::InvalidRequest(format!("inspect document: {error}")))
    }

    /// The process id of a running container's main process, as the host sees it.
    pub async fn container_pid(&self, id: &str) -> Result<Option<i64>, DockerError> {
        let inspected = self
            .docker
            .inspect_container(
                id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await?;
        Ok(inspected
            .state
            .and_then(|state| state.pid)
            .filter(|pid| *pid > 0))
    }

    /// Performs `action`; "already in that state" counts as done.
    pub async fn act(&self, id: &str, action: &ContainerAction) -> Result<(), DockerError> {
        let result = match action {
            ContainerAction::Start => {
                self.docker
                    .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
                    .await
            }
            ContainerAction::Stop { timeout } => {
                let mut options = StopContainerOptionsBuilder::default();
                if let Some(timeout) = timeout {
                    options = options.t(*timeout);
                }
                self.docker.stop_container(id, Some(options.build())).await
            }
            ContainerAction::Restart { timeout } => {
                let mut options = RestartContainerOptionsBuilder::default();
                if let Some(timeout) = timeout {
                    options = options.t(*timeout);
                }
                self.docker
                    .restart_container(id, Some(options.build()))
                    .await
            }
            ContainerAction::Kill { signal } => {
                let mut options = KillContainerOptionsBuilder::default();
                if let Some(signal) = signal {
                    options = options.signal(signal);
                }
                self.docker.kill_container(id, Some(options.build())).await
            }
            ContainerAction::Pause => self.docker.pause_container(id).await,
            ContainerAction::Unpause => self.docker.unpause_container(id).await,
            ContainerAction::Remove { force, volumes } => {
                let options = RemoveContainerOptionsBuilder::default()
                    .force(*force)
                    .v(*volumes)
                    .build();
                self.docker.remove_container(id, Some(options)).await
            }
            ContainerAction::Rename { name } => {
                let options = RenameContainerOptionsBuilder::default().name(name).build();
                self.docker.rename_container(id, options).await
            }
        };
        match result {
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            other => Ok(other?),
        }
    }
}

fn container_summary(container: bollard::models::ContainerSummary) -> Option<ContainerSummary> {
    let id = container.id?;
    let status = container.status.unwrap_or_default();
    let state = match container.state {
        Some(ContainerSummaryStateEnum::CREATED) => ContainerState::Created,
        Some(ContainerSummaryStateEnum::RUNNING) => ContainerState::Running,
        Some(ContainerSummaryStateEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerSummaryStateEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerSummaryStateEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerSummaryStateEnum::DEAD) => ContainerState::Dead,
        // Newer engines report "stopping" while a stop is under way; the container is still running.
        Some(ContainerSummaryStateEnum::STOPPING) => ContainerState::Running,
        Some(ContainerSummaryStateEnum::EXITED | ContainerSummaryStateEnum::EMPTY) | None => {
            ContainerState::Exited
        }
    };
    let name = container
        .names
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(|name| name.trim_start_matches('/').to_string())
        .unwrap_or_default();
    let mut ports: Vec<PortMapping> = container
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|port| PortMapping {
            private_port: port.private_port,
            public_port: port.public_port,
            host_ip: port.ip.filter(|ip| !ip.is_empty()),
            protocol: match port.typ {
                Some(PortSummaryTypeEnum::UDP) => "udp",
                Some(PortSummaryTypeEnum::SCTP) => "sctp",
                _ => "tcp",
            }
            .to_string(),
        })
        .collect();
    ports.sort_by(|a, b| {
        (a.private_port, &a.protocol, a.public_port).cmp(&(
            b.private_port,
            &b.protocol,
            b.public_port,
        ))
    });
    ports.dedup();
    let mut networks: Vec<String> = container
        .network_settings
        .and_then(|settings| settings.networks)
        .map(|networks| networks.into_keys().collect())
        .unwrap_or_default();
    networks.sort();
    let labels: BTreeMap<String, String> =
        container.labels.unwrap_or_default().into_iter().collect();
    Some(ContainerSummary {
        id,
        name,
        image: container.image.unwrap_or_default(),
        image_id: container.image_id.unwrap_or_default(),
        command: container.command.unwrap_or_default(),
        health: health_from_status(&status),
        state,
        status,
        created: container.created.unwrap_or_default(),
        ports,
        labels,
        networks,
    })
}

/// The list API carries health only in its status text: "Up 2 minutes (healthy)".
fn health_from_status(status: &str) -> ContainerHealth {
    if status.contains("(healthy)") {
        ContainerHealth::Healthy
    } else if status.contains("(unhealthy)") {
        ContainerHealth::Unhealthy
    } else if status.contains("(health: starting)") {
        ContainerHealth::Starting
    } else {
        ContainerHealth::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_health_from_status_text() {
        let check = |status, expected| assert_eq!(health_from_status(status), expected, "{status}");
        check("Up 2 minutes (healthy)", ContainerHealth::Healthy);
        check("Up 5 seconds (health: starting)", ContainerHealth::Starting);
        check("Up 1 hour (unhealthy)", ContainerHealth::Unhealthy);
        check("Exited (0) 3 minutes ago", ContainerHealth::None);
    }
}
