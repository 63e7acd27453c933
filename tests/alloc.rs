//! Allocations of the engine per document, counted by a global allocator that wraps the
//! system's: the number of allocations and the bytes asked for by one `Extractor::extract` of
//! the bench article, and the bytes still held once its result is dropped. Counts, not time:
//! deterministic for a given build and input.
//!
//! The guards: the hot path does not grow with the number of documents served (the 200th
//! document costs no more allocations than the 2nd, and nothing of a document outlives its
//! result), and the count per document stays under a bound well above today's (printed with
//! `cargo test --release --test alloc -- --nocapture`), so a stage that starts allocating per
//! word or per byte fails here.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

use gazette::{Extractor, Options};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size(), Relaxed);
        }
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract is GlobalAlloc's, passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: as above; ptr came from System.alloc with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            BYTES.fetch_add(new_size, Relaxed);
        }
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time counts (the harness runs tests on several threads).
static SERIAL: Mutex<()> = Mutex::new(());

#[derive(Debug, Clone, Copy, PartialEq)]
struct Cost {
    allocations: usize,
    bytes: usize,
    /// Bytes still allocated after the result was dropped, against before the call.
    retained: isize,
    mentions: usize,
}

fn cost(extractor: &Extractor, text: &str) -> Cost {
    let live = LIVE.load(Relaxed);
    ALLOCATIONS.store(0, Relaxed);
    BYTES.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let extraction = extractor.extract(text, &Options::default()).expect("extracts");
    COUNTING.store(false, Relaxed);
    let mentions = extraction.mentions.len();
    drop(extraction);
    Cost { allocations: ALLOCATIONS.load(Relaxed), bytes: BYTES.load(Relaxed), retained: LIVE.load(Relaxed) - live, mentions }
}

fn extractor() -> Extractor {
    Extractor::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers")).expect("default gazetteers load")
}

#[test]
fn the_hot_path_does_not_grow_with_the_documents_served() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let extractor = extractor();
    let article = include_str!("data/bench/article.txt");
    let first = cost(&extractor, article);
    let second = cost(&extractor, article);
    let mut last = second;
    let mut retained = 0isize;
    for _ in 0..200 {
        last = cost(&extractor, article);
        retained += last.retained;
    }
    println!(
        "bench article ({} bytes, {} mentions): first document {} allocations ({} bytes), then {} allocations ({} bytes) a document; \
         {} bytes retained over 200 documents",
        article.len(),
        second.mentions,
        first.allocations,
        first.bytes,
        last.allocations,
        last.bytes,
        retained
    );
    assert!(second.mentions > 50, "the article's mentions are found: {second:?}");
    assert!(last.allocations <= second.allocations, "allocations grow with the documents served: {second:?} then {last:?}");
    assert!(last.bytes <= second.bytes, "bytes allocated grow with the documents served: {second:?} then {last:?}");
    assert!(retained <= 0, "documents leave {retained} bytes behind after their results are dropped");
}

#[test]
fn allocations_per_document_are_bounded_by_the_mentions_not_the_bytes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let extractor = extractor();
    let article = include_str!("data/bench/article.txt");
    cost(&extractor, article);
    let one = cost(&extractor, article);
    // Lowercase prose between the names: 16x the bytes with no more to find must not cost
    // allocations per word.
    let filler = "and then the committee said that it would meet again in the spring to discuss the matter further. ".repeat(40);
    let padded = format!("{filler}{article}{filler}");
    let more = cost(&extractor, &padded);
    println!("article: {one:?}; with {} bytes of lowercase prose around it: {more:?}", padded.len() - article.len());
    assert_eq!(more.mentions, one.mentions, "the prose holds no mentions");
    assert!(
        more.allocations <= one.allocations + 32,
        "lowercase prose costs allocations: {} for the article, {} with {} bytes more prose",
        one.allocations,
        more.allocations,
        padded.len() - article.len()
    );
    // Per mention: about 4 today (printed above); the bound leaves room for new rules but not
    // for a stage that allocates per word.
    assert!(one.allocations <= 8 * one.mentions, "{} allocations for {} mentions", one.allocations, one.mentions);
    // The buffers that follow the text (folded copy, offsets, word marks) are a few bytes a byte.
    let extra = padded.len() - article.len();
    assert!(more.bytes - one.bytes <= 8 * extra, "{} bytes allocated for {extra} bytes more prose", more.bytes - one.bytes);
}
