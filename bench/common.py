"""What every benchmark shares: a fresh stack, processes, wrk, resident memory, the results table."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qadam import sealing
from qadam.auth import generate_keypair
from qadam_testing import Stack, find_servers

RESULTS = Path(__file__).parent / "results"
# the figures of the last run committed beside the code (rows by workload): each figure is printed beside it
BASELINE = Path(__file__).parent / "baseline.json"


@dataclass
class Row:
    """One line of the table: a figure beside its ceiling measured in the same run."""

    workload: str
    figure: float
    unit: str
    ceiling: float | None
    ceiling_name: str
    goal: str
    higher_is_better: bool = True
    failed: str | None = None  # why the figure measures something else than the workload (printed, never hidden)

    @property
    def ratio(self) -> float | None:
        if not self.ceiling or not self.figure:
            return None
        return self.figure / self.ceiling if self.higher_is_better else self.ceiling / self.figure


def open_stack(*services: str) -> Stack:
    keys_dir = RESULTS / "keys"
    keys = (keys_dir / "jwt-private.pem", keys_dir / "jwt-public.pem")
    if not keys[1].exists():
        generate_keypair(*keys)
    sealing.ensure(keys_dir / "sealing-keys.txt")  # what Stack's settings name for sessions' notes
    return Stack(f"qadam_b{int(time.time())}", find_servers(), keys, services=services or ("sessions",)).open()


def wrk(url: str, script: Path, *, seconds: int, connections: int, threads: int = 2,
        args: tuple[str, ...] = ()) -> dict[str, float]:
    """Run wrk on loopback (`args` passed to the script's init); requests/s, latency percentiles (ms) and the count
    of non-2xx answers."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make bench does it)")
    out = subprocess.run(["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{seconds}s",
                          "--latency", "-s", str(script), url, *(("--", *args) if args else ())],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    result: dict[str, float] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        result[f"p{pct}_ms"] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result["non_2xx"] = float(bad.group(1)) if bad else 0.0
    result["requests"] = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return result


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's workers), in MiB."""
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
                    .stdout.split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def baseline() -> dict[str, dict[str, Any]]:
    """The committed baseline's rows by workload (empty where there is none)."""
    if not BASELINE.exists():
        return {}
    rows: dict[str, dict[str, Any]] = json.loads(BASELINE.read_text())["rows"]
    return rows


def change(row: Row, baseline: float | None) -> str:
    """The figure against the baseline's, in per cent of the baseline, signed so that + is better whichever way the
    figure goes (a rate up; a time, a latency or memory down); "-" where there is nothing to compare."""
    if not baseline or row.failed:
        return "-"
    moved = (row.figure - baseline) / baseline * 100
    return f"{moved if row.higher_is_better and row.unit != 'MB' else -moved:+.0f}%"


def print_table(rows: list[Row], extra: dict[str, Any]) -> None:
    before = baseline()
    print(f"\n{'workload':<44} {'figure':>12} {'ceiling':>12}  {'ratio':>6}  {'baseline':>10}  {'change':>7}  goal")
    for r in rows:
        ceiling = f"{r.ceiling:,.1f}" if r.ceiling is not None else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        was = before.get(r.workload)
        committed = f"{was['figure']:,.1f}" if was else "-"
        print(f"{r.workload:<44} {r.figure:>9,.1f} {r.unit:<2} {ceiling:>12}  {ratio:>6}  {committed:>10}  "
              f"{change(r, was['figure'] if was else None):>7}  {r.goal} [ceiling: {r.ceiling_name}]")
        if r.failed:
            print(f"  ^ NOT A MEASUREMENT OF THE WORKLOAD: {r.failed}")
    if before:
        print(f"\nbaseline: {BASELINE.name}, {json.loads(BASELINE.read_text())['commit']}", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "latest.json"
    path.write_text(json.dumps({"rows": [asdict(r) | {"ratio": r.ratio} for r in rows], **extra}, indent=2, default=str))
    print(f"\nresults written to {path}", file=sys.stderr)
