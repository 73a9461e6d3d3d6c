"""The team pages' read model: the team dashboard, the office view, the move preview and the
team's move history. Selectors only: each returns plain data or a queryset, and writes nothing.

Every dashboard figure comes from a fixed number of aggregate queries, whatever the team's size:
1. coverage (required / covered / overdue) from reports.selectors.coverage, never re-defined here:
   one read for the trend's closed months (their kept snapshots) and one for today, over
   the service line's teams, grouped here per team and per adviser of the team;
2. caseload and due-soon per responsible adviser: one grouped query over the team's clients;
3. interviews held in the trend's closed months, per team of the service line: the coverage
   report's kept activity (reports.activity, one query, and one to find the kept months;
   a month not kept or stale is computed from the history in the same statement);
4. interviews this month and last month per adviser and channel, and no-shows: one grouped
   query over the team's own clients (and those moved in or out);
5. members, the service line's teams: one query each.
Python then only adds up grouped rows (a few dozen), never clients.

An interview counts for the team the client had at the end of the month it took place in
(this month: today), as in the coverage report; in the table per adviser, for the adviser
who held it. "Due within 14 days" (INTERVIEW_DUE_SOON_DAYS) uses the client's stored next
due date, which the due engine and every interview or status change keep current.

Modules: rows (the row types and month arithmetic), counts (the grouped queries per adviser),
trend (the 12 months against the line), team (the dashboard), office (a line's teams side by
side), rebalance (choosing clients to move and the preview), moves (the team's move history).
"""
