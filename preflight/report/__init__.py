"""report: what report.html shows, computed from the profile, findings and stats (write/html renders it)."""
