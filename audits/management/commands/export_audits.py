"""Export a council's audits, answers and history to JSON or to a folder of CSV files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audits import transfer
from audits.models import Council


class Command(BaseCommand):
    help = (
        "Export a council's audits (every revision and status), answers, history, services and members. "
        "JSON is one file; CSV is a folder with one file per table. import_audits reads either back."
    )

    def add_arguments(self, parser):
        parser.add_argument("council", help="the council's slug, e.g. ynys-mon")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "-o", "--output", help="file (JSON) or folder (CSV); JSON goes to standard output when omitted"
        )

    def handle(self, *args, council: str, format: str, output: str | None, **options):
        found = Council.objects.filter(slug=council).first()
        if found is None:
            slugs = ", ".join(Council.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No council with the slug “{council}”. Councils here: {slugs}.")
        tables = transfer.export_council(found)
        summary = f"{len(tables['audits'])} audits, {len(tables['answers'])} answers, {len(tables['events'])} events"
        if format == "json":
            text = transfer.to_json(tables)
            if output is None:
                self.stdout.write(text)
                return
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"{found.name}: {summary} written to {output}")
        else:
            if output is None:
                raise CommandError("CSV needs --output FOLDER: it writes one file per table.")
            files = transfer.to_csv_files(tables, Path(output))
            self.stderr.write(f"{found.name}: {summary} written to {', '.join(str(f) for f in files)}")
