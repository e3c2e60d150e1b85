#!/usr/bin/env python3
"""Writes tests/fixtures/sample_articles.tsv: the properties of the sample articles in
articles/, read with Python's XML parser rather than the project's own, for the index and
search tests to expect results from.

    python3 scripts/sample_articles_tsv.py          # rewrite the file
    python3 scripts/sample_articles_tsv.py --check  # exit 1 if it is out of date

Run it after changing a sample article; tests/index_search.rs fails, naming this script,
when the file and the articles disagree. Values follow the README's rules: `service` and
`selfHelpType` lower-cased, lists split on commas, trimmed, emptied and repeated items
dropped (joined again with `,` here), `displayOrder` an integer or empty.

Only the standard library is used (Python 3.11).
"""

import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
ARTICLES = os.path.join(ROOT, "articles")
OUT = os.path.join(ROOT, "tests", "fixtures", "sample_articles.tsv")
COLUMNS = [
    "path",
    "articleId",
    "pageTitle",
    "service",
    "selfHelpType",
    "displayOrder",
    "supportTopicIds",
    "productPesIds",
]
BLOCK = re.compile(r"<properties\b.*?/>", re.IGNORECASE | re.DOTALL)


def split_list(value):
    out = []
    for item in value.split(","):
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return ",".join(out)


def row(rel):
    with open(os.path.join(ARTICLES, rel), encoding="utf-8-sig") as f:
        text = f.read().replace("\r\n", "\n")
    match = BLOCK.search(text)
    if not match:
        sys.exit(f"{rel}: no properties block")
    # Keys in any case, the first of each wins, as the README says.
    attrs = {}
    for key, value in ET.fromstring(match.group(0)).attrib.items():
        attrs.setdefault(key.lower(), value)
    get = lambda key: attrs.get(key.lower(), "").strip()
    values = {
        "path": rel,
        "articleId": get("articleId"),
        "pageTitle": " ".join(get("pageTitle").split()),
        "service": get("service").lower(),
        "selfHelpType": get("selfHelpType").lower(),
        "displayOrder": str(int(get("displayOrder"))) if get("displayOrder") else "",
        "supportTopicIds": split_list(get("supportTopicIds")),
        "productPesIds": split_list(get("productPesIds")),
    }
    for key, value in values.items():
        if "\t" in value or "\n" in value:
            sys.exit(f"{rel}: {key} holds a tab or a line end")
    return [values[c] for c in COLUMNS]


def table():
    paths = []
    for folder, dirs, files in os.walk(ARTICLES):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.lower().endswith(".md") and not name.startswith("."):
                full = os.path.join(folder, name)
                paths.append(os.path.relpath(full, ARTICLES).replace(os.sep, "/"))
    lines = ["\t".join(COLUMNS)] + ["\t".join(row(rel)) for rel in sorted(paths)]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 if stale")
    args = parser.parse_args()
    new = table()
    if args.check:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != new:
                sys.exit(f"{OUT} is out of date: run python3 scripts/sample_articles_tsv.py")
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(new)


if __name__ == "__main__":
    main()
