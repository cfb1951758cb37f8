"""Offline adapters (the `local` profile): SQLite, files and simple, honest algorithms — no keys, no network."""
