"""A save changes only what it carries, and a page measures its saves against what it showed.

Found by attacking the step and autosave from outside: a POST carrying only ``version``
blanked all seven answers; the same officer in two tabs overwrote their own newer text
silently; a version above the audit's was taken as current.
"""

import re

from audits import services
from audits.models import Answer, AuditEvent, EventKind, Question

from .helpers import step_post_data, step_url


def autosave_url(audit, factor="can-do"):
    return f"/audits/{audit.pk}/{factor}/autosave/"


def loaded_digests(page: str) -> dict[str, str]:
    """The hidden ``<code>-loaded`` fields of a step page, as the browser would post them."""
    return dict(re.findall(r'name="(CD\d-loaded)" value="([0-9a-f]+)"', page))


def answers_of(audit):
    return {
        a.question.code: (a.rating, a.dont_know, a.confidence, a.evidence_notes, a.evidence_links)
        for a in Answer.objects.filter(audit=audit).select_related("question")
    }


def one_answer(code, *, version, loaded=None, **fields):
    """The fields of one answer, as autosave.js sends an answer that changed."""
    data = {"version": version} | {f"{code}-{name}": value for name, value in fields.items()}
    if loaded:
        data[f"{code}-loaded"] = loaded
    return data


def test_a_step_post_carrying_only_the_version_changes_no_answer(client_for, complete_audit, officer):
    before = answers_of(complete_audit)
    complete_audit.refresh_from_db()
    response = client_for(officer).post(step_url(complete_audit), {"version": complete_audit.version, "next": "stay"})
    assert response.status_code == 302
    assert answers_of(complete_audit) == before


def test_an_autosave_carrying_only_the_version_changes_no_answer(client_for, complete_audit, officer):
    before, events = answers_of(complete_audit), AuditEvent.objects.filter(audit=complete_audit).count()
    complete_audit.refresh_from_db()
    response = client_for(officer).post(autosave_url(complete_audit), {"version": complete_audit.version})
    assert response.status_code == 200
    assert answers_of(complete_audit) == before
    assert AuditEvent.objects.filter(audit=complete_audit).count() == events


def test_an_autosave_of_one_answer_changes_that_answer_alone(client_for, complete_audit, officer):
    client = client_for(officer)
    digests = loaded_digests(client.get(step_url(complete_audit)).content.decode())
    before, events = answers_of(complete_audit), AuditEvent.objects.filter(audit=complete_audit).count()
    complete_audit.refresh_from_db()
    data = one_answer(
        "CD2",
        version=complete_audit.version,
        loaded=digests["CD2-loaded"],
        rating="2",
        confidence="high",
        evidence_notes="Ward survey 2026",
        evidence_links="",
    )
    body = client.post(autosave_url(complete_audit), data).json()
    assert body["saved"] is True and list(body["loaded"]) == ["CD2"]
    after = answers_of(complete_audit)
    assert after["CD2"] == (2, False, "high", "Ward survey 2026", "")
    assert {k: v for k, v in after.items() if k != "CD2"} == {k: v for k, v in before.items() if k != "CD2"}
    assert AuditEvent.objects.filter(audit=complete_audit).count() == events + 1
    assert AuditEvent.objects.filter(audit=complete_audit).first().kind == EventKind.ANSWER


def test_a_field_absent_from_a_save_keeps_its_value_and_an_empty_one_clears_it(client_for, complete_audit, officer):
    client = client_for(officer)
    complete_audit.refresh_from_db()
    cd1 = Answer.objects.get(audit=complete_audit, question__code="CD1")
    # Notes only: the rating, confidence and links stay as they were.
    client.post(autosave_url(complete_audit), one_answer("CD1", version=complete_audit.version, evidence_notes="New"))
    cd1_after = Answer.objects.get(pk=cd1.pk)
    assert (cd1_after.rating, cd1_after.confidence, cd1_after.evidence_notes) == (cd1.rating, cd1.confidence, "New")
    # An explicit empty rating is "no rating": the answer becomes a draft again.
    complete_audit.refresh_from_db()
    client.post(autosave_url(complete_audit), one_answer("CD1", version=complete_audit.version, rating=""))
    assert Answer.objects.get(pk=cd1.pk).rating is None
    assert Answer.objects.get(pk=cd1.pk).evidence_notes == "New"


def test_a_version_above_the_audits_is_refused_and_nothing_saved(client_for, audit, officer):
    client = client_for(officer)
    audit.refresh_from_db()
    response = client.post(step_url(audit), step_post_data(audit, version=audit.version + 1), follow=True)
    assert "Reload the page and make your changes again. Nothing was saved." in response.content.decode()
    response = client.post(autosave_url(audit), step_post_data(audit, version=audit.version + 50))
    assert response.status_code == 400
    assert "Reload the page" in response.json()["message"]
    assert not Answer.objects.filter(audit=audit).exists()


def test_the_same_officer_in_two_tabs_gets_a_conflict_not_a_silent_overwrite(client_for, audit, officer):
    client = client_for(officer)
    tab_a = loaded_digests(client.get(step_url(audit)).content.decode())
    tab_b = dict(tab_a)  # a second tab, loaded at the same moment
    audit.refresh_from_db()
    loaded_version = audit.version
    fields = {"rating": "3", "confidence": "medium", "evidence_links": ""}
    saved = client.post(
        autosave_url(audit),
        one_answer("CD1", version=loaded_version, loaded=tab_a["CD1-loaded"], evidence_notes="Tab A", **fields),
    )
    assert saved.json()["saved"] is True
    # The other tab still shows the empty answer; its save would overwrite "Tab A".
    response = client.post(
        autosave_url(audit),
        one_answer("CD1", version=loaded_version, loaded=tab_b["CD1-loaded"], evidence_notes="Tab B", **fields),
    )
    assert response.status_code == 409 and response.json()["conflict"] == ["CD1"]
    assert Answer.objects.get(audit=audit, question__code="CD1").evidence_notes == "Tab A"
    # Saving that tab's whole step shows both versions and keeps what was typed there.
    data = step_post_data(audit, version=loaded_version, evidence_notes="Tab B") | tab_b
    page = client.post(step_url(audit), data).content.decode()
    assert "Saved meanwhile by you, in another tab or on another device" in page
    assert "Tab A" in page and ">\nTab B</textarea>" in page
    assert Answer.objects.get(audit=audit, question__code="CD1").evidence_notes == "Tab A"


def test_a_pages_own_follow_up_autosaves_are_not_conflicts(client_for, audit, officer):
    client = client_for(officer)
    digests = loaded_digests(client.get(step_url(audit)).content.decode())
    audit.refresh_from_db()
    version, loaded = audit.version, digests["CD1-loaded"]
    for text in ["First", "First draft", "First draft, then more"]:
        body = client.post(
            autosave_url(audit), one_answer("CD1", version=version, loaded=loaded, evidence_notes=text)
        ).json()
        assert body["saved"] is True, body
        version, loaded = body["version"], body["loaded"]["CD1"]  # what autosave.js keeps
    assert Answer.objects.get(audit=audit, question__code="CD1").evidence_notes == "First draft, then more"


def test_notes_have_a_counted_limit_that_the_browser_never_enforces_by_cutting(client_for, audit, officer):
    page = client_for(officer).get(step_url(audit)).content.decode()
    notes = re.search(r'<textarea name="CD1-evidence_notes"[^>]*>', page)[0]
    assert 'data-max-chars="5000"' in notes
    assert "maxlength" not in notes  # a browser drops pasted text past maxlength without a word


def test_over_long_notes_in_an_autosave_are_refused_naming_the_question(client_for, audit, officer):
    audit.refresh_from_db()
    data = one_answer("CD3", version=audit.version, evidence_notes="n" * 5200)
    response = client_for(officer).post(autosave_url(audit), data)
    assert response.status_code == 400 and response.json()["invalid"] == ["CD3"]
    assert not Answer.objects.filter(
        audit=audit, question=Question.objects.get(framework__is_current=True, code="CD3")
    ).exists()


def test_a_damaged_or_old_digest_is_a_conflict_never_an_overwrite(client_for, audit, officer, officer_b):
    """A browser may keep text typed under an older release, whose digests were of another form."""
    cd1 = Question.objects.get(framework__is_current=True, code="CD1")
    audit.refresh_from_db()
    services.answers_save(
        audit=audit,
        user=officer_b,
        expected_version=audit.version,
        answers=[services.AnswerData(question_id=cd1.pk, rating=4, evidence_notes="Dafydd's notes")],
    )
    audit.refresh_from_db()
    data = one_answer("CD1", version=audit.version, loaded="0123456789abcdef0123", evidence_notes="Stale text")
    response = client_for(officer).post(autosave_url(audit), data)
    assert response.status_code == 409 and response.json()["conflict"] == ["CD1"]
    assert Answer.objects.get(audit=audit, question=cd1).evidence_notes == "Dafydd's notes"


def test_the_save_buttons_stamp_for_the_browsers_copies_takes_no_odd_value(client_for, audit, officer):
    client = client_for(officer)
    for stamp in ["²", "1e9", "-5", "9" * 40, "١٢٣"]:
        data = step_post_data(audit, evidence_notes=f"with {stamp}") | {"copies_upto": stamp}
        assert client.post(step_url(audit), data).status_code == 302
    data = step_post_data(audit, evidence_notes="stamped") | {"copies_upto": "1764000000000"}
    client.post(step_url(audit), data)
    assert 'data-saved-upto="1764000000000"' in client.get(step_url(audit)).content.decode()
