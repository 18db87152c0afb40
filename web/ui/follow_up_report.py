"""The follow-up's figures as tables people read: every section of the page, every sheet of the
XLSX and every CSV is one :class:`Table` built here, so that the page and the exports cannot
disagree. Values are model ids turned into labels (the start form's options, display names), and
small counts are hidden from those who may not see them exactly (:func:`web.authz.exact_figures`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from engine.api import WorkflowEngine
from engine.views.followup import CATEGORIES, DIMENSIONS, MEASURES, OTHER, UNKNOWN, Counts, Figures, Filters
from web.ui.follow_up_query import Query

#: Counts from 1 to SMALL - 1 are hidden from those who may not see them exactly.
SMALL = 5


class Hidden:
    """A value not shown: a small count ("<5"), or a total, share or mean that would give a hidden
    count away ("..")."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


HIDDEN = Hidden("<5")
#: A total shown as ".." because exactly one of its parts is hidden: the total less the parts shown
#: would be that part. (".." and not "<5": the total itself may well be large.)
GUARDED = Hidden("..")
#: A value a table has a cell for but the figures have none of (a share of nothing, a median of none).
NONE = None
Value = int | float | str | Hidden | None


def guarded(total: Value, parts: Sequence[Value]) -> Value:
    """``total`` as shown beside ``parts``: guarded when exactly one part is hidden and it is not."""
    hidden = sum(1 for p in parts if isinstance(p, Hidden))
    return GUARDED if hidden == 1 and not isinstance(total, Hidden) else total


@dataclass(frozen=True)
class Table:
    """One table: its key (addresses, sheet names), heading, caption, column headings, rows (the
    first ``row_headers`` cells of each row are its headers) and a note under it."""

    key: str
    title: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]
    row_headers: int = 1
    note: str = ""


@dataclass(frozen=True)
class Labels:
    """Labels for the figures' ids, from the start forms of the interventions counted."""

    processes: Mapping[str, str]
    options: Mapping[str, Mapping[str, str]]  # dimension → id → label
    contacts: Mapping[str, str]
    age_bands: Sequence[str]

    def of(self, dimension: str, value: str) -> str:
        if value == UNKNOWN:
            return _("Okänt")
        if dimension == "age_band":
            if value.startswith("under "):
                return _("Under %(age)s år", age=value.removeprefix("under "))
            if value.startswith("över "):
                return _("Över %(age)s år", age=value.removeprefix("över "))
            return _("%(band)s år", band=value)
        return self.options.get(dimension, {}).get(value, value)


def category_label(category: str) -> str:
    return {
        "arbete": _("Arbete"), "studier": _("Studier"), "annan_insats": _("Annan insats eller myndighet"),
        "ej_nytta": _("Kan inte ta del av insatsen"), OTHER: _("Övrigt/avbrutet"),
    }.get(category, category)


def measure_label(measure: str) -> str:
    return {"referred": _("Remitterade"), "started": _("Startade"), "active": _("Aktiva"),
            "ended": _("Avslutade")}[measure]


def dimension_label(dimension: str) -> str:
    return {"gender": _("Kön"), "age_band": _("Åldersgrupp"), "municipality": _("Hemkommun"),
            "authority": _("Remitterande myndighet")}[dimension]


#: The start form's field each dimension's labels come from, by the Indicators attribute naming it.
_DIMENSION_FIELDS = {"gender": "gender", "municipality": "municipality", "authority": "authority"}


def labels_for(engine: WorkflowEngine, process_keys: Sequence[str]) -> Labels:
    options: dict[str, dict[str, str]] = {d: {} for d in _DIMENSION_FIELDS}
    bands: list[str] = []
    for key in process_keys:
        indicators = engine.follow_up.indicators(key)
        registration = engine.registration(key)
        for dimension, attribute in _DIMENSION_FIELDS.items():
            field_id = getattr(indicators, attribute)
            spec = registration.form.field(field_id) if registration is not None and field_id else None
            for option in spec.options if spec is not None else ():
                options[dimension].setdefault(option.id, option.label)
        if not bands:
            low, high = indicators.age_bands[0][0], indicators.age_bands[-1][1]
            bands = [f"under {low}", *(f"{a}–{b}" for a, b in indicators.age_bands), f"över {high}"]
    names = {p.key: p.name for p in engine.processes()}
    return Labels({k: names.get(k, k) for k in process_keys}, options, {}, bands)


def filter_options(labels: Labels) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices (address name → (value, label)), unknown last."""
    found: dict[str, list[tuple[str, str]]] = {
        "kon": [(v, labels.of("gender", v)) for v in labels.options["gender"]],
        "aldersgrupp": [(v, labels.of("age_band", v)) for v in labels.age_bands],
        "kommun": [(v, labels.of("municipality", v)) for v in labels.options["municipality"]],
        "myndighet": [(v, labels.of("authority", v)) for v in labels.options["authority"]],
    }
    return {name: [*choices, (UNKNOWN, _("Okänt"))] for name, choices in found.items()}


@dataclass
class Shown:
    """Applies the rule on small counts: exact figures, or 1–4 hidden."""

    exact: bool

    def count(self, n: int) -> Value:
        return n if self.exact or n == 0 or n >= SMALL else HIDDEN

    def share(self, numerator: int, denominator: int, percent: float | None = None) -> Value:
        """A percent of ``denominator``: hidden when either count would be (it would give that count away)."""
        if denominator == 0:
            return NONE
        if not self.exact and (0 < numerator < SMALL or denominator < SMALL):
            return HIDDEN
        return percent if percent is not None else round(100 * numerator / denominator, 1)

    def of_few(self, value: float | None, count: int) -> Value:
        """A median or mean of ``count`` durations: hidden when fewer than SMALL."""
        if value is None:
            return NONE
        return value if self.exact or count >= SMALL else HIDDEN


@dataclass(frozen=True)
class Report:
    query: Query
    figures: Figures
    exact: bool
    tables: dict[str, Table]
    goals: Mapping[str, int]
    notes: list[str] = field(default_factory=list)


def build(engine: WorkflowEngine, query: Query, labels: Labels, exact: bool,
          display_names: Callable[[Iterable[str]], Mapping[str, str]]) -> Report:
    """Every table of the query's figures, as the reader may see them."""
    follow_up = engine.follow_up
    figures = follow_up.figures(query.period, query.filters)
    genders = [query.filters.gender] if query.filters.gender else list(figures.by["gender"])
    unfiltered = query.filters == Filters(process_keys=query.process_keys)
    national = figures if unfiltered else follow_up.figures(query.period, Filters(process_keys=query.process_keys))
    goals, notes = _goals(engine, query.process_keys)
    shown = Shown(exact)
    split = [_by_dimension(d, figures, genders, labels, shown) for d in DIMENSIONS]
    tables = [
        _totals(figures.total, shown, split[0].rows[-1][1:]),
        *split,
        _outcomes(figures, labels, goals, shown),
        *_durations(figures, shown),
        _replies(figures, shown),
        *([table] if (table := _contacts(figures, shown)) is not None else []),
        _overdue(engine, query.process_keys, {p.key: p.name for p in engine.processes()}, shown),
        _caseload(figures, display_names(figures.caseload), shown),
        _months(figures, shown),
        *([_group_starts(figures, shown)] if figures.group_starts else []),
        _national(national, query, labels, shown),
    ]
    return Report(query, figures, exact, {t.key: t for t in tables}, goals, notes)


def _goals(engine: WorkflowEngine, keys: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """The plan's goals, when the interventions counted share them (else none: no goal fits all)."""
    each = [dict(engine.follow_up.indicators(k).goals) for k in keys]
    if each and all(g == each[0] for g in each):
        return each[0], []
    return {}, [_("Insatserna har olika mål; välj en insats för att jämföra utfallen med dess mål.")]


def _totals(total: Counts, shown: Shown, by_gender: Sequence[Value]) -> Table:
    """The totals; one the table by gender had to guard is guarded here too (the same number)."""
    return Table("deltagare", _("Deltagare"), _("Deltagare under perioden"), (_("Mått"), _("Antal")),
                 tuple((measure_label(m), GUARDED if by_gender[i] is GUARDED else shown.count(total.get(m)))
                       for i, m in enumerate(MEASURES)))


def _by_dimension(dimension: str, figures: Figures, genders: Sequence[str], labels: Labels,
                  shown: Shown) -> Table:
    measures = tuple(measure_label(m) for m in MEASURES)
    rows: list[tuple[Value, ...]] = []
    if dimension == "gender":
        for value, counts in figures.by["gender"].items():
            rows.append((labels.of("gender", value), *(shown.count(counts.get(m)) for m in MEASURES)))
        rows.append((_("Alla"), *(guarded(shown.count(figures.total.get(m)), [r[i + 1] for r in rows])
                                  for i, m in enumerate(MEASURES))))
        return Table("kon", _("Efter kön"), _("Deltagare efter kön"), (dimension_label("gender"), *measures),
                     tuple(rows))
    for value, counts in figures.by[dimension].items():
        name = labels.of(dimension, value)
        group: list[tuple[Value, ...]] = []
        for gender in genders:
            part = figures.by_gender[dimension].get(value, {}).get(gender, Counts())
            group.append((name, labels.of("gender", gender), *(shown.count(part.get(m)) for m in MEASURES)))
        if len(genders) > 1:
            group.append((name, _("Alla"), *(guarded(shown.count(counts.get(m)), [r[i + 2] for r in group])
                                             for i, m in enumerate(MEASURES))))
        rows.extend(group)
    key = {"age_band": "aldersgrupp", "municipality": "kommun", "authority": "myndighet"}[dimension]
    return Table(key, _("Efter %(dimension)s och kön", dimension=dimension_label(dimension).lower()),
                 _("Deltagare efter %(dimension)s och kön", dimension=dimension_label(dimension).lower()),
                 (dimension_label(dimension), _("Kön"), *measures), tuple(rows), row_headers=2,
                 note=_("Åldern är den deltagaren fyller under periodens sista år (efter födelseår).")
                 if dimension == "age_band" else "")


def _outcomes(figures: Figures, labels: Labels, goals: Mapping[str, int], shown: Shown) -> Table:
    outcomes = figures.outcomes
    found = {g for c in outcomes.by_gender.values() for g in c}
    genders = [*labels.options["gender"], *sorted(found - set(labels.options["gender"]))]
    cells: list[list[Value]] = []
    for category in (*CATEGORIES, OTHER):
        parts = [shown.count(outcomes.by_gender.get(category, {}).get(g, 0)) for g in genders]
        cells.append([*parts, guarded(shown.count(outcomes.by_category.get(category, 0)), parts)])
    columns = list(zip(*cells, strict=True))
    totals = [guarded(shown.count(sum(c.get(g, 0) for c in outcomes.by_gender.values())), columns[i])
              for i, g in enumerate(genders)]
    ended = guarded(shown.count(outcomes.ended), columns[-1])
    totals.append(ended)
    rows: list[tuple[Value, ...]] = []
    for category, row in zip((*CATEGORIES, OTHER), cells, strict=True):
        count = outcomes.by_category.get(category, 0)
        share = GUARDED if ended is GUARDED and outcomes.ended else shown.share(
            count, outcomes.ended, outcomes.shares.get(category))
        rows.append((category_label(category), *row, share, goals.get(category)))
    rows.append((_("Alla avslutade"), *totals, NONE, NONE))
    return Table("utfall", _("Utfall"), _("Utfall för deltagare som avslutades under perioden"),
                 (_("Utfall"), *(labels.of("gender", g) for g in genders), _("Totalt"), _("Andel (%)"),
                  _("Mål (%)")), tuple(rows),
                 note=_("Andelen är räknad på de deltaganden som avslutades under perioden."))


def _durations(figures: Figures, shown: Shown) -> tuple[Table, Table]:
    d = figures.durations
    summary = Table("tid", _("Tid i insatsen"), _("Tid i insatsen för deltagare som avslutades under perioden"),
                    (_("Mått"), _("Värde")),
                    ((_("Avslutade deltaganden"), shown.count(d.count)),
                     (_("Median (dagar)"), shown.of_few(d.median_days, d.count)),
                     (_("Medel (dagar)"), shown.of_few(d.mean_days, d.count))))
    bins = Table("tid_fordelning", _("Tid i insatsen, fördelning"),
                 _("Avslutade deltaganden efter tid i insatsen"), (_("Månader i insatsen"), _("Antal")),
                 tuple((_month_bin(name), shown.count(n)) for name, n in _bin_order(d.bins)))
    return summary, bins


def _bin_order(bins: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(bins.items(), key=lambda item: int(item[0].split("–")[0]))


def _month_bin(name: str) -> str:
    low, high = name.split("–")
    return _("%(low)s–%(high)s", low=low, high=high) if high else _("%(low)s eller fler", low=low)


def _replies(figures: Figures, shown: Shown) -> Table:
    r = figures.replies
    parts = [shown.count(r.on_time), shown.count(r.late), shown.count(r.unanswered)]
    due = guarded(shown.count(r.due), parts)
    share = GUARDED if due is GUARDED else shown.share(r.on_time, r.due, r.share_on_time)
    return Table("svar", _("Svar på remisser"), _("Remisser vars svar skulle ges under perioden"),
                 (_("Mått"), _("Värde")),
                 ((_("Svar som skulle ges"), due), (_("Besvarade i tid"), parts[0]),
                  (_("Besvarade för sent"), parts[1]), (_("Obesvarade"), parts[2]),
                  (_("Andel besvarade i tid (%)"), share)))


def _contacts(figures: Figures, shown: Shown) -> Table | None:
    """The monthly contact with the referrer, when the model declares its task."""
    c = figures.contacts
    if c is None:
        return None
    return Table("manadskontakt", _("Månadskontakt med remittenten"),
                 _("Månader som krävde kontakt med remittenten under perioden"), (_("Mått"), _("Värde")),
                 ((_("Månader som krävde kontakt"), shown.count(c.required)),
                  (_("Månader med kontakt"), shown.count(c.met)),
                  (_("Andel månader med kontakt (%)"), shown.share(c.met, c.required, c.share))))


def _overdue(engine: WorkflowEngine, keys: Sequence[str], names: Mapping[str, str], shown: Shown) -> Table:
    """The open tasks past their due date now, by kind: the work the period leaves behind."""
    found = engine.inbox.overdue(list(keys))
    rows = tuple((names.get(kind.process_key, kind.process_key), kind.title, shown.count(n)) for kind, n in found)
    return Table("forsenade", _("Försenade uppgifter just nu"), _("Öppna uppgifter vars förfallodag har passerat"),
                 (_("Insats"), _("Uppgift"), _("Antal")), rows, row_headers=2,
                 note=_("Räknas när sidan visas, inte för perioden."))


def _caseload(figures: Figures, contacts: Mapping[str, str], shown: Shown) -> Table:
    return Table("kontaktpersoner", _("Deltagare per kontaktperson"),
                 _("Aktiva deltagare per kontaktperson vid periodens slut"),
                 (_("Kontaktperson"), _("Aktiva deltagare")),
                 tuple((contacts.get(username, username), shown.count(n))
                       for username, n in figures.caseload.items()))


def _months(figures: Figures, shown: Shown) -> Table:
    return Table("manader", _("Månad för månad"), _("Deltagare månad för månad"),
                 (_("Månad"), _("Startade"), _("Avslutade"), _("Aktiva vid månadens slut")),
                 tuple((m.month, shown.count(m.started), shown.count(m.ended), shown.count(m.active_at_end))
                       for m in figures.months))


def _group_starts(figures: Figures, shown: Shown) -> Table:
    groups = figures.group_starts

    def count(n: int | None) -> Value:
        return shown.count(n) if n is not None else "–"

    def total(values: list[int | None]) -> Value:
        return shown.count(sum(v for v in values if v is not None))

    rows = tuple((g.day.isoformat(), count(g.proposed), count(g.selected), count(g.returned)) for g in groups)
    summed = (_("Alla gruppstarter"), total([g.proposed for g in groups]), total([g.selected for g in groups]),
              total([g.returned for g in groups]))
    return Table("gruppstarter", _("Gruppstarter och urval"),
                 _("Gruppstarter i perioden: förslag till urvalsmötet, utvalda och återförda till sin myndighet"),
                 (_("Gruppstart"), _("Förslag"), _("Utvalda"), _("Återförda")), (*rows, summed),
                 note=_("Ett urvalsmötes ärende per gruppstart; – där urvalet inte är gjort än."))


def _national(figures: Figures, query: Query, labels: Labels, shown: Shown) -> Table:
    found = {g for counts in figures.national.values() for g in counts}
    genders = [*labels.options["gender"], *sorted(found - set(labels.options["gender"]))]
    period = f"{query.first.isoformat()}–{query.last.isoformat()}"
    rows = []
    for key in query.process_keys:
        counts = figures.national.get(key, {})
        parts = [shown.count(counts.get(g, 0)) for g in genders]
        rows.append((labels.processes.get(key, key), period, *parts,
                     guarded(shown.count(sum(counts.values())), parts)))
    return Table("uppfoljning_finsam", _("Uppföljning Finsam"),
                 _("Aktiva deltagare per kön, insats och period (Uppföljning Finsam)"),
                 (_("Insats"), _("Period"), *(labels.of("gender", g) for g in genders), _("Totalt")), tuple(rows),
                 note=_("Alla aktiva deltagare under perioden, utan sidans filter."))


def plain(value: Any) -> Any:
    """A value as an export writes it: numbers as numbers, a hidden one as its text, none as empty."""
    if isinstance(value, Hidden):
        return value.text
    return "" if value is None else value
