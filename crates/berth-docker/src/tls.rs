//! rustls client configuration for TLS engines, built from PEM text, with aws-lc-rs as the only provider.

use std::sync::Arc;

use berth_model::TlsMaterial;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{CryptoProvider, aws_lc_rs};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::DockerError;

pub(crate) fn client_config(material: &TlsMaterial) -> Result<ClientConfig, DockerError> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| DockerError::TlsConfig(error.to_string()))?;
    let builder = if material.skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCertificate(provider)))
    } else {
        let ca = material
            .ca_pem
            .as_deref()
            .ok_or_else(|| DockerError::TlsConfig("a CA certificate is required".into()))?;
        let mut roots = RootCertStore::empty();
        for certificate in parse_certificates(ca, "CA certificate")? {
            roots
                .add(certificate)
                .map_err(|error| DockerError::TlsConfig(format!("CA certificate: {error}")))?;
        }
        builder.with_root_certificates(roots)
    };
    match (&material.cert_pem, &material.key_pem) {
        (Some(cert), Some(key)) => {
            let chain = parse_certificates(cert, "client certificate")?;
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|_| {
                DockerError::TlsConfig("client key: no PEM private key found".into())
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|error| DockerError::TlsConfig(format!("client certificate: {error}")))
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

fn parse_certificates(pem: &str, what: &str) -> Result<Vec<CertificateDer<'static>>, DockerError> {
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| DockerError::TlsConfig(format!("{what}: {error}")))?;
    if certificates.is_empty() {
        return Err(DockerError::TlsConfig(format!(
            "{what}: no PEM certificate found"
        )));
    }
    Ok(certificates)
}

/// The verifier behind `skip_verify`: signatures are still checked, the certificate chain is not.
#[derive(Debug)]
struct AcceptAnyServerCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, tokio_rustls::rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        tokio_rustls::rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        tokio_rustls::rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unparseable_pem() {
        let material = TlsMaterial {
            ca_pem: Some("not a certificate".into()),
            ..TlsMaterial::default()
        };
        let error = client_config(&material).unwrap_err();
        assert!(error.to_string().contains("CA certificate"), "{error}");
    }

    #[test]
    fn skip_verify_needs_no_ca() {
        let material = TlsMaterial {
            skip_verify: true,
            ..TlsMaterial::default()
        };
        assert!(client_config(&material).is_ok());
    }
}
