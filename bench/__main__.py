"""`make bench`: Qadam's figures beside the ceilings measured in the same run on this machine.

A benchmark prints figures; it never fails on a time. Workloads so far: the write path (with the web
process's memory). The pipeline, alert latency, scale and growth workloads are still to come.
"""

from __future__ import annotations

import platform
import time

from . import write_path
from .common import print_table


def main() -> None:
    started = time.monotonic()
    rows, extra = write_path.run()
    extra["machine"] = {"cpus": __import__("os").cpu_count(), "python": platform.python_version()}
    extra["seconds"] = round(time.monotonic() - started, 1)
    print_table(rows, extra)


if __name__ == "__main__":
    main()
