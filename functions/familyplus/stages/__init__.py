"""Pipeline stages: `run(event, ports) -> output`. Pure logic over ports — no boto3, no environment.

Each stage declares the ports it needs as a small Protocol; `bootstrap.Adapters` satisfies all of them.
"""
