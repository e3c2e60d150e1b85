#!/usr/bin/env python3
"""Counts of the shared corpus that the tests and the README state, derived without the
project's Rust code, so that a number in a test is something anyone can reproduce.

    python3 scripts/corpus_counts.py [--shared ../shared] [--json]

Prints, for the corpus at SHARED/corpus/articles and the query sets at SHARED/queries:

  articles               .md files (any case), hidden files and folders skipped, links not
                         followed: the articles `kb index` reads (tests/corpus.rs,
                         tests/web_corpus.rs, README)
  malformed_properties   files whose <properties .../> block is not well-formed XML, by
                         Python's XML parser (tests/corpus.rs: `check` reports each as a
                         malformed-properties warning)
  unterminated_properties files whose <properties start tag never ends for the XML parser
  no_properties          files without a <properties block
  topics                 topic IDs in topics.tsv (tests/corpus.rs; README: the topic
                         exact-set rate)

`--list malformed` prints the paths behind a count instead (`malformed`, `unterminated`
or `none`).

Only the standard library is used (Python 3.11).
"""

import argparse
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

# `<properties` in any case, as an element name: what follows is `/`, `>`, whitespace,
# a non-ASCII character or the end of the file, as in src/article/properties.rs.
OPEN_TAG = re.compile(r"<properties(?=[/>\s]|[^\x00-\x7f]|$)", re.IGNORECASE)


def article_files(root):
    """Relative `/`-separated paths of the .md files under root, sorted."""
    out = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.startswith(".") or not name.lower().endswith(".md") or len(name) <= 3:
                continue
            full = os.path.join(folder, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            out.append(os.path.relpath(full, root).replace(os.sep, "/"))
    return sorted(out)


def decode(data):
    """Byte-order marks stripped, UTF-8 decoded (invalid bytes replaced), line ends `\\n`."""
    while data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def properties_block(text):
    """'none' | 'unterminated' | 'ok' | 'malformed'.

    Python's XML parser reads from `<properties` on: the block is well-formed when the
    parser reports the element's start before any error (the Markdown after the block is
    not XML, and is only reached after the start tag ends).
    """
    match = OPEN_TAG.search(text)
    if not match:
        return "none"
    parser = ET.XMLPullParser(events=("start",))
    try:
        parser.feed(text[match.start() :])
        for _event, element in parser.read_events():
            return "ok" if element.tag == "properties" else "malformed"
    except ET.ParseError:
        return "malformed"
    # The whole file was read and the start tag never ended.
    return "unterminated"


def tsv_rows(path):
    """The data rows of a TSV file with a header line."""
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    return [line for line in lines[1:] if line.strip()]


def corpus_root(shared):
    root = os.path.join(shared, "corpus", "articles")
    if not os.path.isdir(root):
        sys.exit(f"no corpus at {root} (give --shared)")
    return root


def blocks(root):
    """Path -> what its properties block is, for every article."""
    out = {}
    for rel in article_files(root):
        with open(os.path.join(root, rel), "rb") as f:
            out[rel] = properties_block(decode(f.read()))
    return out


def counts(shared):
    root = corpus_root(shared)
    kinds = list(blocks(root).values())
    queries = os.path.join(shared, "queries")
    return {
        "articles": len(kinds),
        "malformed_properties": kinds.count("malformed"),
        "unterminated_properties": kinds.count("unterminated"),
        "no_properties": kinds.count("none"),
        "topics": len(tsv_rows(os.path.join(queries, "topics.tsv"))),
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        default=os.environ.get("KB_SHARED", os.path.join(here, "..", "..", "shared")),
        help="the folder holding corpus/ and queries/ (default: $KB_SHARED, else ../shared)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--list",
        choices=["malformed", "unterminated", "none"],
        help="print the paths of the articles whose block is of this kind",
    )
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    if args.list:
        for rel, kind in blocks(corpus_root(shared)).items():
            if kind == args.list:
                print(rel)
        return
    result = counts(shared)
    if args.json:
        print(json.dumps(result))
    else:
        width = max(len(k) for k in result)
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
