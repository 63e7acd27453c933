#!/usr/bin/env python3
"""Writes tests/data/golden/corpus.jsonl: the mixed corpus whose output tests/golden.rs pins.

Only text the project already holds or makes up: the bench article (whole, per paragraph and
repeated), the ordinary prose, the fuzz texts, the README's examples, and the adversarial units
of `gazette bench --adversarial` repeated to 512 bytes. Deterministic; rerun after changing a source.
"""
import json, pathlib, re

root = pathlib.Path(__file__).resolve().parents[3]
docs = []
article = (root / "tests/data/bench/article.txt").read_text()
docs.append(("article", article))
for i, p in enumerate(x for x in article.split("\n") if x.strip()):
    docs.append((f"article-p{i}", p))
docs.append(("article-x4", (article + "\n") * 4))
docs.append(("article-upper", article.upper()))
docs.append(("article-lower", article.lower()))
prose = (root / "tests/data/prose/ordinary.txt").read_text()
docs.append(("ordinary", prose))
for i, t in enumerate(json.loads((root / "tests/data/fuzz/texts.json").read_text())):
    if t:
        docs.append((f"fuzz-{i}", t))
docs += [
    ("readme-1", "Putin spoke with Netanyahu about Iran."),
    ("readme-2", "Prime Minister Kwame Mensah met Ngozi Okafor, chief executive of Zentrix Holdings, in Accra. Okafor said the company would hire."),
    ("readme-3", "At least 2,677 people were killed, a monitor said on Friday."),
]
bench = (root / "src/bench.rs").read_text()
table = bench[bench.index("pub const ADVERSARIAL"):]
table = table[: table.index("];")]
for name, unit in re.findall(r'\("([^"]+)", "((?:[^"\\]|\\.)*)"\)', table):
    unit = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), unit)
    unit = unit.replace('\\"', '"').replace("\\n", "\n")
    text = unit * max(1, 512 // len(unit.encode()))
    docs.append((f"adversarial: {name}", text))
with open(root / "tests/data/golden/corpus.jsonl", "w") as out:
    for id, text in docs:
        out.write(json.dumps({"id": id, "text": text}, ensure_ascii=False) + "\n")
print(len(docs), "documents")
