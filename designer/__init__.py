"""The Django app: models, the AWS-compatible endpoint, the REST API, the sink for runtimes."""
