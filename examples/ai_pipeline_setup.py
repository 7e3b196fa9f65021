"""Create what the ai-document-pipeline example reads and writes, on a local AWS stand-in.

    moto_server -p 8301 &          # or LocalStack
    export SWITCHYARD_AWS_ENDPOINT_URL=http://127.0.0.1:8301
    export SWITCHYARD_S3_ENDPOINT_URL=http://127.0.0.1:8301  # S3 Tasks use local folder buckets otherwise
    python -m examples.ai_pipeline_setup

Creates the bucket ``doc-inbox`` with a few documents, the table ``doc-results`` and the queue
``doc-events``; running it again changes nothing. It refuses ``aws`` (it never writes to AWS).
"""
from __future__ import annotations

import argparse
import os

BUCKET, TABLE, QUEUE = "doc-inbox", "doc-results", "doc-events"
DOCUMENTS = {
    "invoice-17.txt": "Invoice 17: 3 hours of consulting at 120 EUR, total 360 EUR, payable within 30 days.",
    "memo-3.txt": "Notes from the Monday meeting: the team agreed to ship on Friday and review on Tuesday.",
    "complaint-9.txt": "I am writing to complain: my order arrived broken and nobody answered my emails.",
}


def set_up(endpoint: str, region: str = "us-east-1") -> None:
    import boto3

    def client(service):
        return boto3.client(service, endpoint_url=endpoint, region_name=region,
                            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
                            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))

    s3 = client("s3")
    if BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=BUCKET)
    for key, text in DOCUMENTS.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode())
    dynamodb = client("dynamodb")
    if TABLE not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
    client("sqs").create_queue(QueueName=QUEUE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=os.environ.get("SWITCHYARD_AWS_ENDPOINT_URL"),
                        help="the AWS stand-in's URL (default: SWITCHYARD_AWS_ENDPOINT_URL)")
    parser.add_argument("--region", default=os.environ.get("SWITCHYARD_REGION", "us-east-1"))
    args = parser.parse_args()
    if not args.endpoint or args.endpoint.strip().lower() == "aws":
        parser.error("give a local endpoint (--endpoint or SWITCHYARD_AWS_ENDPOINT_URL)")
    set_up(args.endpoint, args.region)
    print(f"bucket {BUCKET} ({len(DOCUMENTS)} documents), table {TABLE} and queue {QUEUE} ready at {args.endpoint}")


if __name__ == "__main__":
    main()
