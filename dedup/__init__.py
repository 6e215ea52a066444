"""dedup: near-duplicate detection for text corpora."""
