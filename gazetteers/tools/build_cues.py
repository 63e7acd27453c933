#!/usr/bin/env python3
"""Build gazetteers/cues/*.tsv, the cue lists of gazette's rule-based names stage.

Run from the repository root:

    pip install -r gazetteers/tools/requirements.txt
    python3 gazetteers/tools/build_cues.py                 # writes gazetteers/cues/*.tsv
    python3 gazetteers/tools/build_cues.py --out DIR --report /tmp/cue-decisions.tsv

Output: one cue per line, `text <TAB> cue <TAB> flags` (flags: empty, or comma-separated from
`ambiguous`, `weak`); comment lines start with '#'. Files are sorted by (cue, folded text);
two runs give identical bytes.

Sources (all shipped inside the pinned wheels; the build runs offline):
  * names 0.3.0: 1990 US Census first names (male, female) and surnames with frequencies
    (public domain).
  * gender-guesser 0.4.0: nam_dict.txt by Joerg Michael, ~48,000 international first names with
    per-country frequency classes (data GNU FDL 1.2+). Only the names are used.
  * Faker: the first/last-name lists of its person providers (MIT); Latin-script locales as they
    are, Russian/Ukrainian/Bulgarian surnames transliterated with the table below.
  * pypinyin: the readings of its character table, tones stripped -> Mandarin syllables (MIT).
  * wordfreq (Zipf frequencies) and english-words (web2, case-aware) decide which words are
    `common` and which names are `ambiguous`; gazetteers/places.tsv gives place names.
  * Hand-kept lists next to this script, cue_lists/*.txt (see each file's header).

Rules (thresholds are the constants below):
  * common = web2 lowercase words with Zipf >= COMMON_ZIPF, minus words used mainly as names
    (Zipf not at least COMMON_MARGIN above what their census / nam_dict name share explains, see
    name_zipf), minus cue_lists/names_not_common.txt, plus function words and common_extra.txt.
  * given/surname/family-first are `ambiguous` when the folded form (or a part of a hyphenated
    name) is `common` with a Zipf at least AMBIGUOUS_MARGIN above what its use as a name
    explains ("Will", "May", "Hope"; not "Peter", "Alan", "Mark"), a place (continent, country, first-level subdivision, city >= 1,000,000
    in places.tsv; cities of 100,000+ unless the name is a strong one), a single-word
    cue of another kind (title, demonym, org/place key, connector, suffix), in
    cue_lists/names_ambiguous.txt, or (given names) two letters long.
  * common also takes inflected forms (plural, past, -ing, -er) of web2 words with Zipf >=
    INFLECTED_ZIPF, web2 having few of them.
  * Dropped as names: `common` words far more frequent than their name share (NAME_DROP_EXCESS:
    census oddities like "Members"), function words, shapes that are noise (digits, one letter, all caps,
    non-Latin script), nam_dict names of frequency class 1 that no other source confirms.
"""
from __future__ import annotations

import argparse
import collections
import math
import os
import re
import sys
import tempfile
import unicodedata

from folding import fold, is_latin
from pins import check_requirements

HERE = os.path.dirname(os.path.abspath(__file__))
LISTS = os.path.join(HERE, "cue_lists")
PLACES = os.path.normpath(os.path.join(HERE, "..", "places.tsv"))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "cues"))

# ----------------------------------------------------------------------------------------------
# Tunables

COMMON_ZIPF = 3.0       # a web2 lowercase word this frequent is a candidate `common` word
INFLECTED_ZIPF = 3.5    # inflected forms of web2 lowercase words (web2 has few) need this Zipf
NAME_DROP_EXCESS = 3.0  # a name that is a `common` word this much more frequent than its name
                        # share explains is dropped (census oddities: Members, Points, Numbers)
COMMON_MARGIN = 0.3     # ... unless its Zipf is less than this above its expected name Zipf
AMBIGUOUS_MARGIN = 1.0  # a `common` word makes a name ambiguous only this far above its name Zipf
NAME_C_FIRST = 4.6      # expected Zipf of a first name = log10(percent of people) + this
NAME_C_LAST = 4.85      # same for surnames (calibrated on the top census names; see notes)
NAMDICT_DISCOUNT = 2    # nam_dict class -> name share: classes subtracted (see namdict_pct)
NAMDICT_MIN = 2         # nam_dict frequency class kept without confirmation (1 = rare)
SURNAME_TOP = 40_000    # census surnames kept, by rank (1990 list has 88,799)
GIVEN2_MIN_PCT = 0.01   # two-letter given names: census percent needed (or nam_dict class >= 5)
BIG_CITY = 100_000      # cities at least this big make a name ambiguous ...
HUGE_CITY = 1_000_000   # ... unless it is a strong name (below) and the city is smaller than this
STRONG_NAMDICT = 8      # strong name: nam_dict class >= this (about 0.5% of people somewhere)
STRONG_PCT = 0.1        # ... or census first-name / surname percent >= this

KINDS = ["given", "surname", "family-first", "syllable", "connector", "suffix", "title",
         "org-end", "org-start", "place-end", "place-start", "common", "demonym"]
FILES = {  # output file -> (cue kinds, description)
    "given-names.tsv": (["given"], "given (first) names, international"),
    "surnames.tsv": (["surname"], "family names in Western order"),
    "persons.tsv": (["family-first", "syllable", "connector", "suffix"],
                    "family-first names (Chinese, Korean, Vietnamese), Mandarin pinyin syllables, "
                    "name connectors, name suffixes"),
    "titles.tsv": (["title"], "titles and roles that stand before a person's name"),
    "organisations.tsv": (["org-end", "org-start"], "words ending / beginning organisation names"),
    "places.tsv": (["place-end", "place-start"], "words ending / beginning place names"),
    "common.tsv": (["common", "demonym"], "capitalised words that are not names; demonyms"),
}

# ----------------------------------------------------------------------------------------------
# Version check (before importing the packages)




# ----------------------------------------------------------------------------------------------
# Text helpers (fold and is_latin, shared with build_places.py, are in folding.py)

_NAME_RE = re.compile(r"^[^\W\d_]+(?:['\-][^\W\d_]+)*$")


def name_shape_ok(s: str) -> bool:
    """One word of letters, optionally joined by ' or -; Latin script; not all caps."""
    if not _NAME_RE.match(s) or not is_latin(s):
        return False
    letters = sum(c.isalpha() for c in s)
    if letters < 2:
        return False
    if letters > 2 and s.isupper():
        return False
    return s[0].isupper()


def census_case(s: str) -> str:
    """SMITH -> Smith, MCDONALD -> McDonald, O'BRIEN -> O'Brien."""
    t = "-".join("'".join(p.capitalize() for p in part.split("'")) for part in s.lower().split("-"))
    if len(t) > 3 and t.startswith("Mc"):
        t = "Mc" + t[2].upper() + t[3:]
    return t


# Cyrillic -> Latin for Russian/Ukrainian/Bulgarian surnames (BGN/PCGN-like, as the English
# press writes them: Ivanov, Shevchenko, Kovalyov).
_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "'": "", "’": "",
}
_CYR_UK = dict(_CYR, г="h", и="y", е="e")
_CYR_BG = dict(_CYR, ъ="a", щ="sht")


def translit(s: str, table: dict[str, str]) -> str:
    out = []
    for i, c in enumerate(s):
        low = c.lower()
        if low not in table:
            return ""
        t = table[low]
        if low == "е" and table is _CYR and (i == 0 or s[i - 1].lower() in "аеёиоуыэюяьъ"):
            t = "ye"
        if low == "є" and i > 0:
            t = "ie" if s[i - 1].lower() not in "аеєиіїоуюяь'" else "ye"
        out.append(t.capitalize() if c.isupper() else t)
    r = "".join(out)
    return r[:1].upper() + r[1:]


# ----------------------------------------------------------------------------------------------
# Hand-kept lists


def _lines(name: str):
    path = os.path.join(LISTS, name)
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield n, line


def read_flagged(name: str) -> list[tuple[str, str]]:
    """One entry a line: text [TAB flags]."""
    out = []
    for n, line in _lines(name):
        text, _, flags = line.partition("\t")
        text = " ".join(text.split())
        if "|" in text or not text:
            raise SystemExit(f"{name}:{n}: bad entry {line!r}")
        out.append((text, flags.strip()))
    return out


def read_groups(name: str) -> list[tuple[str, str]]:
    """Entries separated by ';' on a line, optional TAB flags for the whole line."""
    out = []
    for n, line in _lines(name):
        body, _, flags = line.partition("\t")
        for t in body.split(";"):
            t = " ".join(t.split())
            if t:
                out.append((t, flags.strip()))
    return out


def read_tokens(name: str) -> list[str]:
    """Entries separated by spaces; '_' inside an entry stands for a space."""
    out = []
    for _, line in _lines(name):
        out.extend(t.replace("_", " ") for t in line.split())
    return out


# ----------------------------------------------------------------------------------------------
# Package data


def load_census():
    import names as names_pkg

    d = os.path.dirname(names_pkg.__file__)
    first: dict[str, float] = {}
    last: list[tuple[str, float, int]] = []
    for f in ("dist.male.first", "dist.female.first"):
        for line in open(os.path.join(d, f), encoding="ascii"):
            p = line.split()
            if len(p) >= 4:
                k = p[0].lower()
                first[k] = max(first.get(k, 0.0), float(p[1]))
    for line in open(os.path.join(d, "dist.all.last"), encoding="ascii"):
        p = line.split()
        if len(p) >= 4:
            last.append((p[0], float(p[1]), int(p[3])))
    return first, last


NAMDICT_CJKV = (49, 51, 52, 53)  # China, Japan, Korea, Vietnam columns (0-based country index)


def load_namdict() -> tuple[dict[str, int], dict[str, int]]:
    """nam_dict.txt: name -> highest frequency class over all countries (1..13), and the same
    without the Chinese, Japanese, Korean and Vietnamese columns (romanised syllables there,
    "Young", "Sun", "Min", say nothing about the word's use in English text).

    Format (file header): gender code in columns 1-2, the name from column 4 to 29, a '+' in
    column 30 marks the duplicate of a name with expanded umlauts (skipped, as the header
    advises), then one hex digit per country from column 31. '=' lines (short-form
    equivalences) are skipped. A '+' inside a name stands for '-', ' ' or nothing (Arabic,
    Chinese, Korean names): we emit the joined and the hyphenated forms."""
    import gender_guesser

    path = os.path.join(os.path.dirname(gender_guesser.__file__), "data", "nam_dict.txt")
    out: dict[str, int] = {}
    west: dict[str, int] = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\r\n")
        if not line or line[0] in "#=" or len(line) < 31 or line[29] == "+":
            continue
        raw = line[3:29].strip()
        cols = [int(c, 16) if c in "123456789ABCDabcd" else 0 for c in line[30:85].ljust(55)]
        freq = max(cols)
        wfreq = max(v for i, v in enumerate(cols) if i not in NAMDICT_CJKV)
        forms = [raw]
        if "+" in raw:
            parts = raw.split("+")
            forms = [parts[0] + "".join(p.lower() for p in parts[1:]), "-".join(parts)]
        for f in forms:
            out[f] = max(out.get(f, 0), freq)
            west[f] = max(west.get(f, 0), wfreq)
    return out, west


def namdict_pct(freq: int) -> float:
    """Frequency class -> share of people in percent (class 10 = 2% in that country, a factor 2
    per step), discounted by NAMDICT_DISCOUNT classes: one country's share is not the share of
    English news text."""
    return 2.0 * 2.0 ** (freq - 10 - NAMDICT_DISCOUNT) if freq > 0 else 0.0


FAKER_FIRST = ("first_names", "first_names_male", "first_names_female", "first_names_unisex",
               "first_romanized_names", "first_romanized_names_male",
               "first_romanized_names_female", "first_names_est", "first_names_rus")
FAKER_LAST = ("last_names", "last_names_male", "last_names_female", "last_names_unisex",
              "last_romanized_names", "male_last_names", "unisex_last_names",
              "last_names_without_suffix", "last_names_est", "last_names_rus", "last_names_common")
FAKER_TRANSLIT = {"ru_RU": _CYR, "uk_UA": _CYR_UK, "bg_BG": _CYR_BG}
FAKER_SKIP = {"en", "en_US", "de_LI", "de_LU"}  # en/en_US: US lists (census covers them);
# de_LI/de_LU first_names are placeholders


def load_faker() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """name -> set of Faker locales, for first and last names."""
    import importlib
    import pkgutil
    import faker.providers.person as person

    first: dict[str, set[str]] = collections.defaultdict(set)
    last: dict[str, set[str]] = collections.defaultdict(set)
    for loc in sorted(m.name for m in pkgutil.iter_modules(person.__path__)):
        if loc in FAKER_SKIP:
            continue
        prov = importlib.import_module(f"faker.providers.person.{loc}").Provider
        table = FAKER_TRANSLIT.get(loc)
        for attrs, dst in ((FAKER_FIRST, first), (FAKER_LAST, last)):
            if table is not None and dst is first:
                continue  # nam_dict covers Slavic first names in Latin script
            for a in attrs:
                v = prov.__dict__.get(a)
                if not isinstance(v, (list, tuple, dict)):
                    continue
                for n in (v.keys() if isinstance(v, dict) else v):
                    if not isinstance(n, str):
                        continue
                    n = n.strip()
                    if table is not None:
                        n = translit(n, table)
                    if n:
                        dst[n].add(loc)
    return first, last


def load_syllables() -> list[str]:
    """Every toneless Mandarin syllable pypinyin's character table uses."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for r in readings.split(","):
            d = unicodedata.normalize("NFD", r.strip())
            d = "".join(c for c in d if not unicodedata.combining(c) or c == "\u0308")
            s = unicodedata.normalize("NFC", d).lower()
            if re.fullmatch(r"[a-zü]+", s) and re.search(r"[aeiouü]", s):
                out.add(s)
    return sorted(out)


UNIT_WORDS = {"State", "Province", "Region", "Oblast", "Department", "Governorate", "District",
              "Prefecture", "County", "Municipality", "Krai", "Territory", "Parish"}


STEM_COUNTRIES = {"US", "CA", "AU", "GB", "IE", "NZ", "IN", "BR", "MX", "DE", "FR", "IT", "ES", "CN",
                  "RU", "UA"}  # news countries whose units are named bare ("Oregon", "Bavaria")


def load_places() -> tuple[set[str], set[str]]:
    """Folded names of (continents, countries, first-level subdivisions, cities >= HUGE_CITY)
    and of cities BIG_CITY..HUGE_CITY."""
    out, mid = set(), set()
    for line in open(PLACES, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        p = line.rstrip("\n").split("\t")
        if len(p) < 6:
            continue
        eid, canonical, aliases, prio, attrs = p[0], p[2], p[3], p[4], p[5]
        a = dict(kv.split("=", 1) for kv in attrs.split(";") if "=" in kv)
        pop = int(a.get("population", "0") or 0)
        top = (eid.startswith("iso3166-2:") or prio == "100" or a.get("type") == "continent"
               or pop >= HUGE_CITY)
        if not top and pop < BIG_CITY:
            continue
        forms = [canonical] + [x.split("@", 1)[0] for x in aliases.split("|") if x]
        if eid.startswith("iso3166-2:") and eid[10:12] in STEM_COUNTRIES:
            # build_places.py renames risky units ("Oregon State", "Delta State"); the bare
            # name is still the place a reader thinks of
            forms += [f.rsplit(" ", 1)[0] for f in forms if f.split(" ")[-1] in UNIT_WORDS]
        for n in forms:
            (out if top else mid).add(fold(n))
    return out, mid - out


# ----------------------------------------------------------------------------------------------
# Building


class Cues:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, list]] = {k: {} for k in KINDS}  # kind -> fold -> [text, flags]

    def add(self, kind: str, text: str, flags=()) -> None:
        text = " ".join(text.split())
        if not text or "\t" in text or "|" in text:
            raise SystemExit(f"bad cue text {text!r}")
        k = fold(text)
        row = self.rows[kind].get(k)
        if row is None:
            self.rows[kind][k] = [text, set(flags)]
        else:
            row[1].update(flags)

    def has(self, kind: str, text: str) -> bool:
        return fold(text) in self.rows[kind]

    def flags(self, kind: str, text: str):
        r = self.rows[kind].get(fold(text))
        return None if r is None else r[1]


SURNAME_PARTICLES = ("de", "der", "den", "van", "du", "di", "la", "le", "del", "dos", "da", "bin",
                     "ben", "el", "al")


def inflection_bases(w: str) -> list[str]:
    """Candidate base forms of an English inflected form (plural, past, -ing, comparative)."""
    c = []
    if w.endswith("ies") or w.endswith("ied") or w.endswith("ier"):
        c.append(w[:-3] + "y")
    if w.endswith("iest"):
        c.append(w[:-4] + "y")
    if w.endswith("es"):
        c.append(w[:-2])
    if w.endswith("s") and not w.endswith("ss"):
        c.append(w[:-1])
    for suf in ("ed", "er", "ing", "est"):
        if w.endswith(suf):
            stem = w[: -len(suf)]
            c += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                c.append(stem[:-1])
    return [x for x in c if len(x) >= 3]


def pick_spelling(spellings: collections.Counter) -> str:
    """Most sources first, then the form with diacritics, then code-point order. All-caps
    spellings ("YU") count as their capitalised form."""
    merged: collections.Counter = collections.Counter()
    for sp, n in spellings.items():
        merged[census_case(sp) if sp.isupper() and len(sp) > 1 else sp] += n
    spellings = merged
    return sorted(spellings.items(),
                  key=lambda kv: (-kv[1], -sum(ord(c) > 127 for c in kv[0]), kv[0]))[0][0]


def build(report: list[tuple[str, str, str, str]]) -> Cues:
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    zcache: dict[str, float] = {}

    def zipf(w: str) -> float:
        if w not in zcache:
            zcache[w] = zipf_frequency(w, "en")
        return zcache[w]

    web2 = get_english_words_set(["web2"], lower=False, alpha=True)
    lower_words = {w for w in web2 if w.islower()}
    census_first, census_last = load_census()
    census_last_pct = {n.lower(): pct for n, pct, _ in census_last}
    nd, nd_west = load_namdict()
    nd_fold: dict[str, int] = {}
    nd_west_fold: dict[str, int] = {}
    for n, f in nd.items():
        k = fold(n)
        nd_fold[k] = max(nd_fold.get(k, 0), f)
        nd_west_fold[k] = max(nd_west_fold.get(k, 0), nd_west[n])
    fk_first, fk_last = load_faker()
    places, mid_cities = load_places()
    cues = Cues()

    # -- hand-kept key lists -----------------------------------------------------------------
    for kind, fname in (("title", "titles.txt"), ("org-end", "org_end.txt"),
                        ("org-start", "org_start.txt"), ("place-end", "place_end.txt"),
                        ("place-start", "place_start.txt"), ("connector", "connectors.txt"),
                        ("suffix", "suffixes.txt")):
        for text, fl in read_flagged(fname):
            cues.add(kind, text, [f for f in fl.split(",") if f])
    for text, fl in read_groups("demonyms.txt"):
        cues.add("demonym", text, [f for f in fl.split(",") if f])
    for s in load_syllables():
        cues.add("syllable", s)

    # -- common ------------------------------------------------------------------------------
    function_words = {fold(w) for w in read_tokens("function_words.txt")}
    not_common = {fold(w) for w in read_tokens("names_not_common.txt")}

    def name_zipf(k: str) -> float:
        """Zipf frequency the word would have from its use as a name alone."""
        pf = max(census_first.get(k, 0.0), namdict_pct(nd_west_fold.get(k, 0)))
        pl = census_last_pct.get(k, 0.0)
        v = pf * 10 ** NAME_C_FIRST + pl * 10 ** NAME_C_LAST
        return math.log10(v) if v > 0 else -9.0

    from wordfreq import top_n_list

    candidates = {w for w in lower_words if len(w) >= 2}
    for w in top_n_list("en", 100_000):
        if w.isalpha() and w.islower() and w not in lower_words and is_latin(w):
            if any(b in lower_words for b in inflection_bases(w)) and zipf(w) >= INFLECTED_ZIPF:
                candidates.add(w)
    for w in sorted(candidates):
        z = zipf(w)
        if z < COMMON_ZIPF:
            continue
        k = fold(w)
        if k in not_common:
            report.append(("common", w, "drop", "names_not_common.txt"))
            continue
        nz = name_zipf(k)
        if z - nz < COMMON_MARGIN:
            report.append(("common", w, "drop", f"name z={z:.2f} name_z={nz:.2f}"))
            continue
        cues.add("common", w)
    for w in read_tokens("function_words.txt"):
        cues.add("common", w)
    for w in read_tokens("common_extra.txt"):
        cues.add("common", w)
    common = set(cues.rows["common"])

    # -- what makes a name ambiguous ----------------------------------------------------------
    forced_ambiguous = {fold(w) for w in read_tokens("names_ambiguous.txt")}
    other_keys = set()
    for kind in ("title", "org-end", "org-start", "place-end", "place-start", "connector",
                 "suffix", "demonym"):
        other_keys.update(k for k in cues.rows[kind] if " " not in k and not k.endswith("."))

    def ambiguity(k: str) -> str | None:
        if "-" in k and any(ambiguity(p) for p in k.split("-") if p):
            return "part of the name is ambiguous"
        if k in common and zipf(k) - name_zipf(k) >= AMBIGUOUS_MARGIN:
            return "common word"
        if k in places:
            return "place"
        if k in mid_cities and not (nd_fold.get(k, 0) >= STRONG_NAMDICT
                                    or census_first.get(k, 0) >= STRONG_PCT
                                    or census_last_pct.get(k, 0) >= STRONG_PCT):
            return "city"
        if k in other_keys:
            return "other cue"
        if k in forced_ambiguous:
            return "names_ambiguous.txt"
        return None

    excluded = {fold(w) for w in read_tokens("name_exclusions.txt")} | function_words

    def word_not_name(k: str) -> bool:
        """A `common` word far more frequent than its (small) name share explains."""
        if k not in common or census_first.get(k, 0) > 0 or nd_fold.get(k, 0) >= 4:
            return False
        return zipf(k) - name_zipf(k) >= NAME_DROP_EXCESS

    # -- given names ------------------------------------------------------------------------
    given_sp: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    given_src: dict[str, set[str]] = collections.defaultdict(set)
    hand_given = read_tokens("given_extra.txt")
    for n in census_first:
        given_sp[fold(n)][census_case(n)] += 1
        given_src[fold(n)].add("census")
    for n, locs in fk_first.items():
        given_sp[fold(n)][n] += 1
        given_src[fold(n)].add("faker")
    for n in hand_given:
        given_sp[fold(n)][n] += 1
        given_src[fold(n)].add("hand")
    for n, f in nd.items():
        k = fold(n)
        if f >= NAMDICT_MIN or k in given_src:
            given_sp[k][n] += 1
            given_src[k].add("namdict")
    for k in sorted(given_sp):
        text = pick_spelling(given_sp[k])
        src = given_src[k]
        if k in excluded:
            report.append(("given", text, "drop", "function word / name_exclusions.txt"))
            continue
        if not name_shape_ok(text):
            report.append(("given", text, "drop", "shape"))
            continue
        if "hand" not in src and word_not_name(k):
            report.append(("given", text, "drop", "word, not name"))
            continue
        flags = []
        letters = sum(c.isalpha() for c in text)
        if letters == 2:
            ok = (census_first.get(k, 0) >= GIVEN2_MIN_PCT or nd_fold.get(k, 0) >= 5
                  or "hand" in src)
            if not ok:
                report.append(("given", text, "drop", "two letters, rare"))
                continue
            if "hand" not in src:
                flags.append("ambiguous")
        why = ambiguity(k)
        if why and "ambiguous" not in flags:
            flags.append("ambiguous")
        if why:
            report.append(("given", text, "ambiguous", why))
        cues.add("given", text, flags)

    # -- surnames ---------------------------------------------------------------------------
    sur_sp: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    hand_sur = set()
    for n, pct, rank in census_last:
        if rank <= SURNAME_TOP:
            sur_sp[fold(n)][census_case(n)] += 0
    for n, locs in fk_last.items():
        sur_sp[fold(n)][n] += 1
    for n in read_tokens("surnames_extra.txt"):
        sur_sp[fold(n)][n] += 1
        hand_sur.add(fold(n))
    for k in sorted(sur_sp):
        text = pick_spelling(sur_sp[k])
        if k in excluded:
            report.append(("surname", text, "drop", "function word / name_exclusions.txt"))
            continue
        parts = text.split(" ")
        if (not all(name_shape_ok(p) or p in SURNAME_PARTICLES for p in parts)
                or not text[0].isupper()
                or (len(parts) > 1 and any(fold(p) in function_words for p in parts))):
            report.append(("surname", text, "drop", "shape"))
            continue
        if k not in hand_sur and word_not_name(k):
            report.append(("surname", text, "drop", "word, not name"))
            continue
        why = ambiguity(k)
        if why:
            report.append(("surname", text, "ambiguous", why))
        cues.add("surname", text, ["ambiguous"] if why else [])

    # -- family-first -----------------------------------------------------------------------
    for n in read_tokens("family_first.txt"):
        k = fold(n)
        why = ambiguity(k) or ("function word" if k in function_words else None)
        cues.add("family-first", n, ["ambiguous"] if why else [])
    return cues


# ----------------------------------------------------------------------------------------------
# Self-check


MUST_NOT_PLAIN_GIVEN = """New North South East West United General National Royal Grand Saint Prime
Central Federal Great Old Red Long Will May Hope Grant Rose Bill China India Georgia Paris
Jordan Chad Israel""".split()
MUST_GIVEN = """John Peter Alan Tony Mark Mohammed Muhammad Ahmed Fatima Olena Sergei Vladimir Priya Rahul Chinedu Ngozi
Oluwaseun Kwame Aisha Hiroshi Yuki Mehmet Ali Hassan Javier Pierre Giuseppe Hans Sven Jan Pieter
Wojciech Ivan Dmitry Dmitri Abdel Abdul Reza Hamid Fernando João Miguel Olumide""".split()
MUST_SURNAME = "Smith Johnson Garcia Kowalski Müller Rossi".split()


def self_check(c: Cues) -> None:
    errs = []
    for w in MUST_NOT_PLAIN_GIVEN:
        fl = c.flags("given", w)
        if fl is not None and "ambiguous" not in fl:
            errs.append(f"{w}: plain given name")
    for w in MUST_GIVEN:
        fl = c.flags("given", w)
        if fl is None or "ambiguous" in fl:
            errs.append(f"{w}: not a plain given name ({fl})")
    fl = c.flags("given", "Xi")
    if (fl is None or "ambiguous" in fl) and not c.has("family-first", "Xi"):
        errs.append("Xi: neither plain given nor family-first")
    for w in ("Will", "May", "Hope", "Grant", "Rose", "Bill"):
        fl = c.flags("given", w)
        if fl is None or "ambiguous" not in fl:
            errs.append(f"{w}: not an ambiguous given name ({fl})")
    for w in MUST_SURNAME:
        if not c.has("surname", w):
            errs.append(f"{w}: not a surname")
    if not (c.has("surname", "Nguyen") or c.has("family-first", "Nguyen")):
        errs.append("Nguyen: neither surname nor family-first")
    for w in ("john", "mary", "smith", "david"):
        if w in c.rows["common"]:
            errs.append(f"{w}: common")
    for w in ("will", "may", "mark", "grant", "rose", "hope", "the", "however", "monday"):
        if w not in c.rows["common"]:
            errs.append(f"{w}: not common")
    for kind, lo, hi in (("given", 20_000, 60_000), ("surname", 30_000, 60_000),
                         ("syllable", 380, 440), ("common", 5_000, 20_000)):
        n = len(c.rows[kind])
        if not lo <= n <= hi:
            errs.append(f"{kind}: {n} entries, expected {lo}..{hi}")
    if errs:
        raise SystemExit("build_cues.py: self-check failed:\n  " + "\n  ".join(errs))


# ----------------------------------------------------------------------------------------------
# Output


def header(fname: str, kinds: list[str], desc: str, counts: dict[str, int], versions: dict) -> str:
    return f"""\
# {fname}: cue list of gazette's names stage: {desc}.
# GENERATED FILE, DO NOT EDIT BY HAND. Regenerate from the repository root with:
#   pip install -r gazetteers/tools/requirements.txt && python3 gazetteers/tools/build_cues.py
# Edit the inputs instead: gazetteers/tools/cue_lists/*.txt (hand-kept) and build_cues.py (rules).
# Sources: 1990 US Census name lists via names {versions['names']} (public domain);
#   nam_dict.txt (c) Joerg Michael, GNU FDL 1.2+, via gender-guesser {versions['gender-guesser']};
#   Faker {versions['faker']} person-name lists (MIT); pypinyin {versions['pypinyin']} (MIT);
#   filters: wordfreq {versions['wordfreq']} (data CC BY-SA 4.0), english-words
#   {versions['english-words']} (web2, public domain), gazetteers/places.tsv (GeoNames, CC BY 4.0);
#   hand-kept lists gazetteers/tools/cue_lists/. See gazetteers/SOURCES.md.
# Entries: {', '.join(f'{counts[k]} {k}' for k in kinds)}.
# text\\tcue\\tflags   (flags: ambiguous | weak, comma-separated, or empty)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: gazetteers/cues)")
    ap.add_argument("--report", help="write every drop/ambiguous decision here (TSV) for review")
    ap.add_argument("--no-check", action="store_true", help="skip the self-check")
    args = ap.parse_args()
    check_requirements('build_cues.py')
    from importlib import metadata

    report: list[tuple[str, str, str, str]] = []
    cues = build(report)
    if not args.no_check:
        self_check(cues)
    versions = {p: metadata.version(p) for p in
                ("names", "gender-guesser", "faker", "pypinyin", "wordfreq", "english-words")}
    counts = {k: len(v) for k, v in cues.rows.items()}
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    for fname, (kinds, desc) in FILES.items():
        lines = []
        for kind in kinds:
            for k, (text, flags) in sorted(cues.rows[kind].items(), key=lambda kv: (kv[0], kv[1][0])):
                lines.append(f"{text}\t{kind}\t{','.join(sorted(flags))}\n")
        fd, tmp = tempfile.mkstemp(dir=out, prefix=".cues.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(header(fname, kinds, desc, counts, versions))
            fh.writelines(lines)
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(out, fname))
    if args.report:
        with open(args.report, "w", encoding="utf-8") as fh:
            for r in sorted(report):
                fh.write("\t".join(r) + "\n")
    amb = {k: sum(1 for _, f in v.values() if f & {"ambiguous", "weak"}) for k, v in cues.rows.items()}
    for k in KINDS:
        print(f"{k:13s} {counts[k]:6d}  ({amb[k]} ambiguous/weak)", file=sys.stderr)
    print(f"wrote {len(FILES)} files to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
