"""Pieces of the quality benchmark (``bench/quality.py``): the competitors it runs side by
side with citebot, the benchmark corpora with their gold sentences, metrics, reports."""
