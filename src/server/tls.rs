//! TLS for the server's connections: the certificate and key it presents, and, for mutual TLS,
//! the CA whose client certificates it accepts. rustls with the ring provider; ALPN `h2`, and
//! `http/1.1` too when JSON over HTTP is on ([`Tls::with_http1`]).
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
        if let Some(warning) = validity_warning(&chain[0], std::time::SystemTime::now()) {
            tracing::warn!(cert = %cert.display(), "{warning}");
        }
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

    /// The same, offering `http/1.1` after `h2` in ALPN, for JSON over HTTP/1.1 (curl,
    /// browsers).
    pub(super) fn with_http1(&self) -> Tls {
        let mut config = (**self.acceptor.config()).clone();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Tls { acceptor: TlsAcceptor::from(Arc::new(config)), mutual: self.mutual }
    }

    pub(super) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Whether clients must present a certificate.
    pub fn mutual(&self) -> bool {
        self.mutual
    }
}

/// How long before its end a certificate is warned about at start.
const EXPIRY_WARNING: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// A warning for a server certificate that has expired, expires within
/// [`EXPIRY_WARNING`] of `now`, or is not valid yet; `None` when it is fine (or cannot be
/// read: rustls has the last word on that).
fn validity_warning(cert: &CertificateDer<'_>, now: std::time::SystemTime) -> Option<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    let validity = parsed.validity();
    let now = now.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    let (from, until) = (validity.not_before.timestamp(), validity.not_after.timestamp());
    let when = |t: i64| validity_time(t);
    if until < now {
        Some(format!("the server certificate expired at {} (clients will refuse it): renew it", when(until)))
    } else if until - now < EXPIRY_WARNING.as_secs() as i64 {
        Some(format!("the server certificate expires at {}, in less than 7 days: renew it", when(until)))
    } else if from > now {
        Some(format!("the server certificate is not valid before {} (clients will refuse it until then)", when(from)))
    } else {
        None
    }
}

/// A Unix time as RFC 3339 in UTC, to the second.
fn validity_time(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(not_before: (i32, u8, u8), not_after: (i32, u8, u8)) -> CertificateDer<'static> {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(not_before.0, not_before.1, not_before.2);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().clone()
    }

    #[test]
    fn expired_expiring_and_future_certificates_are_warned_about() {
        // 2026-12-07T00:00:00Z.
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_601_600);
        assert_eq!(validity_time(1_796_601_600), "2026-12-07T00:00:00Z");
        assert_eq!(validity_warning(&cert((2025, 1, 1), (2027, 1, 1)), now), None);
        let expired = validity_warning(&cert((2025, 1, 1), (2026, 12, 1)), now).unwrap();
        assert_eq!(expired, "the server certificate expired at 2026-12-01T00:00:00Z (clients will refuse it): renew it");
        let soon = validity_warning(&cert((2025, 1, 1), (2026, 12, 10)), now).unwrap();
        assert!(soon.starts_with("the server certificate expires at 2026-12-10T00:00:00Z, in less than 7 days"), "{soon}");
        let future = validity_warning(&cert((2027, 1, 1), (2028, 1, 1)), now).unwrap();
        assert!(future.starts_with("the server certificate is not valid before 2027-01-01T00:00:00Z"), "{future}");
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
