#!/usr/bin/env python3
"""Writes the figures of one evaluation run into docs/README-eval.md (the section between the markers
`<!-- eval-results:begin -->` and `<!-- eval-results:end -->`) and the compact table into README.md (between
`<!-- eval-table:begin -->` and `<!-- eval-table:end -->`).

Usage: update_docs.py RESULTS.json PRINTED_OUTPUT.txt --label "commit f67c5bf" [--repo DIR]
(PRINTED_OUTPUT.txt: what evaluate.py printed for that run.)
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def replace_between(text: str, begin: str, end: str, body: str, where: str) -> str:
    if begin not in text or end not in text:
        raise SystemExit(f"update_docs.py: markers {begin} / {end} missing in {where}")
    a = text.index(begin) + len(begin)
    b = text.index(end)
    return text[:a] + "\n" + body.strip() + "\n" + text[b:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("printed")
    ap.add_argument("--label", required=True)
    ap.add_argument("--repo", default=str(HERE.parent.parent))
    a = ap.parse_args()
    repo = Path(a.repo)

    def table(cols: str) -> str:
        out = subprocess.run([sys.executable, str(HERE / "summary_table.py"), a.results, "--columns", cols],
                             capture_output=True, text=True, check=True).stdout.strip()
        if "| Tempo Acc1 |" not in out:
            raise SystemExit(f"update_docs.py: summary_table.py gave no table for {cols} from {a.results}")
        return out

    txt = Path(a.printed).read_text()
    tables = txt[txt.index("\nTempo Acc1"):txt.index("\nours: ")].strip()
    extra = txt[txt.index("\nours: "):txt.index("\nBy style")].strip()
    breakdown = txt[txt.index("By style"):txt.index("\nwrote")].strip()
    body = f"""Analyser: {a.label}. The test halves:

{table("generated-test,real-test")}

The tune halves:

{table("generated-tune,real-tune")}

Every table (n = songs, or matched beats for the beat errors):

{tables}

{extra}

Generated songs, both halves together:

{breakdown}
"""
    doc = repo / "docs" / "README-eval.md"
    doc.write_text(replace_between(doc.read_text(), "<!-- eval-results:begin -->", "<!-- eval-results:end -->",
                                   body, str(doc)))
    readme = repo / "README.md"
    readme.write_text(replace_between(readme.read_text(), "<!-- eval-table:begin -->", "<!-- eval-table:end -->",
                                      f"{a.label}, the test halves (the peers' real-set figures are agreement with "
                                      f"their own consensus):\n\n{table('generated-test,real-test')}\n",
                                      str(readme)))
    print(f"updated {doc} and {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
