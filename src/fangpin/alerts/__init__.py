"""Alerts (预警): one queue for rule hits, self-reports, cadre visit findings and department push events."""
