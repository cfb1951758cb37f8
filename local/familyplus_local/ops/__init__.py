"""Operating the pipeline: executions (list, show, redrive) through one `ExecutionsBackend` — `local` (this
machine's execution store) or `stepfunctions` (AWS, boto3) — and batches of responses (`batch/`)."""
