"""Free-text analysis: theme suggestions, campaign detection and search. Pure and deterministic."""
