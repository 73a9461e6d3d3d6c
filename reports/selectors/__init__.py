"""Reads that build the reports: typed, keyword-only, returning plain data.

coverage (today's figures, kept snapshots, grouping) over history (a past day computed from
the history); activity over activity_sql; report (the managers' report rows) over both;
clients (the rows of the client-level export).
"""
