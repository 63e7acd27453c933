//! The trie over the capital patterns: the longest pattern that starts where a search starts.
//!
//! Every search of the capital patterns is anchored (it starts where a capitalised word
//! starts), so the failure links an Aho-Corasick automaton is made of are never followed; yet
//! the `aho-corasick` crate computes them for every automaton it builds, and over a million
//! patterns that is most of the start-up and a gigabyte of memory. A trie is what an anchored
//! search needs: one step per byte, no failure links, built in one pass over the sorted
//! patterns. The bytes that every pattern below a node shares are kept at the node as one run,
//! compared at once, instead of a node per byte (a radix tree: most names share only their
//! first few letters with another, and "X Y" with "X Y Holdings" all of theirs).
//!
//! What a match must pass beyond its bytes (boundaries, case) is left to the parent module.

use std::collections::VecDeque;

/// No pattern ends at a node; no node.
const NONE: u32 = u32::MAX;
/// Nodes with more edges than this search their (sorted) labels by bisection.
const SCAN: usize = 8;

/// A trie over distinct byte strings, with the runs of bytes that every pattern below a node
/// shares kept as one string at the node (a radix tree).
#[derive(Debug)]
pub struct Trie {
    nodes: Vec<Node>,
    /// Per node, its shared run and then its edge labels (sorted).
    bytes: Vec<u8>,
    /// The root's children by byte, or [`NONE`]: every search starts there.
    root: Box<[u32; 256]>,
}

/// A node. Its children are consecutive nodes (the trie is laid out breadth first), one per
/// edge label.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// The pattern that ends after the run ([`NONE`]: none).
    pattern: u32,
    /// Where the run starts in [`Trie::bytes`]; the labels follow it.
    start: u32,
    run: u32,
    edges: u32,
    first_child: u32,
}

impl Node {
    const EMPTY: Node = Node { pattern: NONE, start: 0, run: 0, edges: 0, first_child: NONE };
}

/// The patterns while the trie is built: one buffer, sorted, so that the build reads memory
/// in order.
struct Sorted {
    bytes: Vec<u8>,
    /// Pattern `k` is `bytes[ends[k - 1]..ends[k]]` (from 0 for the first).
    ends: Vec<usize>,
}

impl Sorted {
    fn at(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.bytes[start..self.ends[k]]
    }

    /// The first pattern of `lo..hi` (all longer than `depth`, sorted) whose byte at `depth`
    /// differs from pattern `lo`'s, or `hi`: galloping, so a group of `n` costs `log n` reads.
    fn group_end(&self, lo: usize, hi: usize, depth: usize) -> usize {
        let byte = self.at(lo)[depth];
        let same = |k: usize| self.at(k)[depth] == byte;
        let (mut inside, mut step) = (lo, 1);
        while inside + step < hi && same(inside + step) {
            inside += step;
            step *= 2;
        }
        let (mut a, mut b) = (inside + 1, (inside + step).min(hi));
        while a < b {
            let mid = a + (b - a) / 2;
            if same(mid) {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        a
    }
}

impl Trie {
    /// Builds the trie of `texts`, sorted in byte order and distinct; `ids[i]` is what a match
    /// of `texts[i]` reports. `None` when it would not fit the 32-bit indexes (4 GiB of
    /// pattern bytes).
    pub fn build(texts: &[&str], ids: &[u32]) -> Option<Trie> {
        debug_assert!(texts.windows(2).all(|w| w[0] < w[1]), "patterns sorted and distinct");
        debug_assert_eq!(texts.len(), ids.len());
        let mut sorted = Sorted { bytes: Vec::with_capacity(texts.iter().map(|t| t.len()).sum()), ends: Vec::with_capacity(texts.len()) };
        for t in texts {
            sorted.bytes.extend_from_slice(t.as_bytes());
            sorted.ends.push(sorted.bytes.len());
        }
        let mut trie = Trie { nodes: vec![Node::EMPTY], bytes: Vec::new(), root: Box::new([NONE; 256]) };
        // Breadth first, so that a node's children are consecutive and the nodes near the
        // root (where every search goes) together: (node, patterns lo..hi sharing the bytes
        // up to depth).
        let mut queue = VecDeque::from([(0usize, 0usize, texts.len(), 0usize)]);
        while let Some((node, mut lo, hi, depth)) = queue.pop_front() {
            // The run every pattern of the range shares (sorted: the first and the last
            // share it with all between); none at the root, whose children are by byte.
            let run = match (node, lo < hi) {
                (0, _) | (_, false) => 0,
                _ => {
                    let (first, last) = (&sorted.at(lo)[depth..], &sorted.at(hi - 1)[depth..]);
                    first.iter().zip(last).take_while(|(a, b)| a == b).count()
                }
            };
            let start = trie.bytes.len();
            if run > 0 {
                trie.bytes.extend_from_slice(&sorted.at(lo)[depth..depth + run]);
            }
            let depth = depth + run;
            let mut pattern = NONE;
            // Sorted: a pattern that ends here is the first of the range.
            if lo < hi && sorted.at(lo).len() == depth {
                pattern = ids[lo];
                lo += 1;
            }
            let first_child = trie.nodes.len();
            let mut edges = 0;
            while lo < hi {
                let byte = sorted.at(lo)[depth];
                let end = sorted.group_end(lo, hi, depth);
                let child = trie.nodes.len();
                trie.nodes.push(Node::EMPTY);
                trie.bytes.push(byte);
                if node == 0 {
                    trie.root[byte as usize] = u32::try_from(child).ok()?;
                }
                queue.push_back((child, lo, end, depth + 1));
                edges += 1;
                lo = end;
            }
            if trie.nodes.len() >= NONE as usize || trie.bytes.len() > u32::MAX as usize {
                return None;
            }
            trie.nodes[node] = Node {
                pattern,
                start: start as u32,
                run: run as u32,
                edges,
                first_child: if edges == 0 { NONE } else { first_child as u32 },
            };
        }
        trie.nodes.shrink_to_fit();
        trie.bytes.shrink_to_fit();
        Some(trie)
    }

    /// The longest pattern that is a prefix of `hay`: its length and id.
    #[inline]
    pub fn longest(&self, hay: &[u8]) -> Option<(usize, u32)> {
        let mut best = None;
        let &first = hay.first()?;
        let mut node = self.root[first as usize];
        let mut depth = 1;
        while node != NONE {
            let n = self.nodes[node as usize];
            let (start, run) = (n.start as usize, n.run as usize);
            if run > 0 {
                if !hay[depth..].starts_with(&self.bytes[start..start + run]) {
                    break;
                }
                depth += run;
            }
            if n.pattern != NONE {
                best = Some((depth, n.pattern));
            }
            let Some(&b) = hay.get(depth) else { break };
            let labels = &self.bytes[start + run..start + run + n.edges as usize];
            let edge = if labels.len() <= SCAN {
                labels.iter().position(|&l| l == b)
            } else {
                labels.binary_search(&b).ok()
            };
            let Some(k) = edge else { break };
            node = n.first_child + k as u32;
            depth += 1;
        }
        best
    }

    /// The number of nodes, the root's included.
    #[cfg(test)]
    fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATTERNS: &[&str] = &["a", "ab", "abc", "abd", "b", "bcdef", "bcdxy", "new york", "new york times", "x"];

    /// (name, haystack, expected (length, pattern index))
    const CASES: &[(&str, &str, Option<(usize, u32)>)] = &[
        ("empty", "", None),
        ("no pattern starts so", "q", None),
        ("one byte", "a", Some((1, 0))),
        ("longest of nested", "abcz", Some((3, 2))),
        ("sibling", "abd", Some((3, 3))),
        ("shorter when the longer stops", "abz", Some((2, 1))),
        ("tail matched", "bcdefg", Some((5, 5))),
        ("tail cut short falls back", "bcde", Some((1, 4))),
        ("tail differs falls back", "bcdxz", Some((1, 4))),
        ("bytes only, no word boundaries", "new york timesheet", Some((14, 8))),
        ("phrase", "new york timber", Some((8, 7))),
        ("longer phrase", "new york times.", Some((14, 8))),
        ("prefix of a pattern only", "new yor", None),
        ("last root child", "x", Some((1, 9))),
    ];

    #[test]
    fn longest_table() {
        let ids: Vec<u32> = (0..PATTERNS.len() as u32).collect();
        let trie = Trie::build(PATTERNS, &ids).unwrap();
        for &(name, hay, want) in CASES {
            assert_eq!(trie.longest(hay.as_bytes()), want, "{name}");
        }
    }

    #[test]
    fn many_edges_bisect_and_agree_with_a_scan() {
        // Every two-letter word of a..z: nodes of 26 edges, searched by bisection.
        let words: Vec<String> = (b'a'..=b'z').flat_map(|x| (b'a'..=b'z').map(move |y| format!("{}{}", x as char, y as char))).collect();
        let texts: Vec<&str> = words.iter().map(String::as_str).collect();
        let ids: Vec<u32> = (0..texts.len() as u32).map(|i| i * 7).collect();
        let trie = Trie::build(&texts, &ids).unwrap();
        for (i, w) in texts.iter().enumerate() {
            assert_eq!(trie.longest(format!("{w}!").as_bytes()), Some((2, ids[i])), "{w}");
        }
        assert_eq!(trie.longest(b"a"), None);
    }

    #[test]
    fn shared_runs_are_one_node() {
        // Root, "d" with the run "rirzaeth danvaerto" and its edge " ", and "h" with "oldings".
        let trie = Trie::build(&["drirzaeth danvaerto", "drirzaeth danvaerto holdings"], &[0, 1]).unwrap();
        assert_eq!(trie.node_count(), 3);
        assert_eq!(trie.longest(b"drirzaeth danvaerto holdings said"), Some((28, 1)));
        assert_eq!(trie.longest(b"drirzaeth danvaerto holding"), Some((19, 0)));
        assert_eq!(trie.longest(b"drirzaeth danvaert"), None);
    }

    #[test]
    fn no_patterns() {
        let trie = Trie::build(&[], &[]).unwrap();
        assert_eq!(trie.longest(b"anything"), None);
    }
}
