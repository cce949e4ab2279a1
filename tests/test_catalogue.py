"""Welsh stays complete as the app grows: every message of the Welsh catalogue is translated,
the catalogue holds every string the code and templates mark, and a template once translated
marks all its text (the list of templates not yet translated only shrinks)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "cy" / "LC_MESSAGES" / "django.po"
TEMPLATES = sorted(p for p in (ROOT / "templates").rglob("*") if p.suffix in (".html", ".txt"))

#: Templates still in English only, to be translated (issue "Cymraeg"). A template leaves the
#: list when it is translated, and the test below fails until it does.
NOT_YET_TRANSLATED = {
    "about.html",
    "actions/audit_panel.html",
    "actions/choose_response.html",
    "actions/dashboard_panel.html",
    "actions/detail.html",
    "actions/edit.html",
    "actions/email/reminder.txt",
    "actions/email/reminder_subject.txt",
    "actions/mine.html",
    "actions/new.html",
    "actions/partials/followup_table.html",
    "actions/partials/pages.html",
    "actions/partials/table.html",
    "actions/plan.html",
    "actions/question_note.html",
    "actions/report_followup.html",
    "actions/report_plan.html",
    "actions/suggestion_panel.html",
    "audits/council_reports.html",
    "audits/council_settings.html",
    "audits/create.html",
    "audits/dashboard.html",
    "audits/dashboard_picker.html",
    "audits/delete.html",
    "audits/detail.html",
    "audits/history.html",
    "audits/list.html",
    "audits/report_bundle.html",
    "audits/review.html",
    "audits/step.html",
    "audits/team.html",
    "discussions/audit_panel.html",
    "discussions/comment_link.html",
    "discussions/needs_action.html",
    "discussions/question_note.html",
    "discussions/thread.html",
    "method.html",
    "notifications/email/action.html",
    "notifications/email/action.txt",
    "notifications/email/action_subject.txt",
    "notifications/email/approved.html",
    "notifications/email/approved.txt",
    "notifications/email/approved_subject.txt",
    "notifications/email/base.html",
    "notifications/email/base.txt",
    "notifications/email/comment.html",
    "notifications/email/comment.txt",
    "notifications/email/comment_subject.txt",
    "notifications/email/digest.html",
    "notifications/email/digest.txt",
    "notifications/email/digest_subject.txt",
    "notifications/email/invitation.html",
    "notifications/email/invitation.txt",
    "notifications/email/invitation_subject.txt",
    "notifications/email/reopened.html",
    "notifications/email/reopened.txt",
    "notifications/email/reopened_subject.txt",
    "notifications/email/returned.html",
    "notifications/email/returned.txt",
    "notifications/email/returned_subject.txt",
    "notifications/email/submitted.html",
    "notifications/email/submitted.txt",
    "notifications/email/submitted_subject.txt",
    "notifications/settings.html",
    "partials/aimed_interventions.html",
    "partials/factor_nav.html",
    "partials/history_table.html",
    "partials/status_badge.html",
    "partials/step_questions.html",
    "perspectives/councillors.html",
    "perspectives/dashboard_panel.html",
    "perspectives/invitation.html",
    "perspectives/invite.html",
    "perspectives/link_problem.html",
    "perspectives/overview.html",
    "perspectives/panel.html",
    "perspectives/partials/rating_form.html",
    "perspectives/rate.html",
    "perspectives/report_section.html",
    "perspectives/respond.html",
    "perspectives/workshop.html",
    "perspectives/workshop_new.html",
    "reports/audit.html",
    "reports/base.html",
    "reports/council.html",
    "reports/partials/responses.html",
    "reports/partials/score_table.html",
}


def _statistics(catalogue: Path) -> str:
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(catalogue)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def _missing(catalogue: Path) -> str:
    """The entries without a Welsh translation, or with a doubtful (fuzzy) one."""
    found = []
    for option in ("--untranslated", "--only-fuzzy"):
        done = subprocess.run(["msgattrib", option, "--no-wrap", str(catalogue)], capture_output=True, text=True)
        found.append(done.stdout)
    return "\n".join(found)


def test_every_message_of_the_catalogue_has_its_welsh():
    statistics = _statistics(CATALOGUE)
    assert "untranslated" not in statistics and "fuzzy" not in statistics, statistics + _missing(CATALOGUE)


def test_the_catalogue_holds_every_string_the_code_marks(tmp_path):
    """makemessages on a copy of the sources: no marked string is missing from the catalogue."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "test-artifacts", "tests", "static", "node_modules", "*.mo"
        ),
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "cy", "--no-location", "--ignore", "devtools/*"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )
    assert done.returncode == 0, done.stderr
    updated = copy / "locale" / "cy" / "LC_MESSAGES" / "django.po"
    statistics = _statistics(updated)
    assert "untranslated" not in statistics and "fuzzy" not in statistics, (
        "Marked strings missing from locale/cy (run makemessages, then translate them):\n" + _missing(updated)
    )


LETTERS = re.compile(r"[^\W\d_]{2,}")
#: Attributes people read or hear: their literal text must be marked too.
READ_ATTRIBUTES = re.compile(r'\b(?:aria-label|aria-description|title|alt|placeholder)="([^"]*)"')
#: The quoted strings of a variable's filter arguments ({{ x|default:"None given" }}), read
#: left to right; those inside _() are marked.
QUOTED = re.compile(r"""(_\()?("[^"]*"|'[^']*')""")
#: Words people read: a capital then small letters, or two words ("info", "j M Y" are code).
READ_WORDS = re.compile(r"[A-Z][a-z]|[^\W\d_]{2,}\s+[^\W\d_]{2,}")
#: Names that stay as they are in every language.
NAMES = ("CLEAR Audit", "CLEAR", "PDF", "CSV")


def unmarked_text(path: Path) -> list[str]:
    """The template's text outside {% translate %} and {% blocktranslate %}: each piece of
    literal text between template tags (markup, scripts and styles aside), of the attributes
    people read, and of the quoted filter arguments, that holds a word."""
    pieces, skip, literals = [], 0, []
    for token in Lexer(path.read_text()).tokenize():
        if token.token_type == TokenType.BLOCK:
            word = token.contents.split()[0] if token.contents.split() else ""
            if word in ("comment", "blocktranslate", "blocktrans"):
                skip += 1
            elif word in ("endcomment", "endblocktranslate", "endblocktrans"):
                skip -= 1
            pieces.append("\x00")
        elif token.token_type == TokenType.TEXT and not skip:
            pieces.append(token.contents)
        elif token.token_type == TokenType.VAR and not skip:
            literals += [q[1:-1] for marked, q in QUOTED.findall(token.contents) if not marked and READ_WORDS.search(q)]
            pieces.append("\x00")
        else:
            pieces.append("\x00")
    source = "".join(pieces)
    if path.suffix == ".html":
        source = re.sub(r"<!--.*?-->|<script\b.*?</script>|<style\b.*?</style>", "\x00", source, flags=re.S)
        attributes = READ_ATTRIBUTES.findall(source)
        source = re.sub(r"<[^>]*>", "\x00", source)
    else:
        attributes = []
    found = []
    for piece in [*source.split("\x00"), *(part for a in attributes for part in a.split("\x00")), *literals]:
        text = html.unescape(piece)
        for name in NAMES:
            text = text.replace(name, "")
        if LETTERS.search(text):
            found.append(" ".join(piece.split())[:80])
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in TEMPLATES if str(p.relative_to(ROOT / "templates")) not in NOT_YET_TRANSLATED],
    ids=lambda p: str(p.relative_to(ROOT / "templates")),
)
def test_a_translated_template_marks_all_its_text(path):
    assert not unmarked_text(path), f"mark these for translation ({{% translate %}}): {unmarked_text(path)}"


@pytest.mark.parametrize("name", sorted(NOT_YET_TRANSLATED))
def test_the_templates_still_to_translate_are_listed_while_they_are(name):
    path = ROOT / "templates" / name
    assert path.exists(), f"{name} is gone: take it off NOT_YET_TRANSLATED"
    assert unmarked_text(path), f"{name} is translated now: take it off NOT_YET_TRANSLATED"


CACHE_TAG = re.compile(r"\{%\s*cache\s+\S+\s+\S+\s+(\S+)")


@pytest.mark.parametrize("path", [p for p in TEMPLATES if "{% cache" in p.read_text()], ids=lambda p: p.name)
def test_every_cached_fragment_is_kept_per_language(path):
    """A fragment cached in English must never be served to someone reading in Welsh."""
    for match in CACHE_TAG.finditer(path.read_text()):
        assert match[1] == "request.LANGUAGE_CODE", f"{path.name}: {match[0]}… (name request.LANGUAGE_CODE first)"
