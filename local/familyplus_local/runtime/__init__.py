"""The local stand-in for AWS: Lambda handlers invoked in process (`lambdas`), the catalog's workflow
definitions (`workflows`), and the runner that drives them through the executor and keeps every execution
(`runner`)."""
