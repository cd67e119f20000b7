//! Test support shared by Berth's end-to-end tests, benchmarks and CI: the real `berth` binary running in a
//! fresh temporary data dir, an HTTP client for it, the real Docker Engine, and the locally built test image.

mod engine;
mod events;
mod registry;
mod server;

pub use engine::{
    DOCKER_SOCKET, TEST_IMAGE, docker, docker_via, ensure_test_image, remove_labelled_containers,
    require_engine, unique_name,
};
mod engine_proxy;

pub use engine_proxy::{EngineProxy, TlsFixture};
pub use events::{EventStream, Received};
pub use registry::Registry;
pub use server::{ADMIN_PASSWORD, BerthServer, ServerOptions, free_port};
