"""Adapters both profiles use."""
