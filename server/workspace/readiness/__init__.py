"""Export readiness: the rules (rules.py, with readiness_rules.json), a region's counts in SQL
(summary.py, built on the rules) and the endpoints (views.py, built on both)."""
