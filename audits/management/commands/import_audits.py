"""Import a council's audits from an export_audits file (JSON) or folder (CSV)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audits import transfer


class Command(BaseCommand):
    help = (
        "Import what export_audits wrote: a JSON file or a folder of CSV files. Everything is checked first and "
        "imported in one transaction; on any error nothing changes. Refuses a council that already has audits "
        "unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the JSON file, or the folder of CSV files")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the council's existing audits first (in the same transaction)",
        )

    def handle(self, *args, path: str, replace: bool, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{source} does not exist.")
        try:
            if source.is_dir():
                tables = transfer.from_csv_files(source)
            else:
                tables = transfer.from_json(source.read_text(encoding="utf-8"))
            council, created = transfer.import_council(tables, replace=replace)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " Nothing was imported.") from None
        self.stdout.write(
            f"{council.name}: imported {len(tables['audits'])} audits, {len(tables['answers'])} answers and "
            f"{len(tables['events'])} history events."
        )
        if created:
            self.stdout.write(
                f"Created {len(created)} users without a password (they use “Forgot your password?”): "
                + ", ".join(created)
            )
