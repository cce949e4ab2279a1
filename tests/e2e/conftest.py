"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Nothing downloads a browser: we launch /usr/bin/chromium (``make test`` installs it when
missing). Screenshots of every page visited go to test-artifacts/screenshots/ (ignored by git).
"""

import os
import re
from pathlib import Path

import pytest

from audits.models import Council, Membership, Role, Service

# Playwright's sync API runs an event loop in the test thread; Django refuses database access
# from there unless told it is safe. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PASSWORD = "a-long-test-password"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """The live server serves static files from the source folders, under their plain names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def people(question_bank):
    """A council with a service and one user per role; another council with its own officer."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    council = Council.objects.create(name="Ynys Môn", slug="ynys-mon")
    Service.objects.create(council=council, name="Planning")
    other = Council.objects.create(name="Rhondda Cynon Taf", slug="rhondda-cynon-taf")
    users = {}
    for username, first, last, where, role in [
        ("officer", "Siân", "Hughes", council, Role.OFFICER),
        ("manager", "Gareth", "Owen", council, Role.MANAGER),
        ("councillor", "Eleri", "Jones", council, Role.COUNCILLOR),
        ("officer2", "Rhys", "Price", other, Role.OFFICER),
    ]:
        users[username] = User.objects.create_user(username, password=PASSWORD, first_name=first, last_name=last)
        Membership.objects.create(user=users[username], council=where, role=role)
    return users


class Visit:
    """Takes a screenshot and runs axe on each page the journey reaches."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.count = 0
        self.findings: list[str] = []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(self, label: str) -> None:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        self.page.screenshot(path=ARTIFACTS / f"{self.name}-{self.count:02d}-{slug}.png", full_page=True)
        self.page.evaluate(AXE.read_text())
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values:
                    ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
                return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                    .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '));
            }"""
        )
        self.findings += [f"{label}: {finding}" for finding in result]

    def assert_accessible(self) -> None:
        assert not self.findings, "axe found serious or critical violations:\n" + "\n".join(self.findings)
