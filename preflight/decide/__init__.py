"""decide: which rules run with which settings (config), then suppressions, baselines and the exit code."""
