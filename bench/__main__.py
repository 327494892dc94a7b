"""`make bench`: Qadam's figures beside the ceilings measured in the same run on this machine.

A benchmark prints figures; it never fails on a time. Workloads: the write path (and the web process's
memory), the pipeline beside raw pika and its first hop beside nameko, how its cost grows, alert latency
idle and under load, the workers' memory, the completion report on 100,000 seeded enrolments, and risk's batch
recompute over 100,000 seeded enrolments (the first evaluation of all, after the rules change, and again).
"""

from __future__ import annotations

import platform
import time

from . import nameko, pipeline, recompute, scale, write_path
from .common import print_table


def main() -> None:
    started = time.monotonic()
    rows, extra = write_path.run()
    compared = nameko.run()
    more_rows, more = pipeline.run(nameko=compared)
    more["nameko"] = compared
    scale_rows, scale_extra = scale.run()
    more_rows += scale_rows
    more.update(scale_extra)
    recompute_rows, recompute_extra = recompute.run()
    more_rows += recompute_rows
    more.update(recompute_extra)
    rows += more_rows
    extra.update(more)
    extra["machine"] = {"cpus": __import__("os").cpu_count(), "python": platform.python_version()}
    extra["seconds"] = round(time.monotonic() - started, 1)
    print_table(rows, extra)


if __name__ == "__main__":
    main()
