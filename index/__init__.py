"""Ingestion and retrieval: articles → sentences → embeddings → FAISS index on disk.

This package imports nothing from ``bot``; the chain and the interfaces build on it.
"""
