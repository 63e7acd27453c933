//! Short forms of organisations: a company named in full once is named shorter after ("Blue
//! Arrow" after "Blue Arrow PLC", "Farmers" after "Farmers Group Inc.", "Nekoosa" after "Great
//! Northern Nekoosa Corp.", "Kodak" after "Eastman Kodak Co."). One sense per document: the
//! short form is the organisation wherever it stands alone in the text, before the full name
//! as after it.

use std::collections::HashMap;

use super::{Name, Stage, Token};
use super::{CONNECTOR, DEMONYM, GIVEN, GIVEN_AMBIGUOUS, ORG_END, ORG_END_WEAK, ORG_START, SURNAME, TITLE};
use crate::mention::{EntityKind, Rule};

/// A short form's words (folded, space-separated) and the start of the organisation's name it
/// stands for; `None` when two organisations of the text claim it.
type Forms = HashMap<String, Option<usize>>;

/// Most words a short form may have.
const MAX_FORM_WORDS: usize = 4;

impl Stage<'_, '_> {
    /// Finds the short forms of the organisations named in full with a designator (by the
    /// designator rule or by a gazetteer: "Hearst Corp.", "Commerce Department") and marks
    /// every place where one stands alone: not inside a longer run of capitalised words, not a
    /// person's name of the text, a single common word only inside a sentence. The mentions
    /// are handed on untyped, with [`Name::refers`] set, for co-reference to tie them.
    pub(super) fn short_forms(&self, out: &mut Vec<Name>) {
        let t = self.tokens;
        let mut forms: Forms = HashMap::default();
        let mut claim = |key: String, at: usize| {
            let slot = forms.entry(key).or_insert(Some(at));
            if slot.is_some_and(|old| old != at) {
                *slot = None;
            }
        };
        // Names typed by the designator rule: their tokens, in text order.
        let mut from = 0;
        for n in out.iter().filter(|n| n.kind == Some(EntityKind::Organization) && n.words >= 2) {
            let Some((Rule::Designator, cue_start, _)) = n.rule else { continue };
            while from < t.len() && (t[from].oe == 0 || t[from].os < n.start) {
                from += 1;
            }
            if from >= t.len() || t[from].os != n.start || from + n.words > t.len() {
                continue;
            }
            let (a, b) = (from, from + n.words);
            let text = self.text.original();
            // "Goldman, Sachs & Co." lends its first partner only.
            let firm = text[n.start..n.end].contains('&');
            let d = (a..b).find(|&k| self.start(k) >= cue_start).unwrap_or(b);
            if !n.upper {
                self.forms_of(a, if firm { a + 1 } else { d }, n.start, &mut claim);
            }
        }
        // Organisations the gazetteers named, ending in a designator ("Eastman Kodak Co.").
        let mut k = 0;
        while k < t.len() {
            let Some(idx) = t[k].known else {
                k += 1;
                continue;
            };
            let mut b = k;
            while b < t.len() && t[b].known == Some(idx) {
                b += 1;
            }
            let m = &self.known[idx];
            let whole = m.kind == EntityKind::Organization && t[k].oe > 0 && t[k].os == m.start && self.end(b - 1) == m.end;
            if whole && b - k >= 2 && t[b - 1].word_cue(ORG_END) && !t[k..b].iter().all(|x| x.upper) {
                let mut d = b - 1;
                while d > k + 1 && t[d - 1].word_cue(ORG_END) {
                    d -= 1;
                }
                self.forms_of(k, d, m.start, &mut claim);
            }
            k = b;
        }
        forms.retain(|_, at| at.is_some());
        if forms.is_empty() {
            return;
        }
        // Never a word that is a person's name here ("Lynch" of "Merrill Lynch & Co.").
        for n in out.iter().filter(|n| n.kind == Some(EntityKind::Person)) {
            forms.remove(&n.head);
            forms.remove(&n.given);
        }
        let longest = forms.keys().map(|f| f.split(' ').count()).max().unwrap_or(0);
        let mut added: Vec<Name> = Vec::new();
        let mut k = 0;
        'tokens: while k < t.len() {
            let headline = || t[k].upper && super::in_capitals_line(self.text.original(), self.start(k), self.end(k));
            if !t[k].cap || self.continues_name(k) || headline() {
                k += 1;
                continue;
            }
            // The longest form that starts here.
            let mut words = longest.min(t.len() - k);
            while words > 0 {
                let m = k + words;
                let spaced = (k..m - 1).all(|x| self.spaced(x) && t[x + 1].cap);
                let key: Option<String> = spaced.then(|| self.key(k, m));
                let at = key.as_ref().and_then(|key| forms.get(key)).copied().flatten();
                if let (Some(at), Some(key)) = (at, key) {
                    if self.stands_alone(k, m, out, at) {
                        added.push(Name {
                            start: self.start(k),
                            end: self.end(m - 1),
                            kind: None,
                            rule: None,
                            key,
                            head: String::new(),
                            given: String::new(),
                            initials: String::new(),
                            words,
                            upper: false,
                            parenthesised: false,
                            plain: false,
                            free: t[k..m].iter().all(|x| x.known.is_none()),
                            refers: Some(at),
                        });
                        k = m;
                        continue 'tokens;
                    }
                }
                words -= 1;
            }
            k += 1;
        }
        if added.is_empty() {
            return;
        }
        // The untyped chunks the short forms cover give way to them.
        // (`added` is in text order, without overlaps.)
        out.retain(|n| {
            let a = added.partition_point(|a| a.end <= n.start);
            n.kind.is_some() || added.get(a).is_none_or(|a| a.start >= n.end)
        });
        out.append(&mut added);
        out.sort_by_key(|n| n.start);
    }

    /// Claims the short forms of an organisation whose words before its designator are the
    /// tokens `a..d`: those words without the designator words they end in ("Farmers" of
    /// "Farmers Group Inc."), the first word, and the last word when the first is a common word
    /// or a place's ("Nekoosa" of "Great Northern Nekoosa Corp.").
    fn forms_of(&self, a: usize, mut d: usize, at: usize, claim: &mut impl FnMut(String, usize)) {
        let t = self.tokens;
        while d > a + 1 && t[d - 1].word_cue(ORG_END | ORG_END_WEAK) {
            d -= 1;
        }
        if d <= a || d - a > MAX_FORM_WORDS || t[a..d].iter().any(|x| !x.cap || x.initial) {
            return;
        }
        let lends = |x: &Token| !x.has(ORG_START | TITLE | CONNECTOR) && !x.word_cue(DEMONYM) && x.fe - x.fs >= 3;
        if d - a >= 2 || lends(&t[a]) {
            claim(self.key(a, d), at);
        }
        if d - a >= 2 && lends(&t[a]) {
            claim(self.key(a, a + 1), at);
        }
        let last = &t[d - 1];
        let plain_last = !self.is_common_word(last) && !last.has(GIVEN | GIVEN_AMBIGUOUS | SURNAME) && last.known.is_none();
        if d - a >= 2 && lends(last) && plain_last && (self.is_common(a) || t[a].known.is_some()) {
            claim(self.key(d - 1, d), at);
        }
    }

    /// The folded words of tokens `a..b`, space-separated, without final dots.
    fn key(&self, a: usize, b: usize) -> String {
        let words: Vec<&str> = self.tokens[a..b].iter().map(|x| self.hay[x.fs..x.fe].trim_end_matches('.')).collect();
        words.join(" ")
    }

    /// Whether token `k` carries on a name before it: a capitalised word right before, or "of"
    /// and a capitalised word ("Secretary of State").
    fn continues_name(&self, k: usize) -> bool {
        let t = self.tokens;
        if k == 0 || !self.spaced(k - 1) {
            return false;
        }
        let prev = &t[k - 1];
        if prev.cap {
            // A sentence's first word does not hold a name on ("The", "Shares").
            return !(self.sentence_start(k - 1) && self.is_common(k - 1));
        }
        prev.has(CONNECTOR) && k >= 2 && t[k - 2].cap && self.spaced(k - 2)
    }

    /// Whether the short form at tokens `k..m` is a mention of the organisation whose name
    /// starts at `at`: no capitalised word after it (but a title: "Blue Arrow Chairman"), a
    /// single common word inside a sentence only, no name typed or a gazetteer's over it,
    /// and not the organisation's own full name.
    fn stands_alone(&self, k: usize, m: usize, out: &[Name], at: usize) -> bool {
        let t = self.tokens;
        if m < t.len() && t[m].cap && self.spaced(m - 1) && !t[m].has(TITLE) {
            return false;
        }
        if m - k == 1 && self.is_common(k) && self.sentence_start(k) {
            return false;
        }
        let (start, end) = (self.start(k), self.end(m - 1));
        // `out` is in text order and its names do not overlap: only the last few that start
        // before `end` can reach into the form.
        let before = out.partition_point(|n| n.start < end);
        let typed = out[..before].iter().rev().take(4).any(|n| n.kind.is_some() && start < n.end);
        let claimed = t[k..m].iter().any(|x| x.known.is_some());
        start != at && !typed && !claimed
    }
}
