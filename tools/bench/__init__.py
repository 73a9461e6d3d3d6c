"""The benchmark: the product at scale, each figure beside its floor measured in the same run.

Absolute times on a shared 2-core machine drift from run to run; ratios to a floor measured
seconds apart on the same data do not. See docs/scaling.md for figures and their meaning.

core: the run's settings, results and shared helpers; seed: the bench database and the demo
office in it; due_engine, pages, exports, throughput: the sections; runner: runs them.
"""
