"""Cloud adapters (the `cloud` profile): Bedrock, OpenAI, Supabase, Cartesia, S3."""
