"""stats: the stats.json artifact, built from the profile (build) and used by training code (load).

Training code needs only `preflight.load_stats`; `Stats.transform` parses cells with the scan's
own parser (preflight.profile.cells), so train-time inputs get exactly the scan's numbers.
"""
