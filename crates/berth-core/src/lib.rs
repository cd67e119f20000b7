//! Berth's application services, free of HTTP: accounts and sessions, access control, environments and
//! their health. `Core::start` wires them over one store; the server crate only translates to HTTP.

mod access;
mod accounts;
mod clock;
mod console;
mod containers;
mod environments;
mod error;
mod live;
mod monitor;
mod secrets;
mod throttle;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use berth_model::EngineAddress;
use berth_store::Store;

pub use access::{Access, Action, CredentialKind, GatewayPolicy, Principal, gateway_policy};
pub use accounts::{AccountSettings, Accounts, NewSession, UserChanges, UserDetails};
pub use berth_docker::{ContainerAction, LogChunk, LogQuery, LogStream};
pub use berth_store::redact_url as redact_database_url;
pub use console::{Console, ConsoleMode, Resizer};
pub use containers::{Containers, SwarmRow};
pub use environments::{EnvironmentView, Environments};
pub use error::CoreError;
pub use live::query::{ContainerFilter, ContainerRow, MAX_PAGE, Page, PageRequest, SortField};
pub use live::{FeedItem, FeedSubscription, MirrorStatus, StatsPreference, SwarmData};
pub use secrets::write_private_file;
pub use throttle::LoginLimits;

/// What the services need to start, resolved and validated by the binary.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub accounts: AccountSettings,
    /// The password for `admin`, created on first start (from `--admin-password-file`).
    pub initial_admin_password: Option<String>,
    /// The local engine to offer as the first environment, if one answers.
    pub local_engine: Option<EngineAddress>,
    pub environment_check_interval: Duration,
    /// Changes a feed subscriber may fall behind by before it is told to resync.
    pub feed_capacity: usize,
}

/// Why the services could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("opening the database: {0}")]
    Store(#[from] berth_store::StoreError),
    #[error("secret key {path}: {source}")]
    SecretKey {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Core(#[from] CoreError),
}

/// The running services. Built once in `main` and shared through the server's state.
pub struct Core {
    pub accounts: Accounts,
    pub environments: Environments,
    pub containers: Containers,
    store: Store,
    monitor: monitor::Monitor,
    live: Arc<live::LiveState>,
    /// The one-time token for `POST /api/system/setup`, when nobody is set up yet.
    pub setup_token: Option<String>,
    housekeeping: tokio::task::JoinHandle<()>,
}

impl Core {
    pub async fn start(config: CoreConfig) -> Result<Arc<Core>, StartError> {
        let store = Store::open(&config.database_url).await?;
        let key_path = config.data_dir.join("secret.key");
        let secret_box = secrets::SecretBox::load_or_create(&key_path).map_err(|source| {
            StartError::SecretKey {
                path: key_path,
                source,
            }
        })?;
        let access = Access::new(store.clone());
        let accounts = Accounts::new(store.clone(), access.clone(), config.accounts);
        let setup_token = accounts
            .prepare_first_run(config.initial_admin_password)
            .await?;
        let live = Arc::new(live::LiveState::new(config.feed_capacity));
        let monitor = monitor::Monitor::new(config.environment_check_interval, live.changes());
        let environments = Environments::new(
            store.clone(),
            access.clone(),
            Arc::new(secret_box),
            monitor.clone(),
            live.clone(),
        );
        let containers = Containers::new(store.clone(), access, live.clone());
        environments.seed_local(config.local_engine).await?;
        environments.start_monitoring().await?;

        let core = Arc::new_cyclic(|weak: &std::sync::Weak<Core>| {
            let weak = weak.clone();
            let housekeeping = tokio::spawn(async move {
                let mut ticker = tokio::time::interval(Duration::from_secs(3600));
                loop {
                    ticker.tick().await;
                    let Some(core) = weak.upgrade() else { return };
                    match core.accounts.purge_expired_sessions().await {
                        Ok(0) => {}
                        Ok(purged) => tracing::debug!(purged, "expired sessions removed"),
                        Err(error) => tracing::warn!(%error, "removing expired sessions failed"),
                    }
                }
            });
            Core {
                accounts,
                environments,
                containers,
                store,
                monitor,
                live,
                setup_token,
                housekeeping,
            }
        });
        Ok(core)
    }

    /// Stops background work and closes the store cleanly.
    pub async fn shutdown(&self) {
        self.housekeeping.abort();
        self.monitor.stop();
        self.live.stop();
        self.store.close().await;
    }
}
