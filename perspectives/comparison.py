"""How the officers' ratings and the other perspectives' compare: the one place the rules live.

- A perspective's answer to a question is the **median** of its respondents' ratings (a single
  respondent's rating is its own median); "don't know" is counted apart and never rated.
  Groups (the councillors, a workshop) show their median and **spread** (lowest to highest
  level given), never one person's rating.
- A question **diverges** when the officers' rating and a perspective's median are
  DIVERGENCE_LEVELS (two) levels or more apart. Divergences are listed largest gap first.
- A perspective's **factor score** follows the officers' rule (audits.scoring): the mean of its
  medians on the 0–100 scale, given only when at least half the factor's questions have one.
- A **resident group** (PRIVATE_GROUP_KINDS) with fewer respondents than
  settings.PERSPECTIVE_MIN_GROUP is not shown at all ("too few responses to show"): no
  median, spread, score, divergence or comment, so that no one's answer can be picked out.
  In a workshop of such a group that is shown, a question that fewer than that many
  participants answered is left out the same way.
- An officer's **note** explains the divergences it was written for (``Divergence.key``); one
  that appears or changes afterwards (a new perspective, a changed answer) needs it looked at
  again, and holds up approval until then.
- The officers' rating remains the audit's score; nothing here changes it.

Everything is read in a fixed number of queries, for one audit or many (``comparisons``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.utils.safestring import SafeString

from audits import charts, question_bank, scoring
from audits.factors import FACTOR_ORDER, Factor
from audits.models import Answer, Audit, FactorScore, Question

from .models import (
    PRIVATE_GROUP_KINDS,
    Channel,
    DivergenceNote,
    Perspective,
    PerspectiveAnswer,
    WorkshopTally,
)

#: The officers' rating and a perspective's median this many levels apart is a divergence.
DIVERGENCE_LEVELS = 2


def median_of(counts: tuple[int, int, int, int]) -> float | None:
    """The median level of ratings given as counts per level 1–4 (2.5 between a 2 and a 3)."""
    n = sum(counts)
    if not n:
        return None

    def level_at(position: int) -> int:
        seen = 0
        for level, count in enumerate(counts, start=1):
            seen += count
            if position < seen:
                return level
        raise AssertionError("position beyond the ratings")

    return (level_at((n - 1) // 2) + level_at(n // 2)) / 2


def level_text(value: float) -> str:
    """A median as shown: 3, or 2.5."""
    return f"{value:g}"


@dataclass(frozen=True)
class Spread:
    """A perspective's answers to one question."""

    counts: tuple[int, int, int, int] = (0, 0, 0, 0)
    dont_know: int = 0
    comments: tuple[str, ...] = ()

    # Cached: a page reads each many times (cached_property writes past the frozen dataclass).
    @cached_property
    def rated(self) -> int:
        return sum(self.counts)

    @cached_property
    def median(self) -> float | None:
        return median_of(self.counts)

    @cached_property
    def low(self) -> int | None:
        return next((level for level, n in enumerate(self.counts, start=1) if n), None)

    @cached_property
    def high(self) -> int | None:
        return next((level for level, n in reversed(list(enumerate(self.counts, start=1))) if n), None)


def answer_text(spread: Spread | None, is_group: bool) -> str:
    """A perspective's answer to a question as shown: its rating, or for a group the median
    with the spread (lowest to highest level given) and how many answered. Never one person's
    rating inside a group."""
    if spread is None or not (spread.rated or spread.dont_know):
        return "–"
    if not is_group:
        return "don't know" if not spread.rated else level_text(spread.median)
    if not spread.rated:
        return f"{spread.dont_know} don't know"
    text = f"median {level_text(spread.median)}"
    if spread.low != spread.high:
        text += f" ({spread.low}–{spread.high})"
    text += f", {spread.rated} rated"
    if spread.dont_know:
        text += f", {spread.dont_know} don't know"
    return text


@dataclass(frozen=True)
class PerspectiveView:
    perspective: Perspective
    respondents: int
    shown: bool  # False: a resident group below the threshold; nothing of it is shown
    spreads: dict[int, Spread]  # question id -> its answers
    scores: dict[str, float | None]  # factor -> 0–100, None without enough medians

    @property
    def name(self) -> str:
        return self.perspective.name

    @property
    def kind_label(self) -> str:
        return self.perspective.get_kind_display()

    @property
    def label(self) -> str:
        """Its name, with its kind unless the name says it already ("Councillors")."""
        if self.name.casefold() == self.kind_label.casefold():
            return self.name
        return f"{self.name} ({self.kind_label.lower()})"

    @cached_property
    def is_group(self) -> bool:
        """Answers from several people, shown as a median and spread."""
        return self.perspective.channel in (Channel.MEMBERS, Channel.WORKSHOP)

    @property
    def answered(self) -> int:
        return sum(1 for s in self.spreads.values() if s.rated or s.dont_know)

    def spread(self, question_id: int) -> Spread | None:
        return self.spreads.get(question_id) if self.shown else None

    def series(self) -> charts.Series:
        return charts.Series(self.label, self.scores)


@dataclass(frozen=True)
class Divergence:
    question: Question
    officers: int
    view: PerspectiveView
    value: float  # the perspective's median

    @property
    def gap(self) -> float:
        """Signed: above zero when the perspective rates higher than the officers."""
        return self.value - self.officers

    @property
    def size(self) -> float:
        return abs(self.gap)

    @property
    def direction(self) -> str:
        return "higher" if self.gap > 0 else "lower"

    @property
    def comments(self) -> tuple[str, ...]:
        return self.view.spreads[self.question.pk].comments

    @property
    def answer(self) -> str:
        """The perspective's answer as shown: "rated 1", or a group's "median 2 (1–3), 6 rated"."""
        text = answer_text(self.view.spreads[self.question.pk], self.view.is_group)
        return text if self.view.is_group else f"rated {text}"

    @property
    def key(self) -> str:
        """What a note on it covers: the perspective, its median and the officers' rating."""
        return f"{self.view.perspective.pk}:{level_text(self.value)}:{self.officers}"


@dataclass(frozen=True)
class Cell:
    view: PerspectiveView
    spread: Spread | None
    diverges: bool

    @cached_property
    def text(self) -> str:
        return answer_text(self.spread, self.view.is_group)


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    officers: Answer | None
    cells: tuple[Cell, ...]
    note: DivergenceNote | None
    #: The perspectives whose divergence here no note covers yet (all of them without a note).
    uncovered: tuple[str, ...] = ()
    #: The question's divergences, largest gap first.
    divergences: tuple = ()

    @property
    def note_is_stale(self) -> bool:
        """A note exists, but a divergence appeared or changed since it was written."""
        return self.note is not None and bool(self.uncovered)

    @property
    def diverges(self) -> bool:
        return any(c.diverges for c in self.cells)


@dataclass(frozen=True)
class FactorRow:
    factor: str
    officers: float | None
    others: tuple[float | None, ...]  # one per shown view, in order

    @property
    def label(self) -> str:
        return Factor(self.factor).label


@dataclass
class Comparison:
    audit: Audit
    views: list[PerspectiveView]
    questions: list[QuestionRow]
    divergences: list[Divergence]
    factors: list[FactorRow]

    @property
    def shown_views(self) -> list[PerspectiveView]:
        return [v for v in self.views if v.shown]

    @property
    def hidden_views(self) -> list[PerspectiveView]:
        return [v for v in self.views if not v.shown]

    @property
    def has_answers(self) -> bool:
        return any(v.answered for v in self.shown_views)

    @property
    def diverging_questions(self) -> list[QuestionRow]:
        """Questions with a divergence, largest gap first, each with all its divergences."""
        order = list(dict.fromkeys(d.question.pk for d in self.divergences))
        rows = {row.question.pk: row for row in self.questions}
        return [rows[pk] for pk in order]

    def divergences_of(self, question_id: int) -> list[Divergence]:
        return [d for d in self.divergences if d.question.pk == question_id]

    @property
    def unexplained(self) -> list[Question]:
        """Questions with a divergence no officer's note covers: they hold up approval."""
        return [row.question for row in self.diverging_questions if row.uncovered]

    @property
    def charted_views(self) -> list[PerspectiveView]:
        """The perspectives on the radar: those with a score, as many as it has line styles."""
        return [v for v in self.shown_views if any(s is not None for s in v.scores.values())][
            : len(charts.OTHER_STYLES)
        ]

    @property
    def views_off_chart(self) -> list[PerspectiveView]:
        charted = self.charted_views
        return [v for v in self.shown_views if v not in charted]

    def radar(self, *, id_prefix: str = "perspectives-radar") -> SafeString:
        officers = charts.Series("Officers (the audit's score)", {f.factor: f.officers for f in self.factors})
        return charts.radar(
            officers,
            title=f"CLEAR profile of {self.audit.scope_label}, {self.audit.period}, by perspective",
            id_prefix=id_prefix,
            others=[v.series() for v in self.charted_views],
        )


def is_shown(perspective: Perspective, respondents: int) -> bool:
    return perspective.kind not in PRIVATE_GROUP_KINDS or respondents >= settings.PERSPECTIVE_MIN_GROUP


def _enough_per_question(perspective: Perspective, spreads: dict[int, Spread]) -> dict[int, Spread]:
    """A resident group's workshop: the questions enough participants answered to show."""
    if perspective.kind not in PRIVATE_GROUP_KINDS or perspective.channel != Channel.WORKSHOP:
        return spreads
    return {pk: s for pk, s in spreads.items() if s.rated + s.dont_know >= settings.PERSPECTIVE_MIN_GROUP}


def _factor_scores(spreads: dict[int, Spread], questions: list[Question]) -> dict[str, float | None]:
    scores = {}
    for factor in FACTOR_ORDER:
        of_factor = [q for q in questions if q.factor == factor]
        medians = [m for q in of_factor if q.pk in spreads and (m := spreads[q.pk].median) is not None]
        enough = of_factor and len(medians) >= scoring.min_rated_for(len(of_factor))
        scores[factor] = scoring.score_from_ratings(medians) if enough else None
    return scores


def comparisons(audits: Iterable[Audit]) -> dict[int, Comparison]:
    """The comparison of each audit, in six queries whatever their number (the banks' questions
    come from audits.question_bank, kept in memory)."""
    audits = list(audits)
    ids = [a.pk for a in audits]
    perspectives = list(
        Perspective.objects.filter(audit_id__in=ids)
        .select_related("invitation")
        .order_by("audit_id", "created_at", "pk")
    )
    # Per perspective and question: [count of 1, 2, 3, 4, don't know, comments], made into Spreads below.
    tallies: dict[int, dict[int, list]] = defaultdict(dict)
    councillors: dict[int, set[int]] = defaultdict(set)
    rows = PerspectiveAnswer.objects.filter(perspective__audit_id__in=ids).order_by("answered_at", "pk")
    for pid, qid, uid, rating, dont_know, comment in rows.values_list(
        "perspective_id", "question_id", "user_id", "rating", "dont_know", "comment"
    ):
        t = tallies[pid].get(qid) or tallies[pid].setdefault(qid, [0, 0, 0, 0, 0, []])
        if rating:
            t[rating - 1] += 1
        elif dont_know:
            t[4] += 1
        if comment.strip():
            t[5].append(comment.strip())
        if uid and (rating or dont_know):
            councillors[pid].add(uid)
    spreads: dict[int, dict[int, Spread]] = {
        pid: {qid: Spread(tuple(t[:4]), t[4], tuple(t[5])) for qid, t in by_question.items()}
        for pid, by_question in tallies.items()
    }
    workshops = WorkshopTally.objects.filter(perspective__audit_id__in=ids).order_by()
    for pid, qid, n1, n2, n3, n4, dont_know, comment in workshops.values_list(
        "perspective_id", "question_id", "rated_1", "rated_2", "rated_3", "rated_4", "dont_know", "comment"
    ):
        spreads.setdefault(pid, {})[qid] = Spread(
            (n1, n2, n3, n4), dont_know, (comment.strip(),) if comment.strip() else ()
        )
    questions_of = {f: question_bank.questions(f) for f in {a.framework_id for a in audits}}
    officers: dict[int, dict[int, Answer]] = defaultdict(dict)
    for answer in (
        Answer.objects.filter(audit_id__in=ids).order_by().only("audit_id", "question_id", "rating", "dont_know")
    ):
        officers[answer.audit_id][answer.question_id] = answer
    stored: dict[int, dict[str, float | None]] = defaultdict(dict)
    for fs in FactorScore.objects.filter(audit_id__in=ids).order_by().values("audit_id", "factor", "score"):
        stored[fs["audit_id"]][fs["factor"]] = fs["score"]
    notes: dict[int, dict[int, DivergenceNote]] = defaultdict(dict)
    for n in DivergenceNote.objects.filter(audit_id__in=ids).select_related("written_by"):
        notes[n.audit_id][n.question_id] = n

    by_audit: dict[int, list[Perspective]] = defaultdict(list)
    for p in perspectives:
        by_audit[p.audit_id].append(p)
    result = {}
    for audit in audits:
        questions = questions_of[audit.framework_id]
        views = []
        for p in by_audit[audit.pk]:
            p.audit = audit  # read by the invitation's state, without a query per perspective
            respondents = len(councillors[p.pk]) if p.channel == Channel.MEMBERS else p.respondents
            mine = _enough_per_question(p, dict(spreads.get(p.pk, {})))
            shown = is_shown(p, respondents)
            scores = _factor_scores(mine, questions) if shown else dict.fromkeys(FACTOR_ORDER)
            views.append(PerspectiveView(p, respondents, shown, mine, scores))
        result[audit.pk] = _compare(audit, questions, views, officers[audit.pk], stored[audit.pk], notes[audit.pk])
    return result


def _compare(audit, questions, views, officers, stored, notes) -> Comparison:
    shown = [v for v in views if v.shown]
    question_rows, divergences = [], []
    for q in questions:
        officer = officers.get(q.pk)
        cells, mine = [], []
        for view in shown:
            spread = view.spreads.get(q.pk)
            median = spread.median if spread else None
            diverges = (
                officer is not None
                and officer.rating is not None
                and median is not None
                and abs(median - officer.rating) >= DIVERGENCE_LEVELS
            )
            if diverges:
                mine.append(Divergence(q, officer.rating, view, median))
            cells.append(Cell(view, spread, diverges))
        note = notes.get(q.pk)
        covered = set(note.covers) if note is not None else set()
        uncovered = tuple(d.view.name for d in mine if d.key not in covered)
        divergences += mine
        mine.sort(key=lambda d: -d.size)
        question_rows.append(QuestionRow(q, officer, tuple(cells), note, uncovered, tuple(mine)))
    position = {q.pk: i for i, q in enumerate(questions)}
    divergences.sort(key=lambda d: (-d.size, position[d.question.pk], d.view.perspective.pk))
    factors = [FactorRow(f, stored.get(f), tuple(v.scores.get(f) for v in shown)) for f in FACTOR_ORDER]
    return Comparison(audit, views, question_rows, divergences, factors)


def comparison(audit: Audit) -> Comparison:
    return comparisons([audit])[audit.pk]


@dataclass(frozen=True)
class FactorGap:
    """Across several audits: how far the other perspectives' scores sit from the officers'."""

    factor: str
    officers: float | None  # mean officers' score over the audits compared
    others: float | None  # mean of the other perspectives' scores over the same audits
    audits: int  # audits where at least one other perspective scored the factor

    @property
    def label(self) -> str:
        return Factor(self.factor).label

    @property
    def gap(self) -> float | None:
        return None if self.officers is None or self.others is None else round(self.others - self.officers, 1)


def factor_gaps(compared: Iterable[Comparison]) -> list[FactorGap]:
    """Per factor, over the audits where another perspective scored it: the officers' mean
    score, the others' mean score (each audit's perspectives averaged first, so an audit with
    many perspectives does not weigh more) and the audits behind them."""
    gaps = []
    compared = list(compared)
    for i, factor in enumerate(FACTOR_ORDER):
        pairs = []
        for c in compared:
            others = [s for s in (row for row in c.factors[i].others) if s is not None]
            if others and c.factors[i].officers is not None:
                pairs.append((c.factors[i].officers, sum(others) / len(others)))
        if pairs:
            officers = round(sum(p[0] for p in pairs) / len(pairs), 1)
            others = round(sum(p[1] for p in pairs) / len(pairs), 1)
            gaps.append(FactorGap(factor, officers, others, len(pairs)))
        else:
            gaps.append(FactorGap(factor, None, None, 0))
    return gaps
