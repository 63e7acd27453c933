//! Helpers that more than one test binary uses.

/// The `$` commands of the 4-space indented blocks of `text` (the README's and the docs'
/// examples), each with the output shown under it (up to the next `$` line or the end of the
/// block).
pub fn shown_commands(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(command) = lines[i].strip_prefix("    $ ") {
            let output: Vec<&str> = lines[i + 1..].iter().take_while(|l| l.starts_with("    ") && !l.starts_with("    $ ")).map(|l| &l[4..]).collect();
            i += 1 + output.len();
            found.push((command.to_owned(), output.join("\n")));
        } else {
            i += 1;
        }
    }
    found
}
