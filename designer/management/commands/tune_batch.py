"""``manage.py tune_batch MODEL``: sweep batch sizes on the real model, plot, recommend.

The work is :func:`executor.inference.tuning.tune`; this only reads options,
draws the progress bar on stderr and prints the table and the advice.
"""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from executor.inference import registry, tuning


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise CommandError(f"--batch-sizes takes whole numbers separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise CommandError("--batch-sizes needs at least one size, each at least 1")
    return sizes


def _progress_bar(done: int, total: int, message: str) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Command(BaseCommand):
    help = "Sweep batch sizes on a model; write a PNG plot and a CSV table; recommend a batch size and wait."

    def add_arguments(self, parser):
        parser.add_argument("model", help="a registered model name or alias, e.g. minilm")
        parser.add_argument("--batch-sizes", default=",".join(map(str, tuning.DEFAULT_BATCH_SIZES)),
                            help="comma-separated sizes (default: %(default)s)")
        parser.add_argument("--latency-target-ms", type=float, default=None,
                            help="recommend the fastest size whose worst-case latency meets this")
        parser.add_argument("--task", default=None, help="the model task to time (default: its first)")
        parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each size (default: 2)")
        parser.add_argument("--out", default=".", help="folder for <model>-batch.png and .csv (default: .)")

    def handle(self, *args, model, batch_sizes, latency_target_ms, task, seconds, out, **options):
        try:
            report = tuning.tune(model, batch_sizes=_sizes(batch_sizes), latency_target_ms=latency_target_ms,
                                 out_dir=out, task=task, min_seconds=seconds, progress=_progress_bar)
        except registry.UnknownModel as exc:
            raise CommandError(exc.args[0]) from None
        advice = report.recommendation
        self.stdout.write(f"{report.model} on {report.device.get('name')} ({report.device.get('dtype')})")
        self.stdout.write(tuning.format_table(report.rows))
        self.stdout.write(f"recommended: max batch size {advice.batch_size}, max wait {advice.max_wait_ms:g} ms "
                          f"({advice.items_per_s:.0f} items/s): {advice.reason}")
        self.stdout.write(f"set SWITCHYARD_BATCH_MAX_SIZE={advice.batch_size} "
                          f"SWITCHYARD_BATCH_MAX_WAIT_MS={advice.max_wait_ms:g}")
        self.stdout.write(f"wrote {report.plot_path} and {report.csv_path}")
