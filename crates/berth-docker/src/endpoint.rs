//! One way to open a byte stream to an engine, whatever the transport; both the bollard client and the
//! gateway use it, so a transport added here (agent, edge tunnel) serves both.

use std::sync::Arc;
use std::time::Duration;

use berth_model::{EngineAddress, TlsMaterial};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

use crate::DockerError;
use crate::tls::client_config;

/// A connected, bidirectional byte stream to an engine.
pub trait EngineStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> EngineStream for T {}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How to reach one engine. Cheap to clone; TLS configuration is built once.
#[derive(Clone)]
pub struct EngineEndpoint {
    address: EngineAddress,
    tls: Option<Arc<ClientConfig>>,
}

impl std::fmt::Debug for EngineEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineEndpoint")
            .field("address", &self.address.to_url())
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl EngineEndpoint {
    pub fn new(address: EngineAddress, tls: Option<&TlsMaterial>) -> Result<Self, DockerError> {
        let tls = match (&address, tls) {
            (EngineAddress::Tcp { .. }, Some(material)) => Some(Arc::new(client_config(material)?)),
            (EngineAddress::UnixSocket { .. }, Some(_)) => {
                return Err(DockerError::TlsConfig(
                    "TLS applies to tcp:// engines only".into(),
                ));
            }
            (_, None) => None,
        };
        Ok(EngineEndpoint { address, tls })
    }

    pub fn address(&self) -> &EngineAddress {
        &self.address
    }

    /// The value for the `Host` header of requests to this engine.
    pub fn host_header(&self) -> String {
        match &self.address {
            EngineAddress::UnixSocket { .. } => "docker".to_string(),
            EngineAddress::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
            EngineAddress::Tcp { host, port } => format!("{host}:{port}"),
        }
    }

    /// Opens a new stream to the engine, failing within a few seconds if it does not answer.
    pub async fn connect(&self) -> Result<Box<dyn EngineStream>, DockerError> {
        let url = self.address.to_url();
        let timed_out = || DockerError::Timeout {
            address: url.clone(),
            timeout: CONNECT_TIMEOUT,
        };
        let connect_error = |source| DockerError::Connect {
            address: url.clone(),
            source,
        };
        match &self.address {
            EngineAddress::UnixSocket { path } => {
                let stream = tokio::time::timeout(CONNECT_TIMEOUT, UnixStream::connect(path))
                    .await
                    .map_err(|_| timed_out())?
                    .map_err(connect_error)?;
                Ok(Box::new(stream))
            }
            EngineAddress::Tcp { host, port } => {
                let stream = tokio::time::timeout(
                    CONNECT_TIMEOUT,
                    TcpStream::connect((host.as_str(), *port)),
                )
                .await
                .map_err(|_| timed_out())?
                .map_err(connect_error)?;
                stream.set_nodelay(true).map_err(connect_error)?;
                let Some(config) = &self.tls else {
                    return Ok(Box::new(stream));
                };
                let server_name = ServerName::try_from(host.clone())
                    .map_err(|error| DockerError::TlsConfig(error.to_string()))?;
                let connector = TlsConnector::from(config.clone());
                let stream =
                    tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(server_name, stream))
                        .await
                        .map_err(|_| timed_out())?
                        .map_err(|source| DockerError::TlsHandshake {
                            address: url.clone(),
                            source,
                        })?;
                Ok(Box::new(stream))
            }
        }
    }
}
