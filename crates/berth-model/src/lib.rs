//! Berth's domain vocabulary: ids, users, environments and their status, shared by every other crate and free of IO.

mod account;
mod environment;
mod ids;
mod live;
mod swarm;
mod validate;

pub use account::{ApiKey, NewUser, Role, User, UserUpdate};
pub use environment::{
    EngineAddress, Environment, EnvironmentHealth, EnvironmentKind, EnvironmentStatus,
    EnvironmentUpdate, NewEnvironment, TlsMaterial,
};
pub use ids::{ApiKeyId, EnvironmentId, UserId};
pub use live::{
    Change, ChangeKind, ContainerHealth, ContainerState, ContainerSummary, ImageSummary,
    NetworkSummary, PortMapping, STACK_LABEL, StatsSample, StatsSource, VolumeSummary,
};
pub use swarm::{NodeSummary, ServiceSummary, SwarmObjectSummary, SwarmResource, TaskSummary};
pub use validate::{ValidationError, validate_environment_name, validate_username};

/// Seconds since the Unix epoch: the one timestamp representation Berth stores and serves.
pub type UnixTime = i64;
