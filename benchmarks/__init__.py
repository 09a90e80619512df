"""Speed benchmarks: whole-process timings against the targets in benchmarks/README.md."""
