"""Load-test the web pages over HTTP (make bench): the app under gunicorn with the settings it is
run with, driven on loopback by wrk, logged in as the officer of the national data set's bench
council (30 services; ``manage.py generate_national`` makes it).

For each page: requests per second and p50 / p95 latency at ``--connections`` concurrent
connections for ``--duration`` seconds, and its throughput as a share of a trivial baseline page's
(the about page: same middleware, a template without queries). Every response must have the
status a working page gives (200; 302 for a saved step), or the command fails.

Writes to the database: the factor step is saved over and over, on a draft audit of the bench
council (one is created when the council has none). Meant for the throwaway database of make bench.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.text import slugify

from audits import services
from audits.factors import FACTOR_SLUGS, Factor
from audits.management.commands.generate_national import BENCH_NAME
from audits.models import EDITABLE_STATUSES, Answer, Audit, Council, Membership, Question, Role

BENCH_SLUG = slugify(BENCH_NAME)
BENCH_USER = "bench-officer"
STEP_FACTOR = Factor.CAN_DO
TARGET_RATIO = 0.40  # each page at least this share of the baseline's requests per second
TARGET_P95_MS = 150
WRK_SCRIPT = Path(settings.BASE_DIR) / "scripts" / "wrk-stats.lua"
RATING = "__rating__"  # wrk-stats.lua puts a rating from 1 to 4 here in each request
EVIDENCE_NOTES = "Resident survey 2025, response rate 31%; consultation register."


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    method: str = "GET"
    body: str = ""  # POST only, form-encoded, with RATING placeholders

    @property
    def expected_status(self) -> int:
        return 302 if self.method == "POST" else 200


@dataclass(frozen=True)
class Result:
    page: Page
    rps: float
    p50_ms: float
    p95_ms: float
    requests: int
    errors: dict[str, int]
    unexpected: int

    @property
    def failed(self) -> bool:
        return self.unexpected > 0 or any(self.errors.values())


class Command(BaseCommand):
    help = (
        "Serve the app with gunicorn and load-test its pages with wrk, logged in to the national data set's "
        "bench council: requests per second and p50 / p95 latency of each page, against a trivial baseline page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
        parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="gunicorn worker processes (default: one per CPU core, the fastest on a 2-core machine)",
        )
        parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (default 1)")
        parser.add_argument("--password", default="clear-bench", help=f"password of {BENCH_USER}")

    def handle(self, *args, duration, connections, workers, threads, password, **options):
        if settings.DEBUG:
            raise CommandError("Run the benchmark with DEBUG off: it measures the production configuration.")
        if min(duration, connections, threads, workers or 1) < 1:
            raise CommandError("--duration, --connections, --workers and --threads must be at least 1.")
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed (Debian package wrk: sudo apt-get install wrk).")
        council = Council.objects.filter(slug=BENCH_SLUG).first()
        if council is None:
            raise CommandError(f"No council {BENCH_SLUG!r}: run `manage.py generate_national` first.")
        user = get_user_model().objects.filter(username=BENCH_USER).first()
        if user is None or not Membership.objects.filter(user=user, council=council, role=Role.OFFICER).exists():
            raise CommandError(f"{BENCH_USER} is not an officer of {council}: run `manage.py generate_national`.")
        audit = _draft_audit(council, user)
        workers = workers or os.cpu_count() or 1

        self.stdout.write(
            f"Data set: {Council.objects.count()} councils, {Audit.objects.count()} audits, "
            f"{Answer.objects.count()} answers; logged in as {BENCH_USER} of {council} "
            f"({council.services.count()} services)."
        )
        self.stdout.write(
            f"gunicorn: {workers} workers × {threads} thread{'s' if threads > 1 else ''} on {os.cpu_count()} CPU "
            f"cores; wrk: {connections} connections, {duration} s per page after a warm-up."
        )
        pages = _pages(council, audit)
        version_before = audit.version
        # Stopped with SIGTERM (not only Ctrl+C): leave through the `with` below, which stops gunicorn.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        with _Gunicorn(workers=workers, threads=threads) as server:
            client = _Client(server.base_url)
            client.login(BENCH_USER, password)
            for page in pages:
                client.check(page)
            results = []
            for page in pages:
                _wrk(wrk, server.base_url, client, page, connections, min(duration, 2))  # warm-up
                results.append(_wrk(wrk, server.base_url, client, page, connections, duration))
                if server.process.poll() is not None:
                    raise CommandError(f"gunicorn stopped during the benchmark:\n{server.log_tail()}")
            log = server.log_tail()
        self._table(results)
        failures = [
            f"{r.page.label}: {r.unexpected} of {r.requests} responses were not {r.page.expected_status}, "
            f"socket errors {r.errors}"
            for r in results
            if r.failed
        ]
        # Each saving POST draws new ratings, so each should have saved: a new version of the audit.
        audit.refresh_from_db()
        posts = sum(r.requests for r in results if r.page.method == "POST" and RATING in r.page.body)
        self.stdout.write(f"The POSTs saved the step {audit.version - version_before} times, {posts} while timed.")
        if audit.version - version_before < posts:
            failures.append(f"only {audit.version - version_before} of the POSTs saved answers")
        if failures:
            raise CommandError("Some requests failed: " + "; ".join(failures) + f".\ngunicorn's log ends:\n{log}")

    def _table(self, results: list[Result]) -> None:
        baseline = results[0]
        header = f"{'page':<34} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'vs baseline':>11}  target"
        self.stdout.write(header)
        self.stdout.write("-" * (len(header) + 4))
        missed = []
        for r in results:
            ratio = r.rps / baseline.rps if baseline.rps else 0.0
            if r is baseline:
                verdict = "(baseline)"
            elif ratio >= TARGET_RATIO and r.p95_ms < TARGET_P95_MS:
                verdict = "ok"
            else:
                verdict = "MISSED"
                missed.append(r.page.label)
            self.stdout.write(
                f"{r.page.label:<34} {r.rps:>8.1f} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {ratio:>11.2f}  {verdict}"
            )
        self.stdout.write(
            f"Target: at least {TARGET_RATIO:.2f} of the baseline's requests per second and p95 under "
            f"{TARGET_P95_MS} ms. " + (f"Missed by: {', '.join(missed)}." if missed else "Every page meets it.")
        )


def _draft_audit(council: Council, user) -> Audit:
    """An editable audit of the council to save the factor step of: a service's draft if there
    is one (they have answers, like an audit being filled in), else a new one."""
    editable = Audit.objects.filter(council=council, status__in=EDITABLE_STATUSES)
    audit = editable.filter(service__isnull=False).order_by("-period", "pk").first() or editable.first()
    if audit is not None:
        return audit
    period = services.current_period()
    for service in [None, *council.services.order_by("name")]:
        if not Audit.objects.filter(council=council, service=service, period=period).exists():
            return services.audit_create(user=user, council=council, service=service, period=period)
    raise CommandError(f"{council} has no editable audit, and every scope has one for {period} already.")


def _pages(council: Council, audit: Audit) -> list[Page]:
    step = reverse("audits:step", args=[audit.pk, FACTOR_SLUGS[STEP_FACTOR]])
    fields: list[tuple[str, str]] = [("version", str(audit.version)), ("next", "stay")]
    for q in Question.objects.filter(framework_id=audit.framework_id, factor=STEP_FACTOR).order_by("order", "code"):
        fields += [
            (f"{q.code}-loaded", ""),
            (f"{q.code}-rating", RATING),
            (f"{q.code}-confidence", "medium"),
            (f"{q.code}-evidence_notes", EVIDENCE_NOTES),
            (f"{q.code}-evidence_links", ""),
        ]
    return [
        Page("baseline: about page", reverse("audits:about")),
        Page("audit list", reverse("audits:list")),
        Page(f"{STEP_FACTOR.label} step (GET)", step),
        Page(f"{STEP_FACTOR.label} step (POST, saves)", step, "POST", urllib.parse.urlencode(fields)),
        # The same form posted again unchanged: everything a save does except the writes.
        Page(
            f"{STEP_FACTOR.label} step (POST, no change)",
            step,
            "POST",
            urllib.parse.urlencode(fields).replace(RATING, "2"),
        ),
        Page("council dashboard", reverse("audits:dashboard", args=[council.slug])),
        Page("council reports page", reverse("audits:council-reports", args=[council.slug])),
    ]


class _Gunicorn:
    """The app under gunicorn on a free loopback port, with this process's environment; stopped
    on leaving the ``with`` block, whatever happened inside it."""

    def __init__(self, *, workers: int, threads: int):
        self.workers, self.threads = workers, threads
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log")  # noqa: SIM115

    def __enter__(self) -> _Gunicorn:
        env = {k: v for k, v in os.environ.items() if k != "CLEARAUDIT_COMMAND"}
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "clearaudit.wsgi",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--worker-tmp-dir=/dev/shm",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn did not start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + reverse("login"), timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise CommandError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:]) or "(gunicorn wrote nothing)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # hand the 3xx response back instead of following it


class _Client:
    """A logged-in browser session over urllib, used to check each page before loading it."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, method: str, path: str, body: str | None = None, headers=None) -> tuple[int, dict, str]:
        request = urllib.request.Request(
            self.base_url + path,
            data=body.encode() if body is not None else None,
            method=method,
            headers=headers or {},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx
            with exc:
                return exc.code, dict(exc.headers), exc.read().decode(errors="replace")

    def cookie(self, name: str) -> str:
        for cookie in self.cookies:
            if cookie.name == name:
                return cookie.value
        raise CommandError(f"No {name} cookie from the app.")

    def login(self, username: str, password: str) -> None:
        login_path = reverse("login")
        status, _, page = self.request("GET", login_path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise CommandError(f"GET {login_path}: status {status}, no sign-in form.")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token[1]}
        status, headers, _ = self.request(
            "POST",
            login_path,
            urllib.parse.urlencode(form),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or headers.get("Location", "").startswith(login_path):
            raise CommandError(
                f"Could not sign in as {username} (status {status}): wrong --password? "
                "(Failed sign-ins count towards django-axes's lockout.)"
            )

    def headers(self) -> dict[str, str]:
        """What wrk sends with every request: the session, and the CSRF token for POSTs."""
        csrf = self.cookie("csrftoken")
        return {
            "Cookie": f"sessionid={self.cookie('sessionid')}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def check(self, page: Page) -> None:
        """One request as wrk will make it: the right status, signed in, the right place."""
        body = page.body.replace(RATING, "1") if page.method == "POST" else None
        status, headers, text = self.request(page.method, page.path, body, self.headers() if body else None)
        location = headers.get("Location", "")
        problem = None
        if status != page.expected_status:
            problem = f"status {status}, not {page.expected_status}" + (f" (to {location})" if location else "")
        elif page.method == "POST" and location != page.path:
            problem = f"redirected to {location}, not back to the step: the answers were not saved"
        elif page.method == "GET" and 'name="password"' in text:
            problem = "the sign-in page, not the page"
        if problem:
            raise CommandError(f"{page.label}: {page.method} {page.path} gave {problem}.")


def _wrk(wrk: str, base_url: str, client: _Client, page: Page, connections: int, duration: int) -> Result:
    headers = client.headers()
    if page.method == "GET":
        del headers["Content-Type"]
    command = [wrk, f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout=30s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(WRK_SCRIPT), base_url + page.path, "--", str(page.expected_status)]
    if page.method == "POST":
        command += [page.method, page.body]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    stats = next((line for line in run.stdout.splitlines() if line.startswith("wrk-stats ")), None)
    if run.returncode != 0 or stats is None:
        raise CommandError(f"wrk failed on {page.label} (exit {run.returncode}):\n{run.stdout}{run.stderr}")
    data = json.loads(stats.removeprefix("wrk-stats "))
    return Result(
        page=page,
        rps=data["rps"],
        p50_ms=data["p50_ms"],
        p95_ms=data["p95_ms"],
        requests=data["requests"],
        errors=data["errors"],
        unexpected=data["unexpected"],
    )
