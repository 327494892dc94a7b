"""`python -m bench.baseline "how it was measured"`: the last `make bench` run (bench/results/latest.json) becomes the
committed baseline (bench/baseline.json) that every later run prints its figures beside, with the commit it was
measured on. Run it on main after a full `make bench` on a quiet machine, and commit the file."""

from __future__ import annotations

import argparse
import json
import subprocess
from datetime import UTC, datetime

from .common import BASELINE, RESULTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("measured", help="how and where it was measured (machine, what else ran, clean clone or not)")
    parser.add_argument("--note", default="", help="anything a reader of a later comparison should know")
    args = parser.parse_args()
    latest = json.loads((RESULTS / "latest.json").read_text())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    rows = {r["workload"]: {"figure": r["figure"], "unit": r["unit"], "ceiling": r["ceiling"], "ratio": r["ratio"]}
            for r in latest["rows"] if not r.get("failed")}
    BASELINE.write_text(json.dumps({"commit": commit, "measured": f"{datetime.now(UTC):%Y-%m-%d}, {args.measured}",
                                    "note": args.note, "rows": rows}, indent=2, ensure_ascii=False) + "\n")
    print(f"{BASELINE}: {len(rows)} figures of {commit}")


if __name__ == "__main__":
    main()
