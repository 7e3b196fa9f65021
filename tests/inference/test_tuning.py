"""Batch-size tuning with a fake model: the sweep, the files and the recommendation."""
from __future__ import annotations

import csv

import pytest

from executor.inference.tuning import SweepRow, format_table, recommend, sample_texts, tune


def row(size: int, items_per_s: float, p99_ms: float) -> SweepRow:
    return SweepRow(size, items_per_s, p99_ms * 0.9, p99_ms, 500.0, 10)


ROWS = [row(1, 70, 15), row(8, 230, 40), row(32, 280, 120), row(128, 290, 450)]


def test_without_a_target_the_fastest_batch_size_is_recommended():
    assert recommend(ROWS).batch_size == 128


def test_with_a_target_the_fastest_size_whose_doubled_p99_fits_is_recommended():
    advice = recommend(ROWS, latency_target_ms=250)
    assert advice.batch_size == 32
    assert advice.max_wait_ms == pytest.approx(10.0)  # 250 - 2 x 120


def test_a_target_no_size_meets_falls_back_to_the_smallest_and_says_so():
    advice = recommend(ROWS, latency_target_ms=10)
    assert advice.batch_size == 1 and "no batch size meets" in advice.reason


def test_sample_texts_are_distinct_and_about_twenty_words():
    texts = sample_texts(100)
    assert len(set(texts)) == 100 and all(19 <= len(text.split()) <= 21 for text in texts)


def test_a_sweep_writes_a_png_plot_and_a_csv_table_and_reports_progress(model, tmp_path):
    model.name, model.tasks = "fake", ("echo",)
    seen = []
    report = tune("fake", batch_sizes=(1, 2, 4), latency_target_ms=100, out_dir=tmp_path, min_seconds=0.0,
                  model=model, progress=lambda done, total, message: seen.append((done, total)))
    assert report.plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(report.csv_path) as table:
        assert [int(r["batch_size"]) for r in csv.DictReader(table)] == [1, 2, 4]
    assert seen[-1] == (3, 3)
    assert report.recommendation.batch_size in (1, 2, 4)
    header = format_table(report.rows).splitlines()[0].split()
    assert header == ["batch", "items/s", "p50", "ms", "p99", "ms", "peak", "MB"]
