"""profile: one pass over the batches that computes everything the checks need."""
