"""Adapters: the technology behind each port. `local/` runs offline with no keys; `cloud/` calls providers;
`shared/` holds what both profiles use. Each profile's `build(settings)` returns its `Adapters` (`base.py`);
`bootstrap.py` picks the profile. `cloud` and `local` never import each other."""
