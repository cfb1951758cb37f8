"""Local mode: the ASL executor, the local Lambda runtime and the `familyplus` CLI (not shipped to Lambda)."""
