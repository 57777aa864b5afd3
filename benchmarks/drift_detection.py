"""How strong a shift each drift test catches, and how often unshifted data raises a false alarm.

    PYTHONPATH=src python benchmarks/drift_detection.py --data ../shared/data/fer2013 --out drift-bench.json

False alarms: 20 random splits of FER2013's PublicTest + PrivateTest faces, a profile from 3,000 faces, the
test from 300 others. Detection: the profile of PublicTest (as shipped), 300 PrivateTest faces shifted at
growing strengths (3 draws each); the smallest strength at which the expected test warns and drifts in all 3.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from emolens.data.facesets import load_faceset
from emolens.monitoring import FeatureReader, LandmarkFinder, build_profile, compare
from emolens.monitoring.shifts import SHIFTS, skew_mix
from emolens.types import EMOTIONS

GRID = {
    "darken": [0.05, 0.075, 0.1, 0.15, 0.2],
    "low_contrast": [0.05, 0.1, 0.15, 0.2, 0.3],
    "blur": [0.3, 0.4, 0.5, 0.75, 1.0],
    "downscale": [0.1, 0.15, 0.2, 0.25, 0.4],
    "rotate": [1, 2, 3, 5, 10],
    "crop_shift": [0.25, 0.5, 0.75, 1, 2],
}
EXPECTED = {
    "darken": "brightness",
    "low_contrast": "contrast",
    "blur": "sharpness",
    "downscale": "sharpness",
    "rotate": "roll_deg",
    "crop_shift": "eyes_y",
    "happy_share": "prediction_mix",
}
SKEW = [0.35, 0.4, 0.45, 0.5, 0.6]
LABELS = [e.value for e in EMOTIONS]


def false_alarms(measured, splits: int, profile_n: int, new_n: int) -> dict:
    verdicts = []
    for seed in range(splits):
        order = np.random.default_rng(seed).permutation(len(measured))
        profile = build_profile(measured.take(order[:profile_n]), LABELS, "m", "1", "split", seed)
        report = compare(profile, measured.take(order[profile_n : profile_n + new_n]), seed=seed)
        verdicts.append({"verdict": report.verdict, "alarms": report.alarms()})
    alarms = sum(v["verdict"] != "ok" for v in verdicts)
    return {"splits": splits, "alarms": alarms, "rate": alarms / splits, "runs": verdicts}


def strengths(reader, finder, profile, crops, labels, new_n: int, draws: int) -> dict:
    out = {}
    for name, grid in [*GRID.items(), ("happy_share", SKEW)]:
        rows = []
        for strength in grid:
            levels, others = [], []
            for draw in range(draws):
                rng = np.random.default_rng(100 + draw)
                if name == "happy_share":
                    index = skew_mix(labels, LABELS.index("happy"), strength, new_n, seed=draw)
                    measured = reader.measure(crops[index], finder)
                else:
                    index = rng.choice(len(crops), new_n, replace=False)
                    measured = reader.measure(SHIFTS[name](crops[index], strength), finder)
                report = compare(profile, measured, seed=draw)
                levels.append(report.alarms().get(EXPECTED[name], "ok"))
                others.append(report.alarms())
            rows.append({"strength": strength, "levels": levels, "alarms": others})
            print(name, strength, levels, others[0], flush=True)
        out[name] = {
            "feature": EXPECTED[name],
            "rows": rows,
            "warns_at": next((r["strength"] for r in rows if "ok" not in r["levels"]), None),
            "drifts_at": next((r["strength"] for r in rows if set(r["levels"]) == {"drift"}), None),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("drift-bench.json"))
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--new", type=int, default=300)
    args = parser.parse_args()
    started = time.time()
    reader, finder = FeatureReader(), LandmarkFinder()
    val, test = load_faceset(args.data, "val"), load_faceset(args.data, "test")
    val_m, test_m = reader.measure(val.images, finder), reader.measure(test.images, finder)
    pooled = type(val_m).concat([val_m, test_m])
    result = {"false_alarms": false_alarms(pooled, args.splits, 3000, args.new)}
    print("false alarms", result["false_alarms"]["rate"], flush=True)
    profile = build_profile(val_m, LABELS, "shipped", "1", "PublicTest")
    result["detection"] = strengths(reader, finder, profile, test.images, test.labels, args.new, args.draws)
    result["new_faces"] = args.new
    result["seconds"] = round(time.time() - started)
    args.out.write_text(json.dumps(result, indent=2))
    for name, row in result["detection"].items():
        print(f"| {name} | {row['feature']} | {row['warns_at']} | {row['drifts_at']} |")


if __name__ == "__main__":
    main()
