"""The AWS-compatible Step Functions endpoint (AWS JSON 1.0 protocol, ``X-Amz-Target``)."""
