//! Reloading: the directory watch (edits, a bad file, the Kubernetes ConfigMap `..data` swap),
//! what ListGazetteers reports of the last reload, and `gazette serve` with and without
//! `--no-watch`, reloaded by SIGHUP. Every wait polls a real condition with a generous deadline.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use gazette::grpc::pb;
use gazette::grpc::pb::entity_extractor_client::EntityExtractorClient;
use gazette::server::{serve, watch, Handle};
use gazette::{Folders, Limits, Names};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/gazetteers");

/// How long a change may take to be served, on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(60);

const ATLANTIS: &str = "place:atlantis\tplace\tAtlantis\t\t100\tcountry=AT\n";

/// A copy of the fixture gazetteers (with their cues) in `to`.
fn copy_fixtures(to: &Path) {
    copy_dir(Path::new(FIXTURES), to);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn append(path: &Path, line: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(line.as_bytes()).unwrap();
}

struct Running {
    client: EntityExtractorClient<Channel>,
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<gazette::Result<()>>,
}

impl Running {
    /// The server, loaded from `from` by a first reload, as `gazette serve` does.
    async fn start(from: impl Into<Folders>) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = Handle::new().await;
        handle.reload(from).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, handle.clone(), Limits::default(), async {
            let _ = stopped.await;
        }));
        let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
        Running { client: EntityExtractorClient::new(channel), handle, stop: Some(stop), server }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.server.await.unwrap().unwrap();
    }
}

async fn list(client: &mut EntityExtractorClient<Channel>) -> pb::ListGazetteersResponse {
    client.list_gazetteers(pb::ListGazetteersRequest {}).await.unwrap().into_inner()
}

async fn finds(client: &mut EntityExtractorClient<Channel>, text: &str, id: &str) -> bool {
    let r = client
        .extract(pb::ExtractRequest { document_id: "d".into(), text: text.into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    r.mentions.iter().any(|m| m.entity_id == id)
}

/// Polls `check` every 50 ms until it holds; panics with `what` after [`PATIENCE`].
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "not within {PATIENCE:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// RFC 3339 in UTC with milliseconds: "2026-12-02T01:20:00.123Z".
fn is_rfc3339_millis(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && b[23] == b'Z'
        && humantime::parse_rfc3339(s).is_ok()
}

#[tokio::test]
async fn list_gazetteers_reports_the_last_reload() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut s = Running::start(Path::new(FIXTURES)).await;
    let first = list(&mut s.client).await;
    assert!(is_rfc3339_millis(&first.last_reload_at), "{:?}", first.last_reload_at);
    assert_eq!(first.last_reload_error, "");
    let recorded = s.handle.last_reload().expect("the first load is recorded");
    assert_eq!(humantime::format_rfc3339_millis(recorded.at).to_string(), first.last_reload_at);
    assert_eq!(recorded.error, None);

    let err = s.handle.reload(&data.join("gazetteers-bad")).await.unwrap_err();
    let failed = list(&mut s.client).await;
    assert_eq!(failed.last_reload_error, err.to_string());
    assert!(failed.last_reload_error.ends_with("gazetteers-bad/places.tsv:11: expected 6 tab-separated columns (id, kind, canonical, aliases, priority, attributes), found 4"), "{}", failed.last_reload_error);
    // The time of the failed attempt; the data listed is the old set's.
    assert!(failed.last_reload_at >= first.last_reload_at, "{} < {}", failed.last_reload_at, first.last_reload_at);
    assert_eq!(failed.gazetteer_version, first.gazetteer_version);
    assert_eq!(s.handle.last_reload().unwrap().error.as_deref(), Some(err.to_string().as_str()));

    s.handle.reload(&data.join("gazetteers-v2")).await.unwrap();
    let good = list(&mut s.client).await;
    assert_eq!(good.last_reload_error, "");
    assert!(good.last_reload_at >= failed.last_reload_at);
    assert_ne!(good.gazetteer_version, first.gazetteer_version);
    s.stop().await;
}

#[tokio::test]
async fn a_server_that_never_reloaded_reports_no_reload() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = Handle::new().await;
    handle.install(gazette::Extractor::load(Path::new(FIXTURES)).unwrap()).await;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, handle.clone(), Limits::default(), async {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    let r = list(&mut EntityExtractorClient::new(channel)).await;
    assert_eq!((r.last_reload_at.as_str(), r.last_reload_error.as_str()), ("", ""));
    assert_eq!(handle.last_reload(), None);
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn watch_reloads_an_edited_file_and_keeps_the_old_set_on_a_bad_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gazetteers");
    copy_fixtures(&dir);
    let mut s = Running::start(&dir).await;
    let _watch = watch(s.handle.clone(), &dir).unwrap();
    let before = list(&mut s.client).await;
    assert!(!finds(&mut s.client, "Atlantis", "place:atlantis").await);

    append(&dir.join("places.tsv"), ATLANTIS);
    let mut client = s.client.clone();
    until("the edit is served", || {
        let mut c = client.clone();
        async move { finds(&mut c, "Atlantis", "place:atlantis").await }
    })
    .await;
    let good = list(&mut client).await;
    assert_ne!(good.gazetteer_version, before.gazetteer_version);
    assert_eq!(good.last_reload_error, "");
    assert!(good.last_reload_at > before.last_reload_at);

    // A bad line: the reload fails, the set with Atlantis stays, ListGazetteers says why.
    let lines = std::fs::read_to_string(dir.join("places.tsv")).unwrap().lines().count();
    append(&dir.join("places.tsv"), "place:broken\tplace\tBroken\n");
    until("the failed reload is reported", || {
        let mut c = client.clone();
        async move { !list(&mut c).await.last_reload_error.is_empty() }
    })
    .await;
    let failed = list(&mut client).await;
    let at = format!("{}:{}: expected 6 tab-separated columns", dir.join("places.tsv").display(), lines + 1);
    assert!(failed.last_reload_error.starts_with(&at), "{:?} does not start with {at:?}", failed.last_reload_error);
    assert!(failed.last_reload_at > good.last_reload_at);
    assert_eq!(failed.gazetteer_version, good.gazetteer_version);
    assert!(finds(&mut client, "Atlantis", "place:atlantis").await);

    // A new file, written through an editor-like temporary and renamed into place, also counts;
    // and the fixed directory loads again.
    let text = std::fs::read_to_string(dir.join("places.tsv")).unwrap().replace("place:broken\tplace\tBroken\n", "");
    std::fs::write(dir.join(".places.tsv.swp"), "scratch").unwrap();
    std::fs::write(dir.join("places.tsv.tmp"), text).unwrap();
    std::fs::rename(dir.join("places.tsv.tmp"), dir.join("places.tsv")).unwrap();
    std::fs::write(dir.join("extra.tsv"), "place:lemuria\tplace\tLemuria\t\t100\t\n").unwrap();
    until("the fix and the new file are served", || {
        let mut c = client.clone();
        async move { finds(&mut c, "Lemuria", "place:lemuria").await }
    })
    .await;
    let fixed = list(&mut client).await;
    assert_eq!(fixed.last_reload_error, "");
    assert_eq!(fixed.gazetteers.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["extra", "places", "world"]);
    assert!(finds(&mut client, "Atlantis", "place:atlantis").await);

    // A removed file.
    std::fs::remove_file(dir.join("extra.tsv")).unwrap();
    until("the removal is served", || {
        let mut c = client.clone();
        async move { !finds(&mut c, "Lemuria", "place:lemuria").await }
    })
    .await;
    s.stop().await;
}

/// A custom folder laid over a default one (`--gazetteers DIR` without
/// `--no-default-gazetteers`): both are watched; an entry added to the custom folder is served
/// beside the defaults' entries, a bad custom line keeps the set serving and is reported with
/// its folder, file and line, and a custom entry with a default id replaces it.
#[tokio::test]
async fn watch_reloads_a_custom_folder_laid_over_the_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let (defaults, custom) = (tmp.path().join("defaults"), tmp.path().join("custom"));
    copy_fixtures(&defaults);
    std::fs::create_dir_all(&custom).unwrap();
    std::fs::write(custom.join("mine.tsv"), "place:lemuria\tplace\tLemuria\t\t100\t\n").unwrap();
    let folders = Folders { defaults: Some(defaults.clone()), custom: Some(custom.clone()), default_gazetteers: true, names: Names::On };
    let s = Running::start(&folders).await;
    let _watch = watch(s.handle.clone(), &folders).unwrap();
    let mut client = s.client.clone();
    assert!(finds(&mut client, "Lemuria", "place:lemuria").await, "the custom entry");
    assert!(finds(&mut client, "Iran", "place:iran").await, "a default entry");
    let names = |l: &pb::ListGazetteersResponse| l.gazetteers.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&list(&mut client).await), ["places", "world", "mine"]);

    // An edit of the custom folder.
    append(&custom.join("mine.tsv"), ATLANTIS);
    until("the custom edit is served", || {
        let mut c = client.clone();
        async move { finds(&mut c, "Atlantis", "place:atlantis").await }
    })
    .await;
    assert!(finds(&mut client, "Iran", "place:iran").await, "the defaults stay");
    let good = list(&mut client).await;

    // A bad custom line: the reload fails with the custom file's path and line, the set stays.
    append(&custom.join("mine.tsv"), "place:broken\tplace\tBroken\n");
    until("the failed reload is reported", || {
        let mut c = client.clone();
        async move { !list(&mut c).await.last_reload_error.is_empty() }
    })
    .await;
    let failed = list(&mut client).await;
    let at = format!("{}:3: expected 6 tab-separated columns", custom.join("mine.tsv").display());
    assert!(failed.last_reload_error.starts_with(&at), "{:?} does not start with {at:?}", failed.last_reload_error);
    assert_eq!(failed.gazetteer_version, good.gazetteer_version);
    assert!(finds(&mut client, "Atlantis", "place:atlantis").await);

    // Fixed, with a default id redefined: the custom entry replaces the default one ("Persia"
    // now finds place:iran, "Iran" no more).
    std::fs::write(custom.join("mine.tsv"), "place:iran\tplace\tPersia\t\t100\tcountry=IR\n").unwrap();
    until("the replacement is served", || {
        let mut c = client.clone();
        async move { finds(&mut c, "Persia", "place:iran").await }
    })
    .await;
    assert!(!finds(&mut client, "Iran", "place:iran").await, "the default entry is replaced");
    let fixed = list(&mut client).await;
    assert_eq!(fixed.last_reload_error, "");
    let places = fixed.gazetteers.iter().find(|g| g.name == "places").unwrap();
    assert_eq!(places.entry_count, 7, "the default file counts the replaced entry no more");

    // An edit of the default folder reloads too: both are watched.
    append(&defaults.join("world.tsv"), "place:mu\tplace\tMu Land\t\t100\t\n");
    until("the default edit is served", || {
        let mut c = client.clone();
        async move { finds(&mut c, "Mu Land", "place:mu").await }
    })
    .await;
    s.stop().await;
}

/// A file rewritten in place, slowly: truncated, then written a few lines at a time with pauses
/// longer than the watch's quiet time, for longer than its longest wait. Line-aligned chunks
/// parse, so only the writer's close can say the file is complete: the served set goes from
/// the old one to the new one with nothing between.
#[tokio::test]
async fn a_slow_rewrite_in_place_installs_no_partial_set() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gazetteers");
    copy_fixtures(&dir);
    let mut s = Running::start(&dir).await;
    let _watch = watch(s.handle.clone(), &dir).unwrap();
    let old = list(&mut s.client).await.gazetteer_version;
    let mut text = std::fs::read_to_string(dir.join("places.tsv")).unwrap();
    for k in 0..8 {
        text.push_str(&format!("place:isle-{k}\tplace\tIsle Number{k}\t\t100\t\n"));
    }
    // Every version served while the file is written.
    let (done, mut finished) = oneshot::channel::<()>();
    let mut client = s.client.clone();
    let seen = tokio::spawn(async move {
        let mut seen = vec![];
        loop {
            let v = list(&mut client).await.gazetteer_version;
            if seen.last() != Some(&v) {
                seen.push(v);
            }
            if finished.try_recv().is_ok() {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(dir.join("places.tsv")).unwrap();
    for chunk in lines.chunks(lines.len().div_ceil(8)) {
        file.write_all(chunk.concat().as_bytes()).unwrap();
        file.flush().unwrap();
        // The writer's own pace (longer than the watch's quiet time), not a wait for the server.
        tokio::time::sleep(gazette::server::QUIET + Duration::from_millis(300)).await;
    }
    drop(file);
    let mut client = s.client.clone();
    until("the complete file is served", || {
        let mut c = client.clone();
        async move { finds(&mut c, "Isle Number7", "place:isle-7").await }
    })
    .await;
    let new = list(&mut client).await.gazetteer_version;
    let _ = done.send(());
    let seen = seen.await.unwrap();
    assert_ne!(new, old);
    assert_eq!(seen.first(), Some(&old), "{seen:?}");
    assert!(seen.iter().all(|v| *v == old || *v == new), "a partial set was served: {seen:?} (old {old}, new {new})");
    assert!(finds(&mut client, "Isle Number0", "place:isle-0").await);
    s.stop().await;
}

/// The kubelet's update of a ConfigMap volume: the visible names are symlinks into `..data`,
/// a symlink to a timestamped directory; an update writes a new directory, points `..data_tmp`
/// at it and renames that over `..data`, then deletes the old directory.
#[tokio::test]
async fn watch_reloads_a_configmap_symlink_swap() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gazetteers");
    std::fs::create_dir(&dir).unwrap();
    let first = dir.join("..2026_12_02_01_00_00.000000001");
    copy_fixtures(&first);
    std::os::unix::fs::symlink(first.file_name().unwrap(), dir.join("..data")).unwrap();
    for name in ["places.tsv", "world.tsv", "cues"] {
        std::os::unix::fs::symlink(Path::new("..data").join(name), dir.join(name)).unwrap();
    }
    // The update's directory is written before the watch starts, so that the swap alone (the
    // new `..data_tmp` link and its rename over `..data`) is what the watch sees.
    let second: PathBuf = dir.join("..2026_12_02_01_05_00.000000002");
    copy_fixtures(&second);
    append(&second.join("places.tsv"), ATLANTIS);
    let mut s = Running::start(&dir).await;
    let _watch = watch(s.handle.clone(), &dir).unwrap();
    let before = list(&mut s.client).await;
    assert!(!finds(&mut s.client, "Atlantis", "place:atlantis").await);

    std::os::unix::fs::symlink(second.file_name().unwrap(), dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();

    let client = s.client.clone();
    until("the swapped set is served", || {
        let mut c = client.clone();
        async move { finds(&mut c, "Atlantis", "place:atlantis").await }
    })
    .await;
    std::fs::remove_dir_all(&first).unwrap();
    let after = list(&mut s.client).await;
    assert_eq!(after.last_reload_error, "");
    assert_ne!(after.gazetteer_version, before.gazetteer_version);
    // Paths are the visible names, not the timestamped directory's.
    assert!(after.gazetteers.iter().all(|g| !g.path.contains("..2026")), "{:?}", after.gazetteers);

    // And the next update too, after the first one's directory is gone.
    let third: PathBuf = dir.join("..2026_12_02_01_10_00.000000003");
    copy_dir(&second, &third);
    append(&third.join("places.tsv"), "place:lemuria\tplace\tLemuria\t\t100\t\n");
    std::os::unix::fs::symlink(third.file_name().unwrap(), dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    std::fs::remove_dir_all(&second).unwrap();
    until("the second swap is served", || {
        let mut c = client.clone();
        async move { finds(&mut c, "Lemuria", "place:lemuria").await }
    })
    .await;
    assert!(finds(&mut s.client, "Atlantis", "place:atlantis").await);
    s.stop().await;
}

/// `gazette serve` as a child process; its log lines arrive on a channel.
struct Process {
    child: Child,
    addr: String,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Process {
    async fn start(dir: &Path, extra: &[&str]) -> Process {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_gazette"))
            .arg("--gazetteers")
            .arg(dir)
            .args(["--no-default-gazetteers", "serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "gazette=info")
            .env("GAZETTE_LOG_FORMAT", "text")
            .env_remove("GAZETTE_NO_WATCH")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("gazette runs");
        let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let listening = wait_for(&mut lines, "listening").await;
        let addr = listening.split("addr=").nth(1).and_then(|s| s.split_whitespace().next()).expect("the bound address").to_owned();
        // SIGHUP is handled from here on (before, it would end the process).
        wait_for(&mut lines, "SERVING").await;
        Process { child, addr, lines }
    }

    async fn client(&self) -> EntityExtractorClient<Channel> {
        EntityExtractorClient::new(Channel::from_shared(format!("http://{}", self.addr)).unwrap().connect().await.unwrap())
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().expect("kill runs");
        assert!(sent.success());
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_for(lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>, needle: &str) -> String {
    let found = tokio::time::timeout(PATIENCE, async {
        while let Some(line) = lines.recv().await {
            if line.contains(needle) {
                return line;
            }
        }
        panic!("the server exited before logging {needle:?}");
    });
    found.await.unwrap_or_else(|_| panic!("no {needle:?} in the log"))
}

/// Two servers on one directory, one watching (the default) and one with `--no-watch`: an
/// edit reaches the first, not the second, until the second gets SIGHUP.
#[tokio::test]
async fn serve_watches_by_default_and_no_watch_reloads_only_on_sighup() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gazetteers");
    copy_fixtures(&dir);
    let mut watching = Process::start(&dir, &[]).await;
    let mut still = Process::start(&dir, &["--no-watch"]).await;
    let (mut w, mut n) = (watching.client().await, still.client().await);
    let n_before = list(&mut n).await;
    assert!(is_rfc3339_millis(&n_before.last_reload_at), "the start-up load is recorded: {:?}", n_before.last_reload_at);

    append(&dir.join("places.tsv"), ATLANTIS);
    until("the watching server serves the edit", || {
        let mut c = w.clone();
        async move { finds(&mut c, "Atlantis", "place:atlantis").await }
    })
    .await;
    let line = wait_for(&mut watching.lines, "gazetteers reloaded").await;
    assert!(line.contains("directory watch"), "{line}");
    assert!(finds(&mut w, "Atlantis", "place:atlantis").await);

    // The watching server has reloaded; a watch in the other one would have fired at about the
    // same time. Give it six times the debounce more, on a busy machine, to show it did not;
    // and meanwhile the watching server must not reload again (its own loads open the files:
    // those events must not count as changes, or it would reload for ever).
    let w_reloaded = list(&mut w).await.last_reload_at;
    let quiet_end = tokio::time::Instant::now() + gazette::server::QUIET * 6;
    while tokio::time::Instant::now() < quiet_end {
        let now = list(&mut n).await;
        assert_eq!(now.last_reload_at, n_before.last_reload_at, "--no-watch reloaded on a change");
        assert!(!finds(&mut n, "Atlantis", "place:atlantis").await);
        assert_eq!(list(&mut w).await.last_reload_at, w_reloaded, "the watch reloaded again with no change");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    still.signal("HUP");
    let line = wait_for(&mut still.lines, "gazetteers reloaded").await;
    assert!(line.contains("SIGHUP"), "{line}");
    assert!(finds(&mut n, "Atlantis", "place:atlantis").await);
    let n_after = list(&mut n).await;
    assert!(n_after.last_reload_at > n_before.last_reload_at);
    assert_eq!(n_after.gazetteer_version, list(&mut w).await.gazetteer_version);

    // A failed SIGHUP reload is logged with the file and line, and the set stays.
    append(&dir.join("places.tsv"), "place:broken\tplace\n");
    still.signal("HUP");
    let line = wait_for(&mut still.lines, "reload failed").await;
    assert!(line.contains("places.tsv:"), "{line}");
    assert!(finds(&mut n, "Atlantis", "place:atlantis").await);
    assert!(list(&mut n).await.last_reload_error.contains("places.tsv:"));
}
