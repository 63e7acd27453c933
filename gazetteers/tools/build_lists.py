#!/usr/bin/env python3
"""Build the larger known lists of persons and organisations from fetched open data.

Three derived gazetteers, each from one source that you fetch yourself (the sources are never
committed; only what this script writes is):

    python3 gazetteers/tools/build_lists.py politicians PATH   # -> gazetteers/persons-wikidata.tsv
    python3 gazetteers/tools/build_lists.py sp500 PATH         # -> gazetteers/orgs-sp500.tsv
    python3 gazetteers/tools/build_lists.py clubs DIR          # -> gazetteers/orgs-clubs.tsv

  politicians: `Wikidata/data/politicians_born_after_1945_having_a_picture.csv` of the GitHub
      repository CaptainFact/captain-fact-dev-data (CC0 1.0; a Wikidata Query Service extract:
      occupation politician, born after 1945, with a picture and a country of citizenship).
      The version used is the one of the repository's first commit (30ea5b8, blob 4384d12,
      2,407,843 bytes, SHA-256 ac9e7415...d742d; `git cat-file -p 4384d12` in a clone);
      later commits changed the columns.
  sp500: `data/constituents.csv` of the GitHub repository datasets/s-and-p-500-companies
      (ODC-PDDL-1.0; S&P 500 constituents with ticker and SEC CIK, taken by that project from
      Wikipedia's list). Used: commit 56509dd (2026-08-08).
  clubs: a checkout of the GitHub repository openfootball/clubs (CC0 1.0; football clubs by
      country with name variants; no ids). Used: commit ae38002 (2025-01-03).

Run from the repository root; stdlib only (no pinned packages needed); deterministic: the same
source gives the same bytes. Options: --out FILE, --report FILE (every decision with its reason,
TAB-separated), and for `politicians` --annotate-curated (writes `wikidata=Q...` into the
entries of persons-politics.tsv whose name and country are the source's, see below).

Policy (precision first: these names are matched in unseen news):
  * Only full names: at least two words, every word capitalised; single names, single surnames
    and titles are never aliases (the engine's co-reference ties "Smith" to "John Smith").
  * A name is dropped when it is not clean Latin text (the source has mis-encoded native-script
    labels: digits, punctuation, letters outside ASCII and Latin-1), when every word of it is a
    common word and the first no known given name (the names stage's cue files), when its first
    word is a demonym ("French Hill"), when it has no known given name first and a place or
    organisation key last, or when another gazetteer file already has it as an alias of an entry
    of another kind (a place, an organisation).
  * Merge by name: a name that a curated entry already has (canonical or alias, folded) yields
    no derived entry; the match is reported (--report) and, with --annotate-curated, the
    persons-politics.tsv entry gets the source's id when the names and countries agree.
  * Priority 70, below the curated entries (80-85), so curated entries win ties.
  * Ids only from the source: persons `wikidata:Q<id>` with `wikidata=Q<id>`; companies
    `org:sp500-<ticker>` with `cik=` and `ticker=` (tickers are never aliases); clubs have no
    source id, so `org:club-<country>-<slug>` and no external id.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import unicodedata

from folding import fold, is_latin

HERE = os.path.dirname(os.path.abspath(__file__))
GAZ = os.path.normpath(os.path.join(HERE, ".."))
PRIORITY = 70
DERIVED = {"persons-wikidata.tsv", "orgs-sp500.tsv", "orgs-clubs.tsv"}
# Only the politicians' file gets ids from the politicians' source: a same-named person in
# persons-public.tsv is usually someone else (Steve Cohen the investor is not the congressman).
CURATED_PERSONS = ("persons-politics.tsv",)

# ----------------------------------------------------------------------------------------------
# What the other files already say


def parse_gazetteer(path: str):
    """Yields (line_no, id, kind, canonical, [(alias, flags)], priority, attrs) of one file."""
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 6:
                continue
            eid, kind, canon, aliases, pri, attrs = cols
            als = []
            for a in aliases.split("|") if aliases else []:
                text, _, flags = a.partition("@")
                als.append((text, flags))
            yield no, eid, kind, canon, als, pri, attrs


def load_existing():
    """folded name -> set of (file, id, kind) over every gazetteer file but the derived ones."""
    names: dict[str, set] = {}
    for fn in sorted(os.listdir(GAZ)):
        if not fn.endswith(".tsv") or fn in DERIVED:
            continue
        for _, eid, kind, canon, als, _, _ in parse_gazetteer(os.path.join(GAZ, fn)):
            for text in [canon] + [a for a, _ in als]:
                names.setdefault(fold(text), set()).add((fn, eid, kind))
    return names


def load_cue(file: str, cue: str) -> set[str]:
    """Folded texts of one cue in one cue file."""
    words = set()
    with open(os.path.join(GAZ, "cues", file), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2 and cols[1] == cue:
                words.add(fold(cols[0]))
    return words


def load_common() -> set[str]:
    return load_cue("common.tsv", "common")


def country_codes() -> dict[str, str]:
    """Country name (folded canonical and aliases) -> ISO alpha-2, from the priority-100 entries
    of places.tsv (countries and territories)."""
    out = {}
    for _, _, _, canon, als, pri, attrs in parse_gazetteer(os.path.join(GAZ, "places.tsv")):
        a = dict(kv.split("=", 1) for kv in attrs.split(";") if "=" in kv)
        if pri == "100" and a.get("country"):
            for text in [canon] + [t for t, _ in als]:
                out.setdefault(fold(text), a["country"])
    return out


# ----------------------------------------------------------------------------------------------
# Names

LATIN1_LETTER = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")
WORD = re.compile(
    r"^(?:[A-Z\u00c0-\u00d6\u00d8-\u00de]\.|"  # an initial
    r"(?:Mc|Mac|O'|D'|d'|L'|l')?[A-Z\u00c0-\u00d6\u00d8-\u00de][a-z\u00df-\u00f6\u00f8-\u00ff']+"
    r"(?:-[A-Z\u00c0-\u00d6\u00d8-\u00de]?[a-z\u00df-\u00f6\u00f8-\u00ff']+)*"
    r"|(?:De|Di|Da|Du|La|Le|Mc|Mac|Van|St)[A-Z][a-z]+)$"  # DeSantis, LaHood
)
# Lowercase particles that names contain.
PARTICLES = {"de", "del", "della", "di", "da", "das", "do", "dos", "du", "van", "von", "der",
             "den", "ter", "la", "le", "y", "e", "i", "zu", "af", "bin", "al", "el"}
SUFFIXES = {"Jr.", "Sr.", "II", "III", "IV"}


def clean_person(raw: str) -> tuple[str | None, str]:
    """(name, "") when `raw` is a usable full name, else (None, reason)."""
    for ch in raw:  # before any splitting: str.split() also splits on control characters
        if not (LATIN1_LETTER.match(ch) or ch in " -.',"):
            return None, "not clean Latin text (mis-encoded or other script)"
    name = " ".join(raw.split(" "))
    name = " ".join(name.split())
    if "," in name:  # "Celia Thomas, Baroness Thomas of Winchester"
        name = name.split(",", 1)[0].strip()
    if not name:
        return None, "empty"
    for ch in name:
        if not (LATIN1_LETTER.match(ch) or ch in " -.'"):
            return None, "not clean Latin text (mis-encoded or other script)"
    words = name.split(" ")
    caps = [w for w in words if w not in PARTICLES and w not in SUFFIXES]
    if len(caps) < 2 or len(words) > 5:
        return None, "not a full name of 2-5 words"
    for w in caps:
        if not WORD.match(w):
            return None, f"word {w!r} is not a capitalised name word"
    if words[0] in PARTICLES or words[-1] in PARTICLES:
        return None, "starts or ends with a particle"
    return name, ""


def person_aliases(name: str) -> list[str]:
    """Extra full-name forms: the name without its middle initials ("Aisha N. Braveboy")."""
    words = name.split(" ")
    short = [w for i, w in enumerate(words)
             if not (0 < i < len(words) - 1 and re.fullmatch(r"[A-Z]\.", w))]
    out = []
    if short != words and len(short) >= 2:
        out.append(" ".join(short))
    return out


def all_common(name: str, common: set[str], given: set[str]) -> bool:
    """Every word is a common word and the first is no known given name ("This Jenny"; not
    "Tony Blair", whose words are also common words)."""
    ws = [fold(w) for w in name.replace("-", " ").split() if w not in PARTICLES]
    return ws[0] not in given and all(w.rstrip(".") in common for w in ws)


def person_like(name: str, given: set[str]) -> bool:
    """Two to four words, the first a known given name or an initial ("Ralph Lauren",
    "T. Rowe Price", "Jorge Wilstermann")."""
    ws = name.split()
    return 2 <= len(ws) <= 4 and (fold(ws[0]) in given or re.fullmatch(r"[A-Z]\.", ws[0]) is not None)


def plain_words(name: str, common: set[str], keys: set[str]) -> bool:
    """Every word a common word or a connector, and none an organisation key of the names
    stage's cue lists ("Treasure Beach", "The Strongest"; not "Wigan Athletic")."""
    ws = [fold(w) for w in name.replace("-", " ").split()]
    if any(w in keys for w in ws):
        return False
    return all(w in common or w in PARTICLES or w in {"of", "the", "and", "&"} for w in ws)


def slug(s: str) -> str:
    s = fold(s)
    s = re.sub(r"[^a-z0-9]+", "-", s)
    return s.strip("-")


# ----------------------------------------------------------------------------------------------
# politicians

ENTITY = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")
DATE = re.compile(r"^(\d{4})-\d\d-\d\dT")
# Countries of citizenship that no longer exist, as the source writes them.
OLD_COUNTRIES = {"DD": "DE"}
# Hungarian names are written family name first in the source's native-language label.
FAMILY_FIRST = {"HU"}


def read_politicians(path: str, report):
    """{qid: {"names": {name}, "countries": {cc}, "born": year}} from the CaptainFact CSV.

    The file has rows broken across lines by mis-encoded labels; each physical line is parsed on
    its own and kept only when its columns have the expected shapes."""
    people: dict[str, dict] = {}
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    for no, line in enumerate(lines[1:], 2):
        if not line.startswith("http://www.wikidata.org/entity/Q"):
            continue
        try:
            cols = next(csv.reader(io.StringIO(line)))
        except (csv.Error, StopIteration):
            report(no, "", "", "drop", "unparsable line")
            continue
        if len(cols) < 6:
            report(no, "", "", "drop", "too few columns")
            continue
        m, d, cc = ENTITY.match(cols[0]), DATE.match(cols[4]), cols[5]
        if not m or not d or not re.fullmatch(r"[A-Z]{2}", cc):
            report(no, cols[0], cols[3], "drop", "columns out of place")
            continue
        qid = m.group(1)
        p = people.setdefault(qid, {"names": set(), "countries": set(), "born": d.group(1)})
        p["names"].add(cols[3])
        p["countries"].add(OLD_COUNTRIES.get(cc, cc))
    return people


def build_politicians(src: str, out: str, report_path: str | None, annotate: bool) -> None:
    rep = []

    def report(line, qid, name, decision, reason):
        rep.append((str(line), qid, name, decision, reason))

    people = read_politicians(src, report)
    existing = load_existing()
    common = load_common()
    given = load_cue("given-names.tsv", "given")
    demonyms = load_cue("common.tsv", "demonym")
    keys = (load_cue("places.tsv", "place-end") | load_cue("organisations.tsv", "org-end"))
    valid_cc = set(country_codes().values())

    entries = []          # (qid, canonical, aliases, attrs)
    curated_matches = []  # (curated file, curated id, qid, name, same country)
    for qid in sorted(people, key=lambda q: int(q[1:])):
        p = people[qid]
        countries = sorted(c for c in p["countries"] if c in valid_cc)
        raws = sorted(p["names"])
        if p["countries"] & FAMILY_FIRST:
            report("", qid, " / ".join(raws), "drop", "family-name-first label (Hungarian)")
            continue
        clean = []
        for raw in raws:
            name, why = clean_person(raw)
            if name:
                clean.append(name)
            else:
                report("", qid, raw, "drop", why)
        if not clean:
            continue
        # Several labels for one id (the source's rows differ): the shortest clean one is the
        # canonical, the others are aliases ("Arnold Schwarzenegger", "Arnold Alois ...").
        clean = sorted(set(clean), key=lambda n: (len(n.split()), len(n), n))
        name = clean[0]
        if all_common(name, common, given):
            report("", qid, name, "drop", "every word is a common word")
            continue
        first, last = fold(name.split()[0].split("-")[0]), fold(name.split()[-1])
        if first in demonyms and first not in given:
            report("", qid, name, "drop", "first word is a demonym (French Hill: a place too)")
            continue
        if first not in given and last in keys:
            report("", qid, name, "drop", "no known given name first and a place or "
                   "organisation key last")
            continue
        forms = []
        for n in clean:
            for f in [n] + person_aliases(n):
                if fold(f) not in {fold(x) for x in forms}:
                    forms.append(f)
        hits = set()
        for form in forms:
            hits |= existing.get(fold(form), set())
        persons = sorted(h for h in hits if h[2] == "person")
        others = sorted(h for h in hits if h[2] != "person")
        if persons:
            for fn, eid, _ in persons:
                curated_matches.append((fn, eid, qid, name, countries))
            report("", qid, name, "merge", "curated entry " + ", ".join(e for _, e, _ in persons))
            continue
        if others:
            report("", qid, name, "drop",
                   "name of another kind: " + ", ".join(f"{e} ({fn})" for fn, e, _ in others))
            continue
        attrs = [f"wikidata={qid}"]
        if len(countries) == 1:
            attrs.append(f"country={countries[0]}")
        elif countries:
            attrs.append("countries=" + ",".join(countries))
        attrs += ["role=politician", f"born={p['born']}"]
        entries.append((qid, name, forms[1:], ";".join(attrs)))
        report("", qid, name, "keep", "")

    # Same full name for several source ids: all are kept (each is a real person with an id);
    # the engine takes the lower id on a tie and issue 10's context resolution may do better.
    by_name: dict[str, int] = {}
    for _, name, _, _ in entries:
        by_name[fold(name)] = by_name.get(fold(name), 0) + 1
    shared = sum(1 for _, n, _, _ in entries if by_name[fold(n)] > 1)

    header = f"""# persons-wikidata.tsv: derived PERSON gazetteer: politicians with Wikidata ids.
# GENERATED FILE, DO NOT EDIT BY HAND. Regenerate from the repository root with:
#   python3 gazetteers/tools/build_lists.py politicians PATH/politicians_born_after_1945_having_a_picture.csv
# Source: CaptainFact/captain-fact-dev-data (GitHub), Wikidata/data/politicians_born_after_1945_
# having_a_picture.csv, first commit 30ea5b8: a Wikidata Query Service extract (politicians born
# after 1945 with a picture and a country of citizenship), CC0 1.0. See gazetteers/SOURCES.md.
# Policy (gazetteers/tools/build_lists.py): full names only (no single surnames); names not in
# clean Latin text, made only of common words, or naming a place/organisation elsewhere are
# dropped; names a curated person already has are left to the curated entry. Priority {PRIORITY},
# below the curated files. Ids and wikidata= come from the source; born= is the source's year of
# birth; {shared} entries share their full name with another entry here (lower id wins a tie).
# Columns: id	kind	canonical	aliases	priority	attributes
"""
    rows = [f"wikidata:{q}\tperson\t{n}\t{'|'.join(a)}\t{PRIORITY}\t{attrs}"
            for q, n, a, attrs in entries]
    write(out, header + "\n".join(rows) + "\n")
    print(f"{out}: {len(entries)} entries ({shared} sharing a full name); "
          f"{len(curated_matches)} names left to curated entries; "
          f"{sum(1 for r in rep if r[3] == 'drop')} source rows or ids dropped", file=sys.stderr)
    if annotate:
        annotate_curated(curated_matches, report)
    if report_path:
        write(report_path, "line\tid\tname\tdecision\treason\n"
              + "".join("\t".join(r) + "\n" for r in rep))


def annotate_curated(matches, report) -> None:
    """Adds `wikidata=Q...` to persons-politics.tsv entries whose canonical or a non-weak alias of
    two words or more is the source's name (up to folding) and whose country is among the
    source's, when exactly one source id matches."""
    want: dict[tuple[str, str], set] = {}
    for fn, eid, qid, name, countries in matches:
        want.setdefault((fn, eid), set()).add((qid, fold(name), tuple(countries)))
    for fn in CURATED_PERSONS:
        path = os.path.join(GAZ, fn)
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        changed = 0
        for i, line in enumerate(lines):
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 6 or (fn, cols[0]) not in want:
                continue
            cands = want[(fn, cols[0])]
            attrs = dict(kv.split("=", 1) for kv in cols[5].split(";") if "=" in kv)
            full = {fold(cols[2])} | {
                fold(t) for t, _, fl in (a.partition("@") for a in cols[3].split("|"))
                if "weak" not in fl and len(t.split()) >= 2}
            ok = [q for q, n, ccs in cands if n in full and attrs.get("country") in ccs]
            if len(set(ok)) == 1 and attrs.get("wikidata") == ok[0]:
                continue  # already there: a second run changes nothing
            if len(set(ok)) != 1 or "wikidata" in attrs:
                for q, n, _ in sorted(cands):
                    report("", q, cols[2], "curated-no-id",
                           f"{cols[0]}: canonical or country differ, or several ids")
                continue
            cols[5] = (cols[5] + ";" if cols[5] else "") + f"wikidata={ok[0]}"
            lines[i] = "\t".join(cols)
            changed += 1
            report("", ok[0], cols[2], "curated-id", f"{fn}: {cols[0]}")
        if changed:
            write(path, "\n".join(lines))
        print(f"{path}: wikidata= added to {changed} entries", file=sys.stderr)


# ----------------------------------------------------------------------------------------------
# S&P 500 companies

US_STATES = {
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas",
    "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota",
    "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey",
    "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon",
    "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah",
    "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming",
    "District of Columbia", "Washington, D.C.",
}
# Legal-form endings: the name without them is also written by the press ("Dow Inc." -> "Dow").
DESIGNATORS = ("Inc.", "Inc", "Corporation", "Corp.", "Company", "Co.", "plc", "PLC", "Ltd.",
               "Limited", "N.V.", "S.A.", "AG", "SE", "Holdings", "Group")


def build_sp500(src: str, out: str, report_path: str | None) -> None:
    rep = []

    def report(line, key, name, decision, reason):
        rep.append((str(line), key, name, decision, reason))

    existing = load_existing()
    common = load_common()
    given = load_cue("given-names.tsv", "given")
    surnames = load_cue("surnames.tsv", "surname")
    ccodes = country_codes()
    entries = []
    seen_cik = set()
    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for no, r in enumerate(rows, 2):
        ticker, sec, cik = r["Symbol"].strip(), " ".join(r["Security"].split()), r["CIK"].strip()
        if not re.fullmatch(r"[A-Z][A-Z.]*", ticker) or not cik.isdigit():
            report(no, ticker, sec, "drop", "no ticker or CIK")
            continue
        if cik in seen_cik:
            report(no, ticker, sec, "drop", "second share class of a company already listed")
            continue
        seen_cik.add(cik)
        # "Alphabet Inc. (Class A)" -> "Alphabet Inc."; "Lilly (Eli)" -> "Eli Lilly".
        m = re.fullmatch(r"(.*?) \((.*)\)", sec)
        if m and not m.group(2).startswith("Class"):
            name = f"{m.group(2)} {m.group(1)}"
        else:
            name = m.group(1) if m else sec
        name = name.strip()
        bare = name.rstrip(",")
        for d in DESIGNATORS:
            if bare.endswith(" " + d):
                bare = bare[: -len(d) - 1].rstrip(",").strip()
                break
        if bare != name and bare.startswith("The "):
            bare = bare[4:]  # "The Mosaic Company" -> "Mosaic", not "The Mosaic"
        forms = [name] + ([bare] if bare != name else [])
        hits = existing.get(fold(name), set())
        if any(h[2] == "organization" for h in hits):
            report(no, ticker, name, "merge", "curated entry " + ", ".join(
                sorted(e for _, e, k in hits if k == "organization")))
            continue
        aliases = []
        if bare != name:
            # One word alone ("Danaher", "Everest", "Carnival") is often something else too:
            # it counts only beside the full name.
            # So does a founder's name ("Ralph Lauren", "T. Rowe Price"): often the person.
            risky = " " not in bare or person_like(bare, given)
            if existing.get(fold(bare)):
                report(no, ticker, bare, "alias-dropped", "names another entry: " + ", ".join(
                    sorted(e for _, e, _ in existing[fold(bare)])))
            else:
                aliases.append(bare + ("@weak" if risky else ""))
        if existing.get(fold(name)):
            report(no, ticker, name, "drop", "name of another kind of entry")
            continue
        if " " not in name and fold(name) in common:
            report(no, ticker, name, "drop", "one word that is a common word")
            continue
        if " " not in name and (fold(re.sub(r"'s$", "", name)) in surnames or fold(name) in given):
            # "Gartner", "Kroger", "Lowe's": as often a person; a lone surname is no alias here.
            report(no, ticker, name, "drop", "one word that is a surname or given name")
            continue
        if re.fullmatch(r"[A-Z&.]{1,5}", name.replace(" ", "")) and "&" not in name:
            # A short all-capitals name is an acronym the engine matches exactly; keep it only
            # with its legal form ("APA Corporation"), never bare.
            report(no, ticker, name, "drop", "bare short acronym")
            continue
        hq = r.get("Headquarters Location", "")
        tail = hq.rsplit(",", 1)[-1].strip()
        cc = "US" if tail in US_STATES or hq in US_STATES else ccodes.get(fold(tail), "")
        attrs = [f"ticker={ticker}", f"cik={cik}"]
        if cc:
            attrs.append(f"country={cc}")
        attrs += ["type=company", "index=sp500"]
        entries.append((f"org:sp500-{slug(ticker)}", name, aliases, ";".join(attrs)))
        report(no, ticker, name, "keep", "")

    entries.sort()
    header = f"""# orgs-sp500.tsv: derived ORGANIZATION gazetteer: companies of the S&P 500 index.
# GENERATED FILE, DO NOT EDIT BY HAND. Regenerate from the repository root with:
#   python3 gazetteers/tools/build_lists.py sp500 PATH/constituents.csv
# Source: datasets/s-and-p-500-companies (GitHub), data/constituents.csv, ODC-PDDL-1.0 (taken by
# that project from Wikipedia's list of S&P 500 companies). See gazetteers/SOURCES.md.
# Policy (gazetteers/tools/build_lists.py): the listed name (not when it is one word that is a
# common word, a surname or a given name: Gartner, Kroger), and the name without its legal form
# (@weak when it is one word or reads as a person's name: it then needs the full name in the
# same document); tickers are attributes, never aliases; companies a curated entry already has are left to it. Priority
# {PRIORITY}, below the curated files. Ids from the ticker; cik= is the SEC's id from the source.
# Columns: id	kind	canonical	aliases	priority	attributes
"""
    rows = [f"{i}\torganization\t{n}\t{'|'.join(a)}\t{PRIORITY}\t{attrs}"
            for i, n, a, attrs in entries]
    write(out, header + "\n".join(rows) + "\n")
    print(f"{out}: {len(entries)} entries; "
          f"{sum(1 for r in rep if r[3] == 'merge')} left to curated entries; "
          f"{sum(1 for r in rep if r[3] == 'drop')} dropped", file=sys.stderr)
    if report_path:
        write(report_path, "line\tticker\tname\tdecision\treason\n"
              + "".join("\t".join(r) + "\n" for r in rep))



# ----------------------------------------------------------------------------------------------
# Football clubs (openfootball/clubs)

# File prefixes that are not ISO 3166-1 alpha-2 codes.
CLUB_FILE_COUNTRY = {"eng": "GB", "sco": "GB", "wal": "GB", "nir": "GB", "kos": "XK"}


def unmark_sponsor(text: str) -> str:
    """The source marks a sponsor's part of a name with `$$`: "FC $$Mohren$$ Dornbirn 1913" is
    written "FC Mohren Dornbirn 1913" in news. Keep the words, drop the marks (they made aliases
    that could never match)."""
    return " ".join(re.sub(r"\$\$([^$]*)\$\$", r"\1", text).split())


def read_clubs(root: str, report):
    """[(country, file, line, canonical, [aliases])] from every `*.clubs.txt` under `root`
    (not the `.lang.`, history, props or wiki files). Reserve teams ("ii) ...") are skipped."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if re.fullmatch(r"[a-z]{2,3}\.clubs\.txt", fn):
                files.append(os.path.join(dirpath, fn))
    clubs = []
    for path in sorted(files, key=lambda p: os.path.relpath(p, root)):
        prefix = os.path.basename(path).split(".")[0]
        cc = CLUB_FILE_COUNTRY.get(prefix, prefix.upper())
        rel = os.path.relpath(path, root)
        current = None
        with open(path, encoding="utf-8") as f:
            for no, line in enumerate(f, 1):
                line = line.split("#", 1)[0].rstrip()
                if not line.strip() or line.lstrip().startswith("="):
                    continue
                if line[0] in " \t":
                    body = line.strip()
                    if body.startswith("|") and current is not None:
                        for a in body.split("|"):
                            a = re.sub(r"\[[a-z]{2}\]|\([^)]*\)", "", a)
                            a = unmark_sponsor(a)
                            a = " ".join(a.split())
                            if a:
                                current[4].append(a)
                    continue  # an address line, or aliases of a skipped team
                if re.match(r"^[ivx]+\)", line):
                    current = None  # a reserve team
                    continue
                name = line.split(",", 1)[0]
                name = " ".join(re.sub(r"\([^)]*\)", "", name).split())  # "(1932-2006)"
                name = unmark_sponsor(name)
                current = (cc, rel, no, name, [])
                clubs.append(current)
    return clubs


def build_clubs(src: str, out: str, report_path: str | None) -> None:
    rep = []

    def report(line, key, name, decision, reason):
        rep.append((str(line), key, name, decision, reason))

    existing = load_existing()
    common = load_common()
    given = load_cue("given-names.tsv", "given")
    clubwords = load_cue("organisations.tsv", "org-end") | load_cue("organisations.tsv", "org-start")
    valid_cc = set(country_codes().values())
    clubs = read_clubs(src, report)
    # An alias that two clubs share ("Rangers", "United") names neither.
    owners: dict[str, set] = {}
    for c in clubs:
        for t in [c[3]] + c[4]:
            owners.setdefault(fold(t), set()).add((c[1], c[2]))
    entries = []
    used_ids = set()
    for cc, rel, no, name, aliases in clubs:
        where = f"{rel}:{no}"
        if not is_latin(name) or not re.search(r"[A-Za-z]", name):
            report(where, "", name, "drop", "not Latin text")
            continue
        hits = existing.get(fold(name), set())
        alias_hits = set()
        for a in aliases:
            alias_hits |= {h for h in existing.get(fold(a), set()) if h[2] == "organization"}
        if any(h[2] == "organization" for h in hits) or alias_hits:
            report(where, "", name, "merge", "curated entry " + ", ".join(
                sorted({e for _, e, k in hits | alias_hits if k == "organization"})))
            continue
        if hits:
            report(where, "", name, "drop", "name of another kind of entry: " + ", ".join(
                sorted(e for _, e, _ in hits)))
            continue
        if len(owners[fold(name)]) > 1:
            report(where, "", name, "drop", "name shared by several clubs")
            continue
        keep = []
        for a in aliases:
            fa = fold(a)
            if fa == fold(name) or fa in {fold(k.split("@")[0]) for k in keep}:
                continue
            why = ""
            if not is_latin(a):
                why = "not Latin text"
            elif "." in a or a[0].isdigit() or len(a) < 4:
                why = "abbreviation, number or short form"
            elif existing.get(fa):
                why = "names another entry: " + ", ".join(sorted(e for _, e, _ in existing[fa]))
            elif len(owners[fa]) > 1:
                why = "shared by several clubs"
            elif a.upper() == a:
                why = "all capitals (an acronym the engine would match exactly)"
            elif " " not in a and fa in common:
                why = "one common word"
            if why:
                report(where, "", a, "alias-dropped", why)
                continue
            # One word alone ("Bayern", "Spurs") counts only beside a fuller name; so does a
            # variant that reads as a person's name, and one made of common words with no club
            # word ("Treasure Beach", "Police Union", "The Strongest": a place, a phrase).
            weak = " " not in a or person_like(a, given) or plain_words(a, common, clubwords)
            keep.append(a + ("@weak" if weak else ""))
        if " " not in name or plain_words(name, common, clubwords):
            # A one-word name ("Clyde", "Stranraer", "Temperley") is as often the town, the
            # river or a word, and so is a name of plain words: the canonical turns weak and
            # needs a fuller name beside it.
            if not any("@" not in k and " " in k for k in keep):
                report(where, "", name, "drop", "one word or plain words, without a fuller variant")
                continue
            keep.insert(0, name + "@weak")
        base = f"org:club-{cc.lower()}-{slug(name)}"
        eid, k = base, 2
        while eid in used_ids:
            eid, k = f"{base}-{k}", k + 1
        used_ids.add(eid)
        attrs = ([f"country={cc}"] if cc in valid_cc else []) + ["type=sports_club", "sport=football"]
        entries.append((eid, name, keep, ";".join(attrs)))
        report(where, eid, name, "keep", "")

    entries.sort()
    header = f"""# orgs-clubs.tsv: derived ORGANIZATION gazetteer: football clubs of many countries' leagues.
# GENERATED FILE, DO NOT EDIT BY HAND. Regenerate from the repository root with:
#   python3 gazetteers/tools/build_lists.py clubs PATH/clubs     (a checkout of openfootball/clubs)
# Source: openfootball/clubs (GitHub), the */*.clubs.txt files, CC0 1.0 (public domain). The
# source has no ids: ids are org:club-<country>-<slug of the name>. See gazetteers/SOURCES.md.
# Policy (gazetteers/tools/build_lists.py): the club's name and its variants; a variant that is a
# place or another entry ("Chelsea", "Barnet"), that two clubs share ("Rangers"), an abbreviation
# or an acronym is dropped; one word alone ("Bayern", "Spurs", also a one-word canonical such as
# "Clyde") and a variant that reads as a person's name are @weak, and a one-word club with no
# fuller variant is left out; reserve teams are left out; clubs a curated entry already has are
# left to it. Priority {PRIORITY}, below the curated files.
# Columns: id	kind	canonical	aliases	priority	attributes
"""
    rows = [f"{i}\torganization\t{n}\t{'|'.join(a)}\t{PRIORITY}\t{attrs}"
            for i, n, a, attrs in entries]
    write(out, header + "\n".join(rows) + "\n")
    print(f"{out}: {len(entries)} entries; "
          f"{sum(1 for r in rep if r[3] == 'merge')} left to curated entries; "
          f"{sum(1 for r in rep if r[3] == 'drop')} dropped", file=sys.stderr)
    if report_path:
        write(report_path, "where\tid\tname\tdecision\treason\n"
              + "".join("\t".join(r) + "\n" for r in rep))

# ----------------------------------------------------------------------------------------------


def write(path: str, text: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", choices=["politicians", "sp500", "clubs"])
    ap.add_argument("path", help="the fetched source file, or for clubs the repository checkout "
                    "(see the module doc for where to get it)")
    ap.add_argument("--out", help="output file (default: gazetteers/persons-wikidata.tsv or orgs-sp500.tsv)")
    ap.add_argument("--report", help="write every decision with its reason to this TSV file")
    ap.add_argument("--annotate-curated", action="store_true",
                    help="politicians: add wikidata= to matching curated person entries")
    args = ap.parse_args()
    if not (os.path.isdir if args.source == "clubs" else os.path.isfile)(args.path):
        print(f"build_lists.py: {args.path}: no such file (see --help for where to get it)",
              file=sys.stderr)
        return 2
    if args.source == "politicians":
        build_politicians(args.path, args.out or os.path.join(GAZ, "persons-wikidata.tsv"),
                          args.report, args.annotate_curated)
    elif args.source == "clubs":
        build_clubs(args.path, args.out or os.path.join(GAZ, "orgs-clubs.tsv"), args.report)
    else:
        build_sp500(args.path, args.out or os.path.join(GAZ, "orgs-sp500.tsv"), args.report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
