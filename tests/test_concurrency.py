"""Many officers saving one audit at once on PostgreSQL: nothing is lost, in the answers or in the history."""

import threading

from django.db import connection

from audits import services
from audits.models import Answer, Audit, AuditEvent, Council, EventKind, Membership, Question, Role

from .conftest import _user

CLIENTS = 6
SAVES_EACH = 5


def test_simultaneous_saves_keep_the_last_write_of_every_question(question_bank):
    council = Council.objects.create(name="Ynys Môn", slug="ynys-mon")
    officers = [_user(f"officer{i}", council, Role.OFFICER) for i in range(CLIENTS)]
    audit = services.audit_create(user=officers[0], council=council, service=None, period="2026/27")
    questions = list(Question.objects.filter(framework=audit.framework).order_by("order"))
    start, errors = threading.Barrier(CLIENTS), []

    def client(i: int) -> None:
        try:
            mine = questions[i::CLIENTS]  # each officer answers their own share of the questions
            start.wait()
            for n in range(SAVES_EACH):
                fresh = Audit.objects.get(pk=audit.pk)  # each save is a new page load
                services.answers_save(
                    audit=fresh,
                    user=officers[i],
                    expected_version=fresh.version,
                    answers=[
                        services.AnswerData(question_id=q.pk, rating=1 + (n + i) % 4, evidence_notes=f"save {n} by {i}")
                        for q in mine
                    ],
                )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    answers = {a.question_id: a for a in Answer.objects.filter(audit=audit)}
    assert len(answers) == len(questions)
    for i in range(CLIENTS):
        for q in questions[i::CLIENTS]:
            assert answers[q.pk].evidence_notes == f"save {SAVES_EACH - 1} by {i}"
            assert answers[q.pk].answered_by == officers[i]
    audit.refresh_from_db()
    assert audit.version == 1 + CLIENTS * SAVES_EACH  # every save counted, none lost
    assert Membership.objects.filter(council=council).count() == CLIENTS
    # The history holds every write: each save of each question, in the order it was saved.
    for i in range(CLIENTS):
        for q in questions[i::CLIENTS]:
            events = AuditEvent.objects.filter(audit=audit, kind=EventKind.ANSWER, question=q).order_by("at", "pk")
            assert [e.after["evidence_notes"] for e in events] == [f"save {n} by {i}" for n in range(SAVES_EACH)]
            assert {e.user_id for e in events} == {officers[i].pk}
