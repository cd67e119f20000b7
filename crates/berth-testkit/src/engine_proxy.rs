//! A real engine reached over TCP, for testing `tcp://` environments: a loopback listener that relays each
//! connection to the local engine's socket, optionally behind TLS that demands a client certificate
//! (as `dockerd --tlsverify` does). Dropping it makes the "remote engine" go away.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::net::{TcpListener, UnixStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

use crate::DOCKER_SOCKET;

/// PEM material a client needs to reach a TLS engine proxy.
#[derive(Debug, Clone)]
pub struct TlsFixture {
    pub ca_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

pub struct EngineProxy {
    pub port: u16,
    task: JoinHandle<()>,
    connections: Connections,
}

type Connections = Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>;

impl EngineProxy {
    /// A plain TCP engine on a free loopback port, or on `port` to bring one back.
    pub async fn tcp(port: u16) -> EngineProxy {
        EngineProxy::start(port, None).await
    }

    /// A TLS engine that requires a client certificate signed by the returned CA.
    pub async fn tls() -> (EngineProxy, TlsFixture) {
        let (config, fixture) = tls_material();
        (
            EngineProxy::start(0, Some(TlsAcceptor::from(config))).await,
            fixture,
        )
    }

    async fn start(port: u16, tls: Option<TlsAcceptor>) -> EngineProxy {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("binding the engine proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let connections: Connections = Arc::default();
        let tracked = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tls = tls.clone();
                let connection = tokio::spawn(async move {
                    let Ok(mut engine) = UnixStream::connect(DOCKER_SOCKET).await else {
                        return;
                    };
                    match tls {
                        Some(acceptor) => {
                            if let Ok(mut stream) = acceptor.accept(stream).await {
                                let _ =
                                    tokio::io::copy_bidirectional(&mut stream, &mut engine).await;
                            }
                        }
                        None => {
                            let mut stream = stream;
                            let _ = tokio::io::copy_bidirectional(&mut stream, &mut engine).await;
                        }
                    }
                });
                let mut tracked = tracked.lock().expect("connections lock");
                tracked.retain(|task| !task.is_finished());
                tracked.push(connection);
            }
        });
        EngineProxy {
            port,
            task,
            connections,
        }
    }

    /// Cuts every open connection (long-lived event streams included) but keeps accepting new ones.
    pub fn cut_connections(&self) {
        for connection in self.connections.lock().expect("connections lock").drain(..) {
            connection.abort();
        }
    }

    pub fn url(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }
}

impl Drop for EngineProxy {
    /// The engine goes away: nothing is accepted and every open connection is cut.
    fn drop(&mut self) {
        self.task.abort();
        self.cut_connections();
    }
}

fn tls_material() -> (Arc<ServerConfig>, TlsFixture) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");

    let server_key = KeyPair::generate().expect("server key");
    let server_cert =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("server params")
            .signed_by(&server_key, &ca)
            .expect("server certificate");
    let client_key = KeyPair::generate().expect("client key");
    let client_cert = CertificateParams::new(vec!["berth-client".to_string()])
        .expect("client params")
        .signed_by(&client_key, &ca)
        .expect("client certificate");

    let provider = Arc::new(aws_lc_rs::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(ca.der().clone()).expect("adding the CA");
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .expect("client verifier");
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(server_cert.pem().as_bytes()).expect("server PEM")],
            PrivateKeyDer::from_pem_slice(server_key.serialize_pem().as_bytes()).expect("key PEM"),
        )
        .expect("server TLS config");
    let fixture = TlsFixture {
        ca_pem: ca.pem(),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    };
    (Arc::new(config), fixture)
}
