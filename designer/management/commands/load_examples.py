"""``manage.py load_examples``: create (or refresh) the state machines in examples/*.asl.json, and
put the example buckets' files (examples/buckets/BUCKET/KEY) into the local buckets folder."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from designer import services
from designer.errors import ServiceError
from designer.models import StateMachine
from executor.resources.buckets import buckets_dir

EXAMPLES_DIR = Path(settings.BASE_DIR) / "examples"
ROLE_ARN = "arn:aws:iam::123456789012:role/switchyard-examples"


class Command(BaseCommand):
    help = "Create the example state machines; running it again changes nothing (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(EXAMPLES_DIR), help="folder of *.asl.json files")

    def handle(self, *args, dir: str, **options):
        files = sorted(Path(dir).glob("*.asl.json"))
        if not files:
            raise CommandError(f"No *.asl.json files in {dir}")
        for path in files:
            name = path.name[: -len(".asl.json")]
            definition = path.read_text(encoding="utf-8")
            try:
                outcome = self._load(name, definition)
            except ServiceError as exc:
                raise CommandError(f"{path.name}: {exc.code}: {exc.message}") from exc
            self.stdout.write(f"{outcome:9} {name}")
        self._seed_buckets(Path(dir) / "buckets")

    def _seed_buckets(self, source: Path) -> None:
        """Copy each example object that the buckets folder lacks; objects already there stay as they are."""
        if not source.is_dir():
            return
        copied = 0
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            target = buckets_dir() / path.relative_to(source)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
                copied += 1
        if copied:
            self.stdout.write(f"copied    {copied} example objects into {buckets_dir()}")

    @staticmethod
    def _load(name: str, definition: str) -> str:
        existing = StateMachine.objects.filter(name=name).first()
        if existing is None:
            services.state_machine_create(name=name, definition=definition, role_arn=ROLE_ARN)
            return "created"
        if existing.definition == definition:
            return "unchanged"
        services.state_machine_update(state_machine=existing, definition=definition)
        return "updated"
