"""Benchmarks (not tests): Qadam's figures beside the ceilings measured in the same run. See bench/__main__.py."""
