"""Co-evaluation (check-ins months after an appointment, probation views) and insights for
the organisation: how co-produced its recruitment is, and whether it worked."""
