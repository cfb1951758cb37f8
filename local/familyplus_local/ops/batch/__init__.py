"""Batches of responses from a JSON lines file: `lines` (parsing, validation, the manifest), `local` (each line
through the local runner), `distributed` (the batch_responses Distributed Map over a local manifest) and
`aws` (StartExecution per line, or a manifest in S3 for the Distributed Map)."""
