//! The page and `gazette extract --html` in a real headless Chromium: runs
//! `tests/python/page_browser.py` (Selenium) against the real binary, which pastes the seed
//! article into the page and asserts that the highlighted spans are the API's mentions.
//!
//! Skipped with a printed reason where Chromium, its driver or Selenium is not installed,
//! except under CI (`CI=true`), where that is a failure: `.ci/run` installs them.

use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What is missing to drive a browser here, if anything.
fn missing() -> Option<&'static str> {
    let runs = |program: &str, args: &[&str]| Command::new(program).args(args).output().is_ok_and(|o| o.status.success());
    if !runs("chromium", &["--version"]) {
        return Some("chromium (apt-get install chromium)");
    }
    if !runs("chromedriver", &["--version"]) {
        return Some("chromedriver (apt-get install chromium-driver)");
    }
    if !runs("python3", &["-c", "import selenium"]) {
        return Some("selenium (pip install selenium==4.27.1)");
    }
    None
}

#[test]
fn the_page_highlights_the_mentions_the_api_returns() {
    if let Some(what) = missing() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{what} is not installed, and CI must run the browser test");
        eprintln!("SKIPPED: {what} is not installed");
        return;
    }
    let out = Command::new("python3")
        .arg(format!("{ROOT}/tests/python/page_browser.py"))
        .arg(env!("CARGO_BIN_EXE_gazette"))
        .output()
        .expect("python3 runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("ok: page, seed article:") && stdout.contains("all checks passed"), "{stdout}");
}
