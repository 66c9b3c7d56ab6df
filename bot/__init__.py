"""citebot: cited answers about news articles — the chain, its settings and interfaces."""
