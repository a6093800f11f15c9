"""`python -m monitor.figures FILE [--lang L] [--json]`: the figures of a text file.

Shows every figure with its qualifiers and span, so a user can see why an alert fired or
did not. `monitor extract FILE --json` prints the same records (via `figure_to_dict`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from monitor.figures import extract_figures, figure_to_dict
from monitor.figures.lang import detect_language


def main(argv: list[str] | None = None) -> int:
    """Print the figures of FILE ("-" for stdin) as a table or as JSON."""
    parser = argparse.ArgumentParser(prog="python -m monitor.figures", description=__doc__)
    parser.add_argument("file", help="a UTF-8 text file, or - for stdin")
    parser.add_argument("--lang", help="ISO 639-1 code; detected when omitted")
    parser.add_argument("--json", action="store_true", help="one JSON document")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
    except OSError as e:
        print(f"cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 1
    lang = args.lang or detect_language(text)
    figures = extract_figures(text, lang)
    if args.json:
        doc = {"lang": lang, "figures": [figure_to_dict(f) for f in figures]}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    for f in figures:
        qualifiers = [q for q in ("approx" if f.approx else "", f.bound or "", f.time) if q]
        if f.range:
            qualifiers.append(f"range {f.range[0]}–{f.range[1]}")
        if f.relation:
            qualifiers.append(f.relation)
        if f.date:
            qualifiers.append(f"date {f.date!r}")
        print(
            f"{f.span[0]:>6}  {f.value:>14}  {f.unit or '-':<20}  {', '.join(qualifiers):<30}"
            f"  {f.text!r}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
