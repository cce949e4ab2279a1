"""The arrows between apps point one way: the apps beside audits depend on it, never the reverse."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMPORT = re.compile(r"^\s*(from|import)\s+(perspectives|actions|notifications|devtools)\b", re.MULTILINE)
OTHER_APPS_URLS = ("perspectives:", "actions:", "notifications:")


@pytest.mark.parametrize("path", sorted((ROOT / "audits").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_audits_never_imports_the_apps_beside_it(path):
    assert not IMPORT.search(path.read_text()), f"{path.relative_to(ROOT)} imports an app that depends on audits"


AUDIT_TEMPLATES = [
    *(ROOT / "templates" / "audits").rglob("*.html"),
    *(ROOT / "templates" / "partials").rglob("*.html"),
    *(ROOT / "templates" / "reports").rglob("*.html"),
]


@pytest.mark.parametrize("path", sorted(AUDIT_TEMPLATES), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_audit_templates_name_no_other_apps_urls(path):
    text = path.read_text()
    for prefix in OTHER_APPS_URLS:
        assert prefix not in text, f"{path.name}: show another app's content through audits.extensions"
