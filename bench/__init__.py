"""Benchmarks run by `make bench`: each module returns figures; bench/run.py prints and stores them."""
