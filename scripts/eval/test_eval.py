"""Self-checks of the evaluation code (metrics, split, time map, swing): `python3 -m unittest scripts/eval/test_eval.py`.

Run by `make eval-analysis` before it scores anything; needs numpy, and mido for the generator import.
"""
from __future__ import annotations

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics as M  # noqa: E402
from common import parse_key, split_of  # noqa: E402

# Tolerance for floating-point comparisons of seconds and scores.
EPS = 1e-9


class MetricTests(unittest.TestCase):
    def test_tempo_accuracy_levels(self):
        self.assertEqual(M.tempo_acc(124.0, 120.0), (1.0, 1.0))      # 3.3 % off: inside 4 %
        self.assertEqual(M.tempo_acc(125.0, 120.0), (0.0, 0.0))      # 4.2 % off
        self.assertEqual(M.tempo_acc(240.0, 120.0), (0.0, 1.0))      # double
        self.assertEqual(M.tempo_acc(40.5, 120.0), (0.0, 1.0))       # a third, 1.25 % off
        self.assertEqual(M.tempo_acc(None, 120.0), (0.0, 0.0))

    def test_key_score_relations(self):
        self.assertEqual(M.key_score("A minor", "A minor"), 1.0)
        self.assertEqual(M.key_score("E minor", "A minor"), 0.5)      # fifth above
        self.assertEqual(M.key_score("D minor", "A minor"), 0.0)      # fifth below: not credited (mir_eval default)
        self.assertEqual(M.key_score("C major", "A minor"), 0.3)      # relative
        self.assertEqual(M.key_score("A minor", "C major"), 0.3)
        self.assertEqual(M.key_score("A major", "A minor"), 0.2)      # parallel
        self.assertEqual(M.key_score("N/A", "A minor"), 0.0)
        self.assertEqual(M.key_score("N/A", "N/A"), 1.0)              # drums only: no key is right
        self.assertEqual(M.key_score("C major", "N/A"), 0.0)
        self.assertEqual(M.key_score("Bb major", "A# major"), 1.0)    # enharmonic spelling

    def test_reliability_bins(self):
        r = M.reliability([(0.1, 0), (0.15, 1), (0.9, 1), (1.0, 1), (0.5, 0)])
        self.assertEqual([b["n"] for b in r["bins"]], [2, 0, 1, 0, 2])
        self.assertAlmostEqual(r["bins"][0]["correct"], 0.5)
        self.assertAlmostEqual(r["bins"][4]["confidence"], 0.95)
        # |0.125 - 0.5| * 2/5 + |0.5 - 0| * 1/5 + |0.95 - 1| * 2/5
        self.assertAlmostEqual(r["ece"], 0.15 + 0.1 + 0.02)

    def test_parse_key(self):
        self.assertEqual(parse_key("C# minor"), (1, "minor"))
        self.assertEqual(parse_key("Eb major"), (3, "major"))
        self.assertIsNone(parse_key("N/A"))
        self.assertIsNone(parse_key("H dorian"))

    def test_f_measure_window(self):
        ref = np.arange(0, 10, 0.5)
        self.assertAlmostEqual(M.f_measure(ref, ref + 0.069), 1.0, delta=EPS)
        self.assertAlmostEqual(M.f_measure(ref, ref + 0.071), 0.0, delta=EPS)
        # Every other beat: precision 1, recall 0.5 -> F = 2/3.
        self.assertAlmostEqual(M.f_measure(ref, ref[::2]), 2 / 3, delta=EPS)
        # Double-time estimate: precision 0.5, recall 1.
        dbl = np.arange(0, 10, 0.25)
        self.assertAlmostEqual(M.f_measure(ref, dbl), 2 * 0.5 * 1.0 / 1.5, delta=0.02)

    def test_matching_is_one_to_one(self):
        ref = np.array([1.0, 1.05])
        est = np.array([1.02])
        self.assertEqual(len(M.match(ref, est)), 1)

    def test_signed_errors(self):
        ref = np.arange(1, 5, 0.5)
        errs = M.beat_errors_ms(ref, ref - 0.012)
        self.assertTrue(all(abs(e + 12.0) < 1e-6 for e in errs))

    def test_sections_breakdowns_and_boundaries(self):
        bars = [{"section": s} for s in ["intro"] * 2 + ["main"] * 3 + ["main_2_4"] + ["breakdown"] * 2
                + ["main"] * 2 + ["final"]]
        downbeats = [2.0 * k for k in range(len(bars))]
        secs = M.truth_sections(downbeats, bars)
        # The 2/4 bar stays in the main part, the final hit is no section.
        self.assertEqual(secs, [("intro", 0.0), ("main", 4.0), ("breakdown", 12.0), ("main", 16.0)])
        ref = [t for _, t in secs[1:]]
        self.assertAlmostEqual(M.f_measure(ref, [4.0 + 2.9, 12.0, 16.0], M.SECTION_WINDOW_S), 1.0, delta=EPS)
        self.assertAlmostEqual(M.f_measure(ref, [4.0 + 3.1, 12.0, 16.0], M.SECTION_WINDOW_S), 2 / 3, delta=EPS)
        est = [{"start_sec": 0, "end_sec": 5, "role": "intro"}, {"start_sec": 5, "end_sec": 11.5, "role": "chorus"},
               {"start_sec": 11.5, "end_sec": 16.5, "role": "breakdown"},
               {"start_sec": 16.5, "end_sec": 20, "role": "breakdown"}]
        # The truth breakdown (12-16 s, middle 14 s) is found; the second called breakdown is false.
        self.assertEqual(M.role_counts(secs, est, "breakdown"), (1, 1, 1))
        # The truth intro (0-4 s) and the analyser's (0-5 s) hold each other's middles.
        self.assertEqual(M.role_counts(secs, est, "intro"), (1, 1, 0))

    def test_split_is_deterministic_and_balanced(self):
        ids = [f"gen{i:03d}-x" for i in range(400)]
        a = [split_of(i) for i in ids]
        self.assertEqual(a, [split_of(i) for i in ids])
        self.assertTrue(0.4 < a.count("tune") / len(a) < 0.6)


class RealSplitTests(unittest.TestCase):
    def test_variants_of_one_tune_share_a_half(self):
        import real
        groups = {
            "real-supertux-forest": ["real-supertux-forest2", "real-supertux-forest3"],
            "real-supertux-cave": ["real-supertux-cave-old"],
            "real-supertux-airship": ["real-supertux-airship-2", "real-supertux-airship-remix"],
            "real-supertux-ghostforest": ["real-supertux-ghostforest2", "real-supertux-ghostforest-map"],
            "real-warmux-olivier-militon-apnee": ["real-warmux-olivier-militon-apnee2"],
        }
        for base, variants in groups.items():
            self.assertEqual(real.split_group(base, "supertux-data" if "supertux" in base else "warmux-data"), base)
            for v in variants:
                pkg = "supertux-data" if "supertux" in v else "warmux-data"
                self.assertEqual(real.split_group(v, pkg), base, v)
        # Different tunes stay apart, and the earlier rounds' ids keep their own split.
        self.assertEqual(real.split_group("real-supertux-arctic-cave", "supertux-data"), "real-supertux-arctic-cave")
        self.assertEqual(real.split_group("real-warzone2100-track13", "warzone2100-music"), "real-warzone2100-track13")
        self.assertEqual(real.split_group("real-hyperrogue-hr3-hell", "hyperrogue-music"), "real-hyperrogue-hr3-hell")


class GeneratorTests(unittest.TestCase):
    def test_time_map_and_swing(self):
        import generate as G
        tm = G.TimeMap(0.5, 120.0, 120.0, 16)
        self.assertAlmostEqual(tm.at(0), 0.5, delta=EPS)
        self.assertAlmostEqual(tm.at(4), 2.5, delta=EPS)
        self.assertAlmostEqual(tm.at(4.5), 2.75, delta=EPS)
        drift = G.TimeMap(0.0, 100.0, 108.0, 33)
        ibis = np.diff([drift.at(b) for b in range(33)])
        self.assertAlmostEqual(60 / ibis[0], 100.0, delta=1e-6)
        self.assertAlmostEqual(60 / ibis[-1], 108.0, delta=0.3)
        self.assertAlmostEqual(G.swing_fraction(0.5, 0.66, 8), 0.66, delta=EPS)
        self.assertAlmostEqual(G.swing_fraction(0.0, 0.66, 8), 0.0, delta=EPS)
        self.assertAlmostEqual(G.swing_fraction(0.25, 0.6, 16), 0.3, delta=EPS)
        self.assertAlmostEqual(G.swing_fraction(0.5, 0.6, 16), 0.5, delta=EPS)

    def test_plans_are_deterministic_and_cover_all_keys(self):
        import generate as G
        plans = [G.plan_song(i, 13) for i in range(48)]
        self.assertEqual(plans, [G.plan_song(i, 13) for i in range(48)])
        keys = {(p["tonic"], p["mode"]) for p in plans}
        self.assertEqual(len(keys), 24)

    def test_truth_beats_follow_bars(self):
        import generate as G
        for i in range(40):
            plan = G.plan_song(i, 13)
            _, truth = G.compose(plan)
            beats, downs = truth["beats"], truth["downbeats"]
            self.assertTrue(all(b > a for a, b in zip(beats, beats[1:])), plan["id"])
            self.assertTrue(set(downs) <= set(beats), plan["id"])
            # Pickup beats come before the first downbeat.
            self.assertEqual(sum(1 for b in beats if b < downs[0]), plan["pickup_beats"], plan["id"])


class DocsTests(unittest.TestCase):
    """The evaluation figures the docs quote are there: a section whose table went missing once (an empty output
    pasted between the markers) left the README without its table and no check noticed."""

    REPO = Path(__file__).resolve().parent.parent.parent

    def section(self, name: str, begin: str, end: str) -> str:
        text = (self.REPO / name).read_text()
        self.assertIn(begin, text, name)
        self.assertIn(end, text, name)
        return text[text.index(begin):text.index(end)]

    def assert_table_row(self, section: str, metric: str, where: str):
        rows = [line for line in section.splitlines() if line.startswith(f"| {metric} |")]
        self.assertTrue(rows, f"{where}: no '{metric}' row")
        cells = [c.strip() for c in rows[0].strip("|").split("|")[1:]]
        self.assertTrue(any(c.replace(".", "", 1).isdigit() for c in cells), f"{where}: '{metric}' has no figure")

    def test_readme_and_eval_doc_carry_their_tables(self):
        readme = self.section("README.md", "<!-- eval-table:begin -->", "<!-- eval-table:end -->")
        results = self.section("docs/README-eval.md", "<!-- eval-results:begin -->", "<!-- eval-results:end -->")
        for metric in ("Tempo Acc1", "Key (MIREX)", "Beat F (70 ms)", "Downbeat F (70 ms)"):
            self.assert_table_row(readme, metric, "README.md eval-table")
            self.assert_table_row(results, metric, "docs/README-eval.md eval-results")


if __name__ == "__main__":
    unittest.main()
