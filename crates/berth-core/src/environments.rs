//! Environments: creating and changing them (TLS keys sealed at rest), who may see them, their live
//! status, and forwarding Engine API requests to them through the gateway.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use berth_docker::{EngineEndpoint, GatewayBody};
use berth_model::{
    EngineAddress, Environment, EnvironmentId, EnvironmentStatus, EnvironmentUpdate,
    NewEnvironment, TlsMaterial, validate_environment_name,
};
use berth_store::{EnvironmentRecord, NewEnvironmentRecord, Store, StoredTls};

use crate::access::{Action, Principal};
use crate::live::{LiveState, MirrorStatus};
use crate::monitor::Monitor;
use crate::secrets::SecretBox;
use crate::{Access, CoreError, clock};

/// An environment with its latest status.
#[derive(Debug, Clone)]
pub struct EnvironmentView {
    pub environment: Environment,
    pub status: EnvironmentStatus,
    /// How fresh the live mirror is; stale while the engine is away.
    pub mirror: MirrorStatus,
}

pub struct Environments {
    store: Store,
    access: Access,
    secret_box: Arc<SecretBox>,
    monitor: Monitor,
    live: Arc<LiveState>,
    /// Endpoints built from stored settings, so the gateway does not rebuild TLS configuration per request.
    endpoints: RwLock<HashMap<EnvironmentId, EngineEndpoint>>,
}

impl Environments {
    pub(crate) fn new(
        store: Store,
        access: Access,
        secret_box: Arc<SecretBox>,
        monitor: Monitor,
        live: Arc<LiveState>,
    ) -> Self {
        Environments {
            store,
            access,
            secret_box,
            monitor,
            live,
            endpoints: RwLock::new(HashMap::new()),
        }
    }

    /// Starts health checks and the live mirror of every stored environment.
    pub(crate) async fn start_monitoring(&self) -> Result<(), CoreError> {
        for record in self.store.list_environments().await? {
            let environment = self.to_environment(record)?;
            self.watch(&environment, self.endpoint_of(&environment));
        }
        Ok(())
    }

    /// Creates the environment for the local engine once, on the first start that finds one answering.
    pub(crate) async fn seed_local(&self, address: Option<EngineAddress>) -> Result<(), CoreError> {
        const SEEDED: &str = "local_environment_seeded";
        if self.store.setting(SEEDED).await?.is_some() {
            return Ok(());
        }
        let Some(address) = address else {
            return Ok(());
        };
        let endpoint = EngineEndpoint::new(address.clone(), None)?;
        if crate::monitor::probe(&endpoint).await.is_err() {
            tracing::info!(url = %address.to_url(), "no local Docker Engine answers; add environments in the UI or API");
            return Ok(());
        }
        let record = NewEnvironmentRecord {
            name: "local".into(),
            url: address.to_url(),
            tls: None,
        };
        let created = self.store.create_environment(&record, clock::now()).await;
        match created {
            Ok(record) => {
                tracing::info!(id = %record.id, url = %record.url, "local environment created")
            }
            Err(berth_store::StoreError::Conflict { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        self.store.set_setting(SEEDED, "1").await?;
        Ok(())
    }

    pub async fn list(&self, principal: &Principal) -> Result<Vec<EnvironmentView>, CoreError> {
        let records = self.store.list_environments().await?;
        let granted = if principal.is_admin() {
            None
        } else {
            Some(self.store.grants_of_user(principal.user.id).await?)
        };
        records
            .into_iter()
            .filter(|record| granted.as_ref().is_none_or(|ids| ids.contains(&record.id)))
            .map(|record| self.view(record))
            .collect()
    }

    pub async fn get(
        &self,
        principal: &Principal,
        id: EnvironmentId,
    ) -> Result<EnvironmentView, CoreError> {
        self.access
            .authorize(principal, Action::ViewEnvironment(id))
            .await?;
        self.view(self.store.environment(id).await?)
    }

    pub async fn create(
        &self,
        principal: &Principal,
        new: NewEnvironment,
    ) -> Result<EnvironmentView, CoreError> {
        self.access
            .authorize(principal, Action::ManageEnvironments)
            .await?;
        validate_environment_name(&new.name)?;
        let endpoint = self.validated_endpoint(&new.address, new.tls.as_ref())?;
        let record = NewEnvironmentRecord {
            name: new.name,
            url: new.address.to_url(),
            tls: new.tls.as_ref().map(|tls| self.seal_tls(tls)),
        };
        let record = self.store.create_environment(&record, clock::now()).await?;
        let environment = self.to_environment(record)?;
        self.watch(&environment, Ok(endpoint));
        tracing::info!(by = %principal.user.username, id = %environment.id, name = %environment.name, "environment created");
        Ok(self.with_status(environment))
    }

    pub async fn update(
        &self,
        principal: &Principal,
        id: EnvironmentId,
        update: EnvironmentUpdate,
    ) -> Result<EnvironmentView, CoreError> {
        self.access
            .authorize(principal, Action::ManageEnvironments)
            .await?;
        let current = self.to_environment(self.store.environment(id).await?)?;
        let name = update.name.unwrap_or(current.name);
        validate_environment_name(&name)?;
        let address = update.address.unwrap_or(current.address);
        let tls = update.tls.unwrap_or(current.tls);
        let endpoint = self.validated_endpoint(&address, tls.as_ref())?;
        let record = NewEnvironmentRecord {
            name,
            url: address.to_url(),
            tls: tls.as_ref().map(|tls| self.seal_tls(tls)),
        };
        let record = self
            .store
            .update_environment(id, &record, clock::now())
            .await?;
        let environment = self.to_environment(record)?;
        self.forget_endpoint(id);
        self.watch(&environment, Ok(endpoint));
        tracing::info!(by = %principal.user.username, %id, "environment updated");
        Ok(self.with_status(environment))
    }

    pub async fn delete(&self, principal: &Principal, id: EnvironmentId) -> Result<(), CoreError> {
        self.access
            .authorize(principal, Action::ManageEnvironments)
            .await?;
        self.store.delete_environment(id).await?;
        self.forget_endpoint(id);
        self.monitor.unwatch(id);
        self.live.unwatch(id);
        tracing::info!(by = %principal.user.username, %id, "environment deleted");
        Ok(())
    }

    /// Forwards one Engine API request to environment `id` as `path_and_query`, after the one access check.
    pub async fn forward<B>(
        &self,
        principal: &Principal,
        id: EnvironmentId,
        request: http::Request<B>,
        path_and_query: &str,
    ) -> Result<http::Response<GatewayBody>, CoreError>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let path = path_and_query.split('?').next().unwrap_or_default();
        self.access
            .authorize(
                principal,
                Action::UseGateway {
                    environment_id: id,
                    method: request.method().as_str(),
                    path,
                },
            )
            .await?;
        let endpoint = self.endpoint(id).await?;
        berth_docker::forward(&endpoint, request, path_and_query)
            .await
            .map_err(|error| {
                CoreError::Unavailable(format!("environment {id} can't be reached: {error}"))
            })
    }

    /// Starts health checks and the live mirror for an environment.
    fn watch(&self, environment: &Environment, endpoint: Result<EngineEndpoint, CoreError>) {
        match &endpoint {
            Ok(endpoint) => self.live.watch(environment.id, endpoint.clone()),
            Err(_) => self.live.unwatch(environment.id),
        }
        self.monitor.watch(environment, endpoint);
    }

    async fn endpoint(&self, id: EnvironmentId) -> Result<EngineEndpoint, CoreError> {
        if let Some(endpoint) = self
            .endpoints
            .read()
            .expect("endpoint lock poisoned")
            .get(&id)
        {
            return Ok(endpoint.clone());
        }
        let environment = self.to_environment(self.store.environment(id).await?)?;
        let endpoint = self.endpoint_of(&environment)?;
        self.endpoints
            .write()
            .expect("endpoint lock poisoned")
            .insert(id, endpoint.clone());
        Ok(endpoint)
    }

    fn forget_endpoint(&self, id: EnvironmentId) {
        self.endpoints
            .write()
            .expect("endpoint lock poisoned")
            .remove(&id);
    }

    fn endpoint_of(&self, environment: &Environment) -> Result<EngineEndpoint, CoreError> {
        Ok(EngineEndpoint::new(
            environment.address.clone(),
            environment.tls.as_ref(),
        )?)
    }

    fn validated_endpoint(
        &self,
        address: &EngineAddress,
        tls: Option<&TlsMaterial>,
    ) -> Result<EngineEndpoint, CoreError> {
        if let Some(tls) = tls {
            tls.validate()?;
            if matches!(address, EngineAddress::UnixSocket { .. }) {
                return Err(CoreError::invalid(
                    "tls",
                    "TLS applies to tcp:// engines only",
                ));
            }
        }
        Ok(EngineEndpoint::new(address.clone(), tls)?)
    }

    fn seal_tls(&self, tls: &TlsMaterial) -> StoredTls {
        StoredTls {
            ca_pem: tls.ca_pem.clone(),
            cert_pem: tls.cert_pem.clone(),
            key_sealed: tls.key_pem.as_deref().map(|key| self.secret_box.seal(key)),
            skip_verify: tls.skip_verify,
        }
    }

    fn to_environment(&self, record: EnvironmentRecord) -> Result<Environment, CoreError> {
        let address = EngineAddress::parse(&record.url).map_err(|error| {
            CoreError::Internal(format!("environment {} has a bad URL: {error}", record.id))
        })?;
        let tls = match record.tls {
            Some(stored) => Some(TlsMaterial {
                key_pem: stored
                    .key_sealed
                    .as_deref()
                    .map(|sealed| self.secret_box.open(sealed))
                    .transpose()?,
                ca_pem: stored.ca_pem,
                cert_pem: stored.cert_pem,
                skip_verify: stored.skip_verify,
            }),
            None => None,
        };
        Ok(Environment {
            id: record.id,
            name: record.name,
            address,
            tls,
            created_at: record.created_at,
            updated_at: record.updated_at,
        })
    }

    fn view(&self, record: EnvironmentRecord) -> Result<EnvironmentView, CoreError> {
        Ok(self.with_status(self.to_environment(record)?))
    }

    fn with_status(&self, environment: Environment) -> EnvironmentView {
        EnvironmentView {
            status: self.monitor.status(environment.id),
            mirror: self.live.status(environment.id),
            environment,
        }
    }
}
