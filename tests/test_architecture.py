"""The arrows between apps point one way: the apps beside audits depend on it, never the reverse."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMPORT = re.compile(r"^\s*(from|import)\s+(perspectives|devtools)\b", re.MULTILINE)


@pytest.mark.parametrize("path", sorted((ROOT / "audits").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_audits_never_imports_the_apps_beside_it(path):
    assert not IMPORT.search(path.read_text()), f"{path.relative_to(ROOT)} imports an app that depends on audits"


@pytest.mark.parametrize("path", sorted((ROOT / "templates" / "audits").rglob("*.html")), ids=lambda p: p.name)
def test_audit_templates_name_no_other_apps_urls(path):
    assert "perspectives:" not in path.read_text(), f"{path.name}: show another app's content through audits.extensions"
