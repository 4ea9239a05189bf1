"""The terminal simulator: the same engine and store, with numbered options."""
