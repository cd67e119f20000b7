//! Binding the listeners (plain HTTP and HTTPS) before anything is served, so a bad address fails at once,
//! and serving until shutdown: stop accepting, give in-flight requests a bounded grace period, then stop.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum_server::Handle;
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::RustlsAcceptor;

use crate::tls::{TlsSource, rustls_config};
use crate::{AppState, app};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("can't listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS certificate: {detail}")]
    Tls { detail: String },
    #[error("no listener: give --http-listen and/or --https-listen")]
    NoListener,
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Where to listen.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    pub http: Option<SocketAddr>,
    pub https: Option<(SocketAddr, TlsSource)>,
    /// How long in-flight requests may run on after shutdown begins.
    pub shutdown_grace: Duration,
}

/// Listeners that are bound and ready to serve.
pub struct BoundServer {
    http: Option<std::net::TcpListener>,
    https: Option<(std::net::TcpListener, axum_server::tls_rustls::RustlsConfig)>,
    shutdown_grace: Duration,
}

pub async fn bind(config: &ListenConfig) -> Result<BoundServer, ServeError> {
    if config.http.is_none() && config.https.is_none() {
        return Err(ServeError::NoListener);
    }
    // aws-lc-rs is the only provider compiled in; make it the process default for the HTTPS listener.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = config.http.map(bind_one).transpose()?;
    let https = match &config.https {
        Some((address, source)) => {
            let tls = rustls_config(source).await?;
            Some((bind_one(*address)?, tls))
        }
        None => None,
    };
    Ok(BoundServer {
        http,
        https,
        shutdown_grace: config.shutdown_grace,
    })
}

fn bind_one(address: SocketAddr) -> Result<std::net::TcpListener, ServeError> {
    let bind_error = |source| ServeError::Bind { address, source };
    let listener = std::net::TcpListener::bind(address).map_err(bind_error)?;
    listener.set_nonblocking(true).map_err(bind_error)?;
    Ok(listener)
}

impl BoundServer {
    /// The URLs being served, for the startup log.
    pub fn urls(&self) -> Vec<String> {
        let mut urls = Vec::new();
        if let Some(address) = self.http.as_ref().and_then(|l| l.local_addr().ok()) {
            urls.push(format!("http://{address}"));
        }
        if let Some(address) = self.https.as_ref().and_then(|(l, _)| l.local_addr().ok()) {
            urls.push(format!("https://{address}"));
        }
        urls
    }

    /// Serves until `shutdown` completes, then drains for at most the grace period.
    pub async fn serve(
        self,
        state: AppState,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
        let handle: Handle<SocketAddr> = Handle::new();
        let grace = self.shutdown_grace;
        let shutdown_handle = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!(grace = ?grace, "shutting down: no new connections, finishing requests in flight");
            shutdown_handle.graceful_shutdown(Some(grace));
        });
        let mut servers = tokio::task::JoinSet::new();
        // Responses are written in several small pieces (headers, then chunks as the engine sends them):
        // without TCP_NODELAY, Nagle's algorithm and the client's delayed ACK stall each by ~40 ms.
        if let Some(listener) = self.http {
            let server = axum_server::from_tcp(listener)?
                .acceptor(NoDelayAcceptor::new())
                .handle(handle.clone());
            let app = app.clone();
            servers.spawn(async move { server.serve(app).await });
        }
        if let Some((listener, tls)) = self.https {
            let acceptor = RustlsAcceptor::new(tls).acceptor(NoDelayAcceptor::new());
            let server = axum_server::from_tcp(listener)?
                .acceptor(acceptor)
                .handle(handle.clone());
            servers.spawn(async move { server.serve(app).await });
        }
        while let Some(result) = servers.join_next().await {
            result.map_err(|error| std::io::Error::other(error.to_string()))??;
        }
        Ok(())
    }
}
