"""Print PostgreSQL's EXPLAIN ANALYZE of every query a council's dashboard makes, with the
anonymised benchmark read afresh (not from the cache). For checking that the dashboard's queries
use their indexes on a large data set, e.g. after ``manage.py generate_national``:

    manage.py explain_dashboard national-bench-council
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.benchmark import forget_benchmark
from audits.dashboard import build_dashboard
from audits.models import Council

SQL_SHOWN = 300  # characters of each query printed above its plan


class Command(BaseCommand):
    help = "EXPLAIN ANALYZE every query of a council's dashboard (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("council", help="the council's slug")

    def handle(self, *args, council: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("EXPLAIN ANALYZE here is PostgreSQL's: run with DATABASE_URL set to PostgreSQL.")
        found = Council.objects.filter(slug=council).first()
        if found is None:
            raise CommandError(f"No council {council!r}.")
        forget_benchmark()
        with CaptureQueriesContext(connection) as queries:
            build_dashboard(found)
        selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        with connection.cursor() as cursor:
            for number, sql in enumerate(selects, start=1):
                shown = sql if len(sql) <= SQL_SHOWN else sql[:SQL_SHOWN] + " …"
                self.stdout.write(f"\n{number}. {shown}")
                cursor.execute(f"EXPLAIN ANALYZE {sql}")
                for (line,) in cursor.fetchall():
                    self.stdout.write(f"    {line}")
        self.stdout.write(f"\n{len(selects)} queries explained.")
