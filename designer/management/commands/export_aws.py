"""``manage.py export_aws NAME [--format sam|cloudformation|asl] [--out FILE]``: export for AWS."""
from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from designer.aws_export import FORMATS, template_text
from designer.models import StateMachine


class Command(BaseCommand):
    help = ("Write a state machine's ASL unchanged, or an AWS SAM or CloudFormation template that deploys it "
            "with its local bindings as parameters and least-privilege policies.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="a saved state machine's name")
        parser.add_argument("--file", help="an ASL file to export instead of a saved state machine")
        parser.add_argument("--type", default=None, choices=("STANDARD", "EXPRESS"),
                            help="the workflow type (default: the saved one, else STANDARD)")
        parser.add_argument("--format", default="sam", choices=("asl", *FORMATS))
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args, name, file, type, format, out, **options):
        if file:
            path = Path(file)
            definition = path.read_text(encoding="utf-8")
            name = name or path.name.split(".", 1)[0]
            machine_type = type or "STANDARD"
        elif name:
            state_machine = StateMachine.objects.filter(name=name).first()
            if state_machine is None:
                raise CommandError(f"No state machine named {name!r} (or pass --file)")
            definition, machine_type = state_machine.definition, type or state_machine.type
        else:
            raise CommandError("Name a saved state machine or pass --file")
        text = definition if format == "asl" else template_text(name=name, definition=definition,
                                                                 machine_type=machine_type, fmt=format)
        if out:
            Path(out).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {out}")
        else:
            sys.stdout.write(text)
