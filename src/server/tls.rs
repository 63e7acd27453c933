//! TLS for the server's connections: the certificate and key it presents, and, for mutual TLS,
//! the CA whose client certificates it accepts. rustls with the ring provider; ALPN `h2` only.
//!
//! This module reads the PEM files and builds the acceptor once, at start; the handshake itself
//! runs per connection in the accept loop ([`super::accept`]), off the loop and within the
//! handshake timeout. Who may call what (the bearer token) belongs to [`crate::grpc`].

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::error::{Error, Result};

/// A server TLS configuration, ready to accept connections.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    mutual: bool,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("mutual", &self.mutual).finish_non_exhaustive()
    }
}

impl Tls {
    /// The certificate chain in `cert` and its private key in `key` (PEM); with `client_ca`,
    /// clients must present a certificate signed by one of the CAs in that PEM file.
    pub fn load(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<Tls> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain = certificates(cert)?;
        let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, format!("cannot read a PEM private key (PKCS#8, PKCS#1 or SEC1): {e}")))?;
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(cert, format!("TLS setup: {e}")))?;
        let builder = match client_ca {
            None => builder.with_no_client_auth(),
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                for c in certificates(ca)? {
                    roots.add(c).map_err(|e| bad(ca, format!("not a usable CA certificate: {e}")))?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|e| bad(ca, format!("cannot verify clients with these CAs: {e}")))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder
            .with_single_cert(chain, key_der)
            .map_err(|e| bad(key, format!("does not go with the certificate {}: {e}", cert.display())))?;
        // gRPC is HTTP/2 only: a client that offers other protocols and not h2 is refused in
        // the handshake; one that offers none must still send the HTTP/2 preface.
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), mutual: client_ca.is_some() })
    }

    pub(super) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Whether clients must present a certificate.
    pub fn mutual(&self) -> bool {
        self.mutual
    }
}

/// Every certificate in the PEM file at `path`; at least one.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let all = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| bad(path, format!("cannot read PEM certificates: {e}")))?;
    if all.is_empty() {
        return Err(bad(path, "no PEM certificate (-----BEGIN CERTIFICATE-----) in this file".into()));
    }
    Ok(all)
}

fn bad(path: &Path, message: String) -> Error {
    Error::Credentials { path: path.to_path_buf(), message }
}
