//! Recreating a container with the same configuration (optionally on a freshly pulled image): the old one
//! is stopped and set aside under another name, the new one takes its name, networks and state, and the old
//! one is removed only once the new one is in place. Any failure puts the old one back as it was.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, EndpointSettings, NetworkConnectRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, RemoveContainerOptionsBuilder,
    RenameContainerOptionsBuilder,
};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::{ContainerAction, DockerError, EngineClient};

impl EngineClient {
    /// Pulls `image` (a reference such as `registry:5000/app:1`), waiting until the engine has it.
    pub async fn pull_image(&self, image: &str) -> Result<(), DockerError> {
        let options = CreateImageOptionsBuilder::default()
            .from_image(image)
            .build();
        let mut progress = self.docker.create_image(Some(options), None, None);
        while let Some(step) = progress.next().await {
            let step = step?;
            if let Some(detail) = step.error_detail {
                return Err(DockerError::Rejected {
                    status: 502,
                    message: detail.message.unwrap_or_default(),
                });
            }
        }
        Ok(())
    }

    /// Recreates container `id`; returns the new container's id.
    pub async fn recreate_container(&self, id: &str, pull: bool) -> Result<String, DockerError> {
        let inspected = self
            .docker
            .inspect_container(
                id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await?;
        let document = serde_json::to_value(&inspected).map_err(invalid)?;
        let old_id = document["Id"].as_str().unwrap_or(id).to_string();
        let name = document["Name"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string();
        let image = document["Config"]["Image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let was_running = document["State"]["Running"] == json!(true);
        if pull {
            self.pull_image(&image).await?;
        }
        let (body, other_networks) = create_body(&document, &old_id)?;

        if was_running {
            self.act(&old_id, &ContainerAction::Stop { timeout: None })
                .await?;
        }
        let aside = format!("{name}-berth-old-{}", &old_id[..12.min(old_id.len())]);
        self.rename(&old_id, &aside).await?;
        match self
            .replace(&name, body, &other_networks, was_running)
            .await
        {
            Ok(new_id) => {
                let options = RemoveContainerOptionsBuilder::default().force(true).build();
                self.docker.remove_container(&old_id, Some(options)).await?;
                Ok(new_id)
            }
            Err(error) => {
                // Put the old container back as it was; the original error is what the caller needs.
                if let Err(restore) = self.rename(&old_id, &name).await {
                    tracing::warn!(%restore, container = %old_id, "could not restore the container's name");
                }
                if was_running {
                    let _ = self.act(&old_id, &ContainerAction::Start).await;
                }
                Err(error)
            }
        }
    }

    async fn replace(
        &self,
        name: &str,
        body: ContainerCreateBody,
        other_networks: &[(String, Value)],
        start: bool,
    ) -> Result<String, DockerError> {
        let options = CreateContainerOptionsBuilder::default().name(name).build();
        let created = self.docker.create_container(Some(options), body).await?;
        let finish = async {
            for (network, settings) in other_networks {
                let endpoint: EndpointSettings =
                    serde_json::from_value(settings.clone()).map_err(invalid)?;
                let request = NetworkConnectRequest {
                    container: created.id.clone(),
                    endpoint_config: Some(endpoint),
                };
                self.docker.connect_network(network, request).await?;
            }
            if start {
                self.act(&created.id, &ContainerAction::Start).await?;
            }
            Ok::<_, DockerError>(())
        };
        if let Err(error) = finish.await {
            let options = RemoveContainerOptionsBuilder::default().force(true).build();
            let _ = self
                .docker
                .remove_container(&created.id, Some(options))
                .await;
            return Err(error);
        }
        Ok(created.id)
    }

    async fn rename(&self, id: &str, name: &str) -> Result<(), DockerError> {
        let options = RenameContainerOptionsBuilder::default().name(name).build();
        Ok(self.docker.rename_container(id, options).await?)
    }
}

fn invalid(error: serde_json::Error) -> DockerError {
    DockerError::InvalidRequest(format!("container configuration: {error}"))
}

/// The create request that reproduces an inspected container: its config, host config and first network
/// (the engine takes one at creation); the other networks are returned to connect afterwards.
fn create_body(
    document: &Value,
    old_id: &str,
) -> Result<(ContainerCreateBody, Vec<(String, Value)>), DockerError> {
    let mut body = document["Config"].clone();
    let short_id = &old_id[..12.min(old_id.len())];
    let object = body
        .as_object_mut()
        .ok_or_else(|| DockerError::InvalidRequest("no Config".into()))?;
    // A generated hostname is the old id's prefix; the new container gets its own.
    if object
        .get("Hostname")
        .and_then(Value::as_str)
        .is_some_and(|hostname| old_id.starts_with(hostname))
    {
        object.remove("Hostname");
    }
    object.insert("HostConfig".into(), document["HostConfig"].clone());
    let mut networks: Vec<(String, Value)> = Vec::new();
    if let Some(attached) = document["NetworkSettings"]["Networks"].as_object() {
        for (network, settings) in attached {
            let aliases: Vec<Value> = settings["Aliases"]
                .as_array()
                .map(|aliases| {
                    aliases
                        .iter()
                        .filter(|alias| alias.as_str() != Some(short_id))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            networks.push((
                network.clone(),
                json!({"Aliases": aliases, "IPAMConfig": settings["IPAMConfig"]}),
            ));
        }
    }
    // The network named in the host config goes first.
    let mode = document["HostConfig"]["NetworkMode"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    networks.sort_by_key(|(network, _)| *network != mode);
    let mut rest = networks.split_off(networks.len().min(1));
    if let Some((network, settings)) = networks.pop() {
        object.insert(
            "NetworkingConfig".into(),
            json!({"EndpointsConfig": HashMap::from([(network, settings)])}),
        );
    }
    rest.retain(|(network, _)| network != "none" && network != "host");
    let body: ContainerCreateBody = serde_json::from_value(body).map_err(invalid)?;
    Ok((body, rest))
}
