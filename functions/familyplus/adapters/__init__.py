"""Adapters: the technology behind each port. `local/` runs offline with no keys; `cloud/` calls providers."""
