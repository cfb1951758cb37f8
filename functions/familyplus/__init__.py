"""Family+ story pipeline: stages, ports and adapters shipped to AWS Lambda (and run locally)."""
