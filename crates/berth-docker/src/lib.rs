//! Berth's side of the Docker Engine: how to reach an engine (Unix socket, TCP, TCP with TLS), a bollard
//! client for what the server itself asks, and the streaming gateway that forwards the Engine API,
//! hijacked exec/attach connections included. The only crate that names `bollard`.

mod cgroup;
mod client;
mod endpoint;
mod error;
mod gateway;
mod recreate;
mod resources;
mod streams;
mod swarm;
mod terminal;
mod tls;

pub use cgroup::CgroupReader;
pub use client::{EngineClient, EngineInfo};
pub use endpoint::{EngineEndpoint, EngineStream};
pub use error::DockerError;
pub use gateway::{GatewayBody, forward};
pub use resources::ContainerAction;
pub use streams::{
    EngineEvent, EventScope, ItemStream, LogChunk, LogQuery, LogStream, cpu_percent,
};
pub use terminal::{ExecRequest, TerminalSession, TerminalTarget};
