//! Reloads the gazetteers when one of their folders changes (the defaults and the user's folder
//! laid over them are both watched): file edits, files added or removed, and
//! the Kubernetes ConfigMap swap (the kubelet writes a new `..<timestamp>/` directory, points a
//! new `..data_tmp` symlink at it and renames that over `..data`, which the visible files are
//! symlinks into).
//!
//! The directory is watched recursively (cue files live in `cues/`) without following
//! symlinks: the ConfigMap's timestamped directories are inside it anyway, and nothing outside
//! it is watched. Events are debounced: a reload starts once the directory has been quiet for
//! [`QUIET`] (an editor's save or the kubelet's swap is several events), or [`LONGEST`] after
//! the first change if it never is. A change during a reload leads to one more reload after
//! it. Reloads go through [`Handle::reload`], so a SIGHUP and a change never load at once, and
//! a bad file leaves the old set serving. Events that change nothing a load reads are
//! ignored: opens and reads (the loads' own), attribute changes, and editors' temporary files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use tokio::sync::Notify;

use super::Handle;
use crate::error::{Error, Result};
use crate::gazetteer::Folders;

/// How long the directory must be quiet before a reload starts.
pub const QUIET: Duration = Duration::from_millis(500);

/// The longest a reload waits for quiet after the first change.
const LONGEST: Duration = Duration::from_secs(5);

/// The longest a reload waits for a writer to close a file it is writing.
const WRITER_LONGEST: Duration = Duration::from_secs(300);

/// The files written to and not closed yet, as the events tell: a write (`Modify(Data)`)
/// opens the account, the close of a file opened for writing (`Close(Write)`) or its removal
/// closes it. A file written with write-then-rename is closed before it appears.
#[derive(Debug, Default)]
struct Writing {
    open: HashSet<PathBuf>,
}

impl Writing {
    fn note(&mut self, event: &notify::Event) {
        match event.kind {
            EventKind::Modify(ModifyKind::Data(_)) => self.open.extend(event.paths.iter().filter(|p| !scratch(p)).cloned()),
            EventKind::Access(AccessKind::Close(AccessMode::Write)) | EventKind::Remove(_) => {
                event.paths.iter().for_each(|p| {
                    self.open.remove(p);
                });
            }
            // "renamed from": the path is gone (a write-then-rename's temporary file).
            EventKind::Modify(ModifyKind::Name(_)) => event.paths.iter().for_each(|p| {
                if !p.exists() {
                    self.open.remove(p);
                }
            }),
            // Lost events: nothing is known to be open any more.
            EventKind::Other | EventKind::Any if event.paths.is_empty() => self.open.clear(),
            _ => {}
        }
    }

    /// A file still open for writing, if any.
    fn open(&self) -> Option<PathBuf> {
        self.open.iter().next().cloned()
    }

    fn clear(&mut self) {
        self.open.clear();
    }
}

/// A running watch; dropping it stops it.
#[derive(Debug)]
pub struct Watch {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Watches the folders of `from` (a folder, or the defaults and the user's folder laid over
/// them) and reloads them into `handle` when one changes, until the [`Watch`] is dropped. Must
/// be called within a tokio runtime.
pub fn watch(handle: Handle, from: impl Into<Folders>) -> Result<Watch> {
    let folders: Folders = from.into();
    let changed = Arc::new(Notify::new());
    let writing = Arc::new(Mutex::new(Writing::default()));
    let on_event = {
        let changed = changed.clone();
        let writing = writing.clone();
        move |event: notify::Result<notify::Event>| match event {
            Ok(event) if !relevant(&event) => {}
            Ok(event) => {
                writing.lock().unwrap_or_else(|e| e.into_inner()).note(&event);
                changed.notify_one();
            }
            // Lost events (an inotify queue overflow, say): reload to be sure.
            Err(e) => {
                tracing::warn!(error = %e, "directory watch error; reloading to be sure");
                changed.notify_one();
            }
        }
    };
    let config = notify::Config::default().with_follow_symlinks(false);
    let dirs = folders.watched();
    let first = dirs.first().copied().unwrap_or(Path::new("."));
    let mut watcher = notify::RecommendedWatcher::new(on_event, config).map_err(|e| cannot_watch(first, e))?;
    for dir in dirs {
        watcher.watch(dir, RecursiveMode::Recursive).map_err(|e| cannot_watch(dir, e))?;
    }
    let task = tokio::spawn(async move {
        // The watcher lives as long as this task: dropping it stops the events.
        let _watcher = watcher;
        loop {
            changed.notified().await;
            let first = tokio::time::Instant::now();
            loop {
                while first.elapsed() < LONGEST && tokio::time::timeout(QUIET, changed.notified()).await.is_ok() {}
                // A file still open for writing is not complete, however long it has been
                // quiet ("truncate, then write line by line"): wait for its writer to close it.
                let open = writing.lock().unwrap_or_else(|e| e.into_inner()).open();
                let Some(path) = open else { break };
                if first.elapsed() >= WRITER_LONGEST {
                    tracing::warn!(path = %path.display(), "a gazetteer file has been open for writing for {WRITER_LONGEST:?}; reloading anyway");
                    writing.lock().unwrap_or_else(|e| e.into_inner()).clear();
                    break;
                }
                let _ = tokio::time::timeout(QUIET, changed.notified()).await;
            }
            handle.reload_logged(&folders, "directory watch").await;
        }
    });
    Ok(Watch { task })
}

fn cannot_watch(dir: &Path, e: notify::Error) -> Error {
    Error::Serve(format!(
        "cannot watch {} for changes: {e}; pass --no-watch (GAZETTE_NO_WATCH=true) and reload with SIGHUP",
        dir.display()
    ))
}

/// Whether `event` may change what a load reads.
fn relevant(event: &notify::Event) -> bool {
    let kind = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(_) | EventKind::Any | EventKind::Other => true,
    };
    // An event with no path (a rescan) counts.
    kind && (event.paths.is_empty() || !event.paths.iter().all(|p| scratch(p)))
}

/// Editors' temporary and backup files: vim's `.x.swp` and `4913`, emacs's `.#x` and `#x#`,
/// and `x~`. (Not `..data_tmp`: that is the ConfigMap's swap.)
fn scratch(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind, RenameMode};

    /// (name, event kind, path, relevant).
    fn cases() -> Vec<(&'static str, EventKind, &'static str, bool)> {
        vec![
            ("file written", EventKind::Modify(ModifyKind::Data(DataChange::Any)), "g/places.tsv", true),
            ("file closed after writing", EventKind::Access(AccessKind::Close(AccessMode::Write)), "g/places.tsv", true),
            ("file created", EventKind::Create(CreateKind::File), "g/new.tsv", true),
            ("file removed", EventKind::Remove(RemoveKind::File), "g/old.tsv", true),
            ("configmap swap", EventKind::Modify(ModifyKind::Name(RenameMode::To)), "g/..data", true),
            ("configmap tmp link", EventKind::Create(CreateKind::Any), "g/..data_tmp", true),
            ("opened by a load", EventKind::Access(AccessKind::Open(AccessMode::Any)), "g/places.tsv", false),
            ("read by a load", EventKind::Access(AccessKind::Close(AccessMode::Read)), "g/places.tsv", false),
            ("attributes", EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)), "g/places.tsv", false),
            ("vim swap file", EventKind::Modify(ModifyKind::Data(DataChange::Any)), "g/.places.tsv.swp", false),
            ("vim probe", EventKind::Create(CreateKind::File), "g/4913", false),
            ("backup", EventKind::Create(CreateKind::File), "g/places.tsv~", false),
            ("emacs lock", EventKind::Create(CreateKind::Any), "g/.#places.tsv", false),
            ("emacs autosave", EventKind::Create(CreateKind::File), "g/#places.tsv#", false),
        ]
    }

    #[test]
    fn relevance_table() {
        for (name, kind, path, want) in cases() {
            let event = notify::Event::new(kind).add_path(PathBuf::from(path));
            assert_eq!(relevant(&event), want, "{name}");
        }
        assert!(relevant(&notify::Event::new(EventKind::Other)), "rescan without a path");
    }
}
