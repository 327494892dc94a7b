"""Benchmarks (not tests): Qadam's figures beside the ceilings measured in the same run. See bench/__main__.py."""

import os

# the services' processes start as deployed, each a new interpreter, not forked from the test harness's launcher
# (qadam_testing.launcher): the workers' memory and start-up are figures here
os.environ.setdefault("QADAM_TEST_LAUNCHER", "0")
