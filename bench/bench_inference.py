"""Dynamic batching against the raw model and against no batching, in one run.

(a) the raw model at its best batch size in a tight loop (no queue, no engine);
(b) a workflow: a Map of N short texts (about 20 tokens), MaxConcurrency 0,
    one SageMaker invokeEndpoint Task per text, run by the embedded runtime
    with dynamic batching on (max batch size = the best size found in (a));
(c) the same workflow with batching off (max batch size 1).

Prints ``name: value unit`` lines. Targets on a 2-core CPU: (b) >= 70% of (a),
(b) >= 3x (c). Usage: ``python -m bench.bench_inference [--items 2000]``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid

from executor.inference import service, tuning
from executor.inference.metrics import device_memory
from executor.runtime.base import ExecutionRequest
from executor.runtime.embedded import EmbeddedRuntime, MemorySink

ENDPOINT = "bench-embedder"
RAW_SIZES = (1, 16, 32, 64, 128)  # batch 1 shows the model's own gain from batching


def definition() -> str:
    return json.dumps({
        "Comment": "Embed every text, one invokeEndpoint Task per text",
        "StartAt": "EmbedAll",
        "States": {
            "EmbedAll": {
                "Type": "Map",
                "ItemsPath": "$.texts",
                "MaxConcurrency": 0,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Embed",
                    "States": {
                        "Embed": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::sagemaker:invokeEndpoint",
                            "Parameters": {"EndpointName": ENDPOINT, "ContentType": "application/json",
                                           "Body": {"inputs.$": "$"}},
                            # AWS caps a state's output at 256 KB: keep a check, not 2,000 vectors.
                            "ResultSelector": {"dims.$": "States.ArrayLength(States.StringToJson($.Body))"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    })


def run_workflow(runtime: EmbeddedRuntime, texts: list[str]) -> float:
    """Run the Map workflow once; returns items per second. Exits if it does not succeed."""
    name = uuid.uuid4().hex
    request = ExecutionRequest(
        execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:bench:{name}",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:bench", state_machine_name="bench",
        name=name, definition=definition(), input=json.dumps({"texts": texts}),
        role_arn="arn:aws:iam::123456789012:role/bench", start_time=time.time(),
    )
    started = time.perf_counter()
    result = runtime.run_sync(request, MemorySink(), timeout=600)
    elapsed = time.perf_counter() - started
    if result.status != "SUCCEEDED":
        sys.exit(f"bench workflow {result.status}: {result.error}: {result.cause}")
    if json.loads(result.output) != [{"dims": 384}] * len(texts):
        sys.exit("bench workflow: unexpected output")
    return len(texts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per batch size in (a)")
    args = parser.parse_args()
    os.environ.setdefault("SWITCHYARD_ENDPOINTS", f"{ENDPOINT}=minilm:embed")

    worker = service.get_worker("minilm")
    texts = tuning.sample_texts(args.items)
    print(f"device: {worker.model.device.name} {worker.model.device.dtype_name}")

    rows = tuning.sweep(worker.model, RAW_SIZES, inputs=texts, min_seconds=args.seconds)
    best = max(rows, key=lambda row: row.items_per_s)
    for row in rows:
        print(f"raw_batch_{row.batch_size}: {row.items_per_s:.1f} items/s")
    print(f"a_raw_best: {best.items_per_s:.1f} items/s")
    print(f"a_raw_best_batch_size: {best.batch_size} items")
    print(f"raw_gain_best_over_batch_1: {best.items_per_s / rows[0].items_per_s:.2f} x")

    runtime = EmbeddedRuntime()
    try:
        run_workflow(runtime, texts[:50])  # warm-up: the definition's parse and first allocations
        worker.reconfigure(max_batch_size=best.batch_size, max_wait_s=0.005)
        worker.metrics.reset()
        batched = run_workflow(runtime, texts)
        stats = worker.metrics.as_dict()
        print(f"b_workflow_batched: {batched:.1f} items/s")
        print(f"b_batch_size_mean: {stats['batch_size_mean']:.1f} items")
        print(f"b_fill_ratio: {stats['fill_ratio']:.2f} ratio")
        print(f"b_queue_wait_p50: {stats['queue_wait_ms']['p50']:.0f} ms")
        print(f"b_queue_wait_p99: {stats['queue_wait_ms']['p99']:.0f} ms")

        worker.reconfigure(max_batch_size=1, max_wait_s=0.0)
        worker.metrics.reset()
        unbatched = run_workflow(runtime, texts)
        print(f"c_workflow_unbatched: {unbatched:.1f} items/s")
    finally:
        runtime.close()
        service.shutdown_workers()

    memory = device_memory(worker.model.device.type)
    print(f"device_memory_peak: {memory['peak_mb']:.0f} MB ({memory['kind']})")
    print(f"ratio_b_over_a: {batched / best.items_per_s:.2f} x (target >= 0.70)")
    print(f"ratio_b_over_c: {batched / unbatched:.2f} x (target >= 3)")


if __name__ == "__main__":
    main()
