"""The admins' regional workspace: curation, export readiness, dashboards, consolidation,
marketplace exports and open data."""
