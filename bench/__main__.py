"""`make bench`: Qadam's figures beside the ceilings measured in the same run on this machine.

A benchmark prints figures; it never fails on a time. Workloads: the write path (and the web process's
memory), the pipeline beside raw pika and its first hop beside nameko, how its cost grows, alert latency
idle and under load, and the workers' memory. The scale workloads (report, recompute) come with the enrollment and risk work.
"""

from __future__ import annotations

import platform
import time

from . import nameko, pipeline, write_path
from .common import print_table


def main() -> None:
    started = time.monotonic()
    rows, extra = write_path.run()
    compared = nameko.run()
    more_rows, more = pipeline.run(nameko=compared)
    more["nameko"] = compared
    rows += more_rows
    extra.update(more)
    extra["machine"] = {"cpus": __import__("os").cpu_count(), "python": platform.python_version()}
    extra["seconds"] = round(time.monotonic() - started, 1)
    print_table(rows, extra)


if __name__ == "__main__":
    main()
