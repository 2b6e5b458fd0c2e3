"""write: serialise a Report. Formatters never compute."""
