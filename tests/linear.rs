//! Linear time over the whole engine (folding, both automata, figures, names, resolution) on
//! the adversarial catalogue of `gazette bench --adversarial`, with the default gazetteers.
//!
//! Time is noisy on a shared machine, so the margin is wide: for each input the best of five
//! runs at 64 KB must take at most 8 times the best of five at 16 KB (linear: 4; quadratic:
//! 16), and an input over the bar is measured again before failing. The figure scanner's own
//! guard is deterministic (a step counter, `figures::tests::work_is_linear_in_the_text`).

use std::path::Path;
use std::time::{Duration, Instant};

use gazette::bench::{repeat_to, ADVERSARIAL};
use gazette::{Extractor, Options};

fn best_of(extractor: &Extractor, text: &str, runs: usize) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            let e = extractor.extract(text, &Options::default()).expect("extracts");
            std::hint::black_box(e);
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Time at 64 KB over time at 16 KB.
fn growth(extractor: &Extractor, unit: &str) -> f64 {
    let (small, large) = (repeat_to(unit, 16 << 10), repeat_to(unit, 64 << 10));
    let (s, l) = (best_of(extractor, &small, 5), best_of(extractor, &large, 5));
    l.as_secs_f64() / s.as_secs_f64().max(1e-6)
}

#[test]
fn time_grows_linearly_on_adversarial_inputs() {
    let extractor = Extractor::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("gazetteers")).expect("default gazetteers load");
    let article = include_str!("data/bench/article.txt");
    let mut slow = Vec::new();
    for (name, unit) in std::iter::once(("news article", article)).chain(ADVERSARIAL.iter().copied()) {
        let g = growth(&extractor, unit);
        if g > 8.0 {
            // Once more before blaming the code rather than the machine.
            let again = growth(&extractor, unit);
            if again > 8.0 {
                slow.push(format!("{name}: {g:.1}x then {again:.1}x"));
            }
        }
    }
    assert!(slow.is_empty(), "4x the text took over 8x the time: {slow:?}");
}
