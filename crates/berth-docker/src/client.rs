//! A bollard client that runs over Berth's own endpoint, for what the server itself asks an engine.

use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, Docker};
use hyper_util::rt::TokioIo;

use crate::{DockerError, EngineEndpoint};

/// Longest an engine request may take to start answering (a stop may wait up to an hour before killing).
const REQUEST_TIMEOUT_SECS: u64 = 2 * 3600;

/// What a health check learns about an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    pub version: String,
    pub api_version: String,
}

/// A bollard client bound to one engine endpoint.
#[derive(Clone, Debug)]
pub struct EngineClient {
    pub(crate) docker: Docker,
}

impl EngineClient {
    /// Builds a client and negotiates the API version with the engine (within `timeout`), so requests use a
    /// path it accepts.
    pub async fn connect(endpoint: EngineEndpoint, timeout: Duration) -> Result<Self, DockerError> {
        let transport_endpoint = endpoint.clone();
        let transport = move |request: bollard::BollardRequest| {
            let endpoint = transport_endpoint.clone();
            async move { send(&endpoint, request).await }
        };
        // bollard's own timeout covers every request until its answer starts, stopping a container with a
        // long grace included; callers put short timeouts where they want them (as below).
        let docker = Docker::connect_with_custom_transport(
            transport,
            Some("http://engine"),
            REQUEST_TIMEOUT_SECS,
            API_DEFAULT_VERSION,
        )?;
        let docker = tokio::time::timeout(timeout, docker.negotiate_version())
            .await
            .map_err(|_| DockerError::Timeout {
                address: endpoint.address().to_url(),
                timeout,
            })??;
        Ok(EngineClient { docker })
    }

    /// Asks the engine for its version, failing within `timeout`.
    pub async fn info(&self, timeout: Duration) -> Result<EngineInfo, DockerError> {
        let version = tokio::time::timeout(timeout, self.docker.version())
            .await
            .map_err(|_| DockerError::Timeout {
                address: "engine".into(),
                timeout,
            })??;
        Ok(EngineInfo {
            version: version.version.unwrap_or_default(),
            api_version: version.api_version.unwrap_or_default(),
        })
    }
}

/// Sends one bollard request over a fresh connection from `endpoint`.
async fn send(
    endpoint: &EngineEndpoint,
    mut request: bollard::BollardRequest,
) -> Result<http::Response<hyper::body::Incoming>, bollard::errors::Error> {
    let io_error = |error: DockerError| bollard::errors::Error::IOError {
        err: std::io::Error::other(error.to_string()),
    };
    let path = request
        .uri()
        .path_and_query()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    *request.uri_mut() = path
        .parse()
        .map_err(|_| io_error(DockerError::InvalidRequest(path.clone())))?;
    request.headers_mut().insert(
        http::header::HOST,
        http::HeaderValue::from_str(&endpoint.host_header())
            .map_err(|_| io_error(DockerError::InvalidRequest("host".into())))?,
    );
    let stream = endpoint.connect().await.map_err(io_error)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| io_error(error.into()))?;
    // With upgrades, so exec and attach sessions can take the connection over.
    tokio::spawn(async move {
        if let Err(error) = connection.with_upgrades().await {
            tracing::debug!(%error, "engine connection closed with an error");
        }
    });
    sender
        .send_request(request)
        .await
        .map_err(|error| io_error(error.into()))
}
