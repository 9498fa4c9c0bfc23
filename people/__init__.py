"""People search across the company: accent folding, the full-text index over DirectoryEntry, ranked queries."""
