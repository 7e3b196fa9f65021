"""Write the short text notes the distributed-notes example embeds, into a local folder bucket.

    python -m examples.notes_setup                 # 10,000 notes: notes/inbox/note-00000.txt ...
    python -m examples.notes_setup --count 200     # fewer, for a quick run

The bucket ``notes`` is the folder ``SWITCHYARD_BUCKETS_DIR/notes`` (default ``var/buckets``); the
results go to ``notes-embeddings``, created here too. Each note is one or two sentences drawn
from a few topics, the same for the same index, so two runs write the same files.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from executor.resources.buckets import buckets_dir

__all__ = ["write_notes", "BUCKET", "RESULTS_BUCKET", "PREFIX"]

BUCKET, RESULTS_BUCKET, PREFIX = "notes", "notes-embeddings", "inbox/"
_SUBJECTS = ["The checkout page", "Our nightly import", "The mobile app", "Invoice 2231", "The search box",
             "The new dashboard", "Customer 4417", "The GPU cluster"]
_EVENTS = ["timed out twice this morning", "charged the customer twice", "needs a dark mode",
           "was slow after the deploy", "crashed on start for some users", "asks for an export to CSV",
           "shows the wrong currency", "ran out of memory at midnight"]
_FOLLOW_UPS = ["", " We rolled back and it is stable.", " Finance is looking into it.",
               " Three customers asked for it this week.", " The on-call engineer is on it."]


def note_text(index: int) -> str:
    subject = _SUBJECTS[index % len(_SUBJECTS)]
    event = _EVENTS[(index // len(_SUBJECTS)) % len(_EVENTS)]
    follow_up = _FOLLOW_UPS[(index // 7) % len(_FOLLOW_UPS)]
    return f"{subject} {event}.{follow_up} (note {index})"


def write_notes(count: int, root: Path | None = None) -> Path:
    """Write ``count`` notes under ``notes/inbox/`` and create the results bucket; returns the folder."""
    root = root or buckets_dir()
    folder = root / BUCKET / PREFIX
    folder.mkdir(parents=True, exist_ok=True)
    (root / RESULTS_BUCKET).mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"note-{index:05d}.txt").write_text(note_text(index), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="how many notes (default 10,000)")
    args = parser.parse_args()
    folder = write_notes(args.count)
    print(f"wrote {args.count} notes to {folder}; run distributed-notes with {{\"prefix\": \"{PREFIX}\"}}")


if __name__ == "__main__":
    main()
