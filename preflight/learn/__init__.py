"""Model-based checks' machinery: out-of-sample probabilities, label issues, near-duplicates."""
