//! TLS, mutual TLS and the bearer token, on the real server on 127.0.0.1:0 with real clients
//! (tonic's rustls client, certificates made here with rcgen); and the command line's checks
//! of the credential flags.

use std::path::Path;
use std::process::Command;

use gazette::grpc::pb;
use gazette::grpc::pb::entity_extractor_client::EntityExtractorClient;
use gazette::grpc::Token;
use gazette::server::{serve_with, Handle, Security, Tls};
use gazette::{Extractor, Limits};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic::Code;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/gazetteers");
const TOKEN: &str = "4f1c0c1e5b2a9d7e-test-token";

/// A CA and what it signed, as PEM files in a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let pki = Pki { dir: tempfile::tempdir().unwrap(), ca_pem: issuer.pem(), issuer };
        std::fs::write(pki.path("ca.pem"), &pki.ca_pem).unwrap();
        pki
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// A certificate for `names`, signed by the CA, for `usage`: (certificate PEM, key PEM).
    fn sign(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
        let mut params = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// The server's certificate and key for `localhost`, written to files.
    fn server_files(&self) -> (std::path::PathBuf, std::path::PathBuf) {
        let (cert, key) = self.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth);
        std::fs::write(self.path("server.pem"), cert).unwrap();
        std::fs::write(self.path("server.key"), key).unwrap();
        (self.path("server.pem"), self.path("server.key"))
    }
}

struct Running {
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<gazette::Result<()>>,
}

impl Running {
    async fn start(security: Security) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = Handle::new().await;
        handle.install(Extractor::load(Path::new(FIXTURES)).unwrap()).await;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve_with(listener, handle, Limits::default(), security, async {
            let _ = stopped.await;
        }));
        Running { addr, stop: Some(stop), server }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.server.await.unwrap().unwrap();
    }
}

fn request(text: &str) -> pb::ExtractRequest {
    pb::ExtractRequest { document_id: "doc".into(), text: text.into(), ..Default::default() }
}

/// Connects with `tls` (plaintext when `None`) and makes one Extract call: the entity ids it
/// found, or the failure (connecting or calling) as a status.
async fn extract_over(addr: std::net::SocketAddr, tls: Option<ClientTlsConfig>) -> Result<Vec<String>, tonic::Status> {
    let endpoint = match tls {
        None => Channel::from_shared(format!("http://{addr}")).unwrap(),
        Some(tls) => Channel::from_shared(format!("https://{addr}")).unwrap().tls_config(tls).unwrap(),
    };
    let channel = endpoint
        .connect_timeout(std::time::Duration::from_secs(30))
        .connect()
        .await
        .map_err(|e| tonic::Status::unavailable(format!("connect: {e:?}")))?;
    let r = EntityExtractorClient::new(channel).extract(request("Iran and Israel")).await?;
    Ok(r.into_inner().mentions.into_iter().map(|m| m.entity_id).collect())
}

fn client_tls(pki: &Pki) -> ClientTlsConfig {
    ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pki.ca_pem)).domain_name("localhost")
}

const FOUND: [&str; 2] = ["place:iran", "place:israel"];

#[tokio::test]
async fn tls_client_that_trusts_the_ca_is_served_and_plaintext_is_refused() {
    let pki = Pki::new("gazette test CA");
    let (cert, key) = pki.server_files();
    let s = Running::start(Security { tls: Some(Tls::load(&cert, &key, None).unwrap()), token: None }).await;

    assert_eq!(extract_over(s.addr, Some(client_tls(&pki))).await.unwrap(), FOUND);

    let plain = extract_over(s.addr, None).await.unwrap_err();
    assert!(matches!(plain.code(), Code::Unavailable | Code::Unknown | Code::Internal), "{plain:?}");

    // A client that trusts another CA refuses the server.
    let other = Pki::new("another CA");
    let untrusted = extract_over(s.addr, Some(client_tls(&other))).await.unwrap_err();
    assert_eq!(untrusted.code(), Code::Unavailable, "{untrusted:?}");

    // The server still serves after those failed handshakes.
    assert_eq!(extract_over(s.addr, Some(client_tls(&pki))).await.unwrap(), FOUND);
    s.stop().await;
}

#[tokio::test]
async fn mutual_tls_serves_only_clients_with_a_certificate_from_the_client_ca() {
    let pki = Pki::new("gazette test CA");
    let (cert, key) = pki.server_files();
    let clients = Pki::new("gazette client CA");
    let tls = Tls::load(&cert, &key, Some(&clients.path("ca.pem"))).unwrap();
    assert!(tls.mutual());
    let s = Running::start(Security { tls: Some(tls), token: None }).await;

    let (client_cert, client_key) = clients.sign(&["client-1"], ExtendedKeyUsagePurpose::ClientAuth);
    let with_cert = client_tls(&pki).identity(Identity::from_pem(&client_cert, &client_key));
    assert_eq!(extract_over(s.addr, Some(with_cert)).await.unwrap(), FOUND);

    // In TLS 1.3 the client sends its (empty) certificate after the handshake looks done to
    // it, so the refusal arrives as an alert on the first call.
    let without = extract_over(s.addr, Some(client_tls(&pki))).await.unwrap_err();
    assert!(matches!(without.code(), Code::Unavailable | Code::Unknown), "{without:?}");
    assert!(format!("{without:?}").contains("CertificateRequired"), "{without:?}");

    // A certificate from a CA the server does not take for clients (its own server CA).
    let (stranger_cert, stranger_key) = pki.sign(&["client-2"], ExtendedKeyUsagePurpose::ClientAuth);
    let stranger = client_tls(&pki).identity(Identity::from_pem(&stranger_cert, &stranger_key));
    let refused = extract_over(s.addr, Some(stranger)).await.unwrap_err();
    assert!(matches!(refused.code(), Code::Unavailable | Code::Unknown), "{refused:?}");
    assert!(format!("{refused:?}").contains("UnknownCA"), "{refused:?}");
    s.stop().await;
}

fn with_auth<T>(message: T, header: Option<&str>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(h) = header {
        request.metadata_mut().insert("authorization", h.parse().unwrap());
    }
    request
}

#[tokio::test]
async fn token_is_required_on_the_extractor_and_not_on_health_or_reflection() {
    let s = Running::start(Security { tls: None, token: Some(Token::new(TOKEN).unwrap()) }).await;
    let channel = Channel::from_shared(format!("http://{}", s.addr)).unwrap().connect().await.unwrap();
    let mut client = EntityExtractorClient::new(channel.clone());

    let cases: &[(&str, Option<String>, Result<(), &str>)] = &[
        ("no header", None, Err("missing authorization: Bearer token")),
        ("wrong token", Some(format!("Bearer {TOKEN}x")), Err("invalid token")),
        ("other scheme", Some(format!("Basic {TOKEN}")), Err("missing authorization: Bearer token")),
        ("right token", Some(format!("Bearer {TOKEN}")), Ok(())),
    ];
    for (name, header, want) in cases {
        let got = client.extract(with_auth(request("Iran"), header.as_deref())).await;
        match (got, want) {
            (Ok(r), Ok(())) => assert_eq!(r.into_inner().mentions[0].entity_id, "place:iran", "{name}"),
            (Err(status), Err(message)) => {
                assert_eq!(status.code(), Code::Unauthenticated, "{name}");
                assert_eq!(status.message(), *message, "{name}");
                assert!(!status.message().contains(TOKEN), "{name}: the token is echoed");
            }
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
    // Every RPC of the service is guarded, streams too.
    let list = client.list_gazetteers(pb::ListGazetteersRequest {}).await.unwrap_err();
    assert_eq!(list.code(), Code::Unauthenticated);
    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ExtractBatchRequest>(1);
    drop(tx);
    let batch = client.extract_batch(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap_err();
    assert_eq!(batch.code(), Code::Unauthenticated);
    let listed = client.list_gazetteers(with_auth(pb::ListGazetteersRequest {}, Some(&format!("Bearer {TOKEN}")))).await.unwrap();
    assert_eq!(listed.into_inner().gazetteers.len(), 2);

    // Health and reflection without a token.
    let health = tonic_health::pb::health_client::HealthClient::new(channel.clone())
        .check(tonic_health::pb::HealthCheckRequest { service: String::new() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(health.status, tonic_health::pb::health_check_response::ServingStatus::Serving as i32);

    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    let ask = ServerReflectionRequest { host: String::new(), message_request: Some(MessageRequest::ListServices(String::new())) };
    let mut answers = ServerReflectionClient::new(channel).server_reflection_info(tokio_stream::iter([ask])).await.unwrap().into_inner();
    let answer = answers.message().await.unwrap().expect("one answer");
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else { panic!("{answer:?}") };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"gazette.v1.EntityExtractor".to_owned()), "{names:?}");
    s.stop().await;
}

#[tokio::test]
async fn tls_and_token_together() {
    let pki = Pki::new("gazette test CA");
    let (cert, key) = pki.server_files();
    let security = Security { tls: Some(Tls::load(&cert, &key, None).unwrap()), token: Some(Token::new(TOKEN).unwrap()) };
    let s = Running::start(security).await;
    let channel = Channel::from_shared(format!("https://{}", s.addr)).unwrap().tls_config(client_tls(&pki)).unwrap().connect().await.unwrap();
    let mut client = EntityExtractorClient::new(channel);
    assert_eq!(client.extract(request("Iran")).await.unwrap_err().code(), Code::Unauthenticated);
    let r = client.extract(with_auth(request("Iran"), Some(&format!("Bearer {TOKEN}")))).await.unwrap().into_inner();
    assert_eq!(r.mentions[0].entity_id, "place:iran");
    s.stop().await;
}

/// A connection that completes the TLS handshake but never sends the HTTP/2 preface is closed
/// after the handshake timeout, and does not keep others out meanwhile.
#[tokio::test]
async fn silent_tls_connection_is_closed_after_the_handshake_timeout() {
    use tokio::io::AsyncReadExt;
    let pki = Pki::new("gazette test CA");
    let (cert, key) = pki.server_files();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = Handle::new().await;
    handle.install(Extractor::load(Path::new(FIXTURES)).unwrap()).await;
    let limits = Limits { handshake_timeout: std::time::Duration::from_secs(1), ..Limits::default() };
    let security = Security { tls: Some(Tls::load(&cert, &key, None).unwrap()), token: None };
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve_with(listener, handle, limits, security, async {
        let _ = stopped.await;
    }));

    // A raw TCP connection that sends nothing at all.
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Others are served meanwhile.
    assert_eq!(extract_over(addr, Some(client_tls(&pki))).await.unwrap(), FOUND);
    // The silent one is closed by the server: EOF (or a reset), well before 30 s.
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), silent.read(&mut buf)).await.expect("closed by the server");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// `gazette serve` with the given extra arguments: its exit status and standard error. Every
/// case here must fail at start, before the gazetteers load.
fn serve_fails(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gazette"))
        .args(["--gazetteers", FIXTURES, "--no-default-gazetteers", "serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .env("RUST_LOG", "off")
        .env_remove("GAZETTE_TLS_CERT")
        .env_remove("GAZETTE_TLS_KEY")
        .env_remove("GAZETTE_TLS_CLIENT_CA")
        .env_remove("GAZETTE_AUTH_TOKEN_FILE")
        .output()
        .expect("gazette runs");
    assert!(!out.status.success(), "{args:?} started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_credential_flags_stop_the_start_with_the_file_named() {
    let pki = Pki::new("gazette test CA");
    let (cert, key) = pki.server_files();
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let missing = pki.path("nope.pem");
    let missing = missing.to_str().unwrap();
    std::fs::write(pki.path("empty-token"), "  \n").unwrap();
    let empty_token = pki.path("empty-token");
    std::fs::write(pki.path("garbage.pem"), "not a certificate\n").unwrap();
    let garbage = pki.path("garbage.pem");
    let (other_cert, _) = pki.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth);
    std::fs::write(pki.path("other.pem"), other_cert).unwrap();
    let other = pki.path("other.pem");

    let cases: Vec<(&str, Vec<&str>, String)> = vec![
        ("cert without key", vec!["--tls-cert", cert], "--tls-key".into()),
        ("key without cert", vec!["--tls-key", key], "--tls-cert".into()),
        ("client CA without cert", vec!["--tls-client-ca", cert], "--tls-cert".into()),
        ("missing cert file", vec!["--tls-cert", missing, "--tls-key", key], format!("{missing}: cannot read PEM certificates")),
        ("not a certificate", vec!["--tls-cert", garbage.to_str().unwrap(), "--tls-key", key], format!("{}: no PEM certificate", garbage.display())),
        ("missing key file", vec!["--tls-cert", cert, "--tls-key", missing], format!("{missing}: cannot read a PEM private key")),
        ("key of another certificate", vec!["--tls-cert", other.to_str().unwrap(), "--tls-key", key], format!("{key}: does not go with the certificate")),
        ("missing client CA", vec!["--tls-cert", cert, "--tls-key", key, "--tls-client-ca", missing], format!("{missing}: cannot read PEM certificates")),
        ("missing token file", vec!["--auth-token-file", missing], format!("{missing}: cannot read the token file")),
        ("empty token file", vec!["--auth-token-file", empty_token.to_str().unwrap()], format!("{}: the token file is empty", empty_token.display())),
    ];
    for (name, args, want) in cases {
        let stderr = serve_fails(&args);
        assert!(stderr.contains(&want), "{name}: {want:?} not in {stderr:?}");
    }
}
