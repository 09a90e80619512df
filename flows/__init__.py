"""Prefect flows that compose tasks, and the `dondoc` command line."""
