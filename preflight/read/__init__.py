"""read: turn a path into batches. Nothing else in preflight knows file formats."""
