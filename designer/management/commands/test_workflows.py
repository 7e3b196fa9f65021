"""``manage.py test_workflows <folder>``: run the workflow test cases (``*.sfntest.json``) under a folder."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from designer.handlers_loader import load_handler_modules
from executor.runtime.workflow_tests import CaseFileError, run_folder


class Command(BaseCommand):
    help = ("Run every workflow test case (*.sfntest.json) under the folders given, with their mocks, faults "
            "and clock; exit with status 1 when one fails (docs/testing.md).")

    def add_arguments(self, parser):
        parser.add_argument("folders", nargs="+", help="folders searched for *.sfntest.json files")

    def handle(self, *args, folders: list[str], **options):
        load_handler_modules()
        failed = passed = 0
        for folder in folders:
            if not Path(folder).is_dir():
                raise CommandError(f"{folder} is not a folder")
            for outcome in run_folder(Path(folder)):
                if isinstance(outcome, CaseFileError):
                    failed += 1
                    self.stdout.write(self.style.ERROR(f"ERROR {outcome}"))
                    continue
                label = f"{outcome.case.id} ({outcome.status}, {outcome.seconds:.2f} s)"
                if outcome.passed:
                    passed += 1
                    self.stdout.write(self.style.SUCCESS(f"PASS  {label}"))
                else:
                    failed += 1
                    self.stdout.write(self.style.ERROR(f"FAIL  {label}"))
                    for problem in outcome.problems:
                        self.stdout.write(f"      {problem}")
        self.stdout.write(f"{passed} passed, {failed} failed")
        if failed:
            raise SystemExit(1)
        if not passed:
            raise CommandError(f"No workflow test cases (*.sfntest.json) under {', '.join(folders)}")
