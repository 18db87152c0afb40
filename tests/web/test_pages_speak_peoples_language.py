"""Every page of the demo speaks people's language: where a label exists, nobody reads an id.

The demo is deployed as `samverkan serve --demo` deploys it (processes/, then ``web.demo.seed``), and
several demo people — team leader, work coach, coordinator, case officer, admin, steering group,
referrer — read every page they may see of a few cases of both journeys: the inbox's tabs, the case
list and a search, the notifications, the operations page (admin), each case page (which is also
its printed summary: the print-only parts are in the same HTML), each open task and each finished
task (both at ``/cases/<case>/tasks/<task>`` and at ``/tasks/<task>``). What the page shows — its
text, not its attribute values, scripts, styles or hidden inputs; an option's text, not its value —
must contain no token that is exactly (case-sensitively) one of:

- the id of an element of the deployed models that has a name (a step, an event, a process, an
  enum value, a DMN decision …), or of a form field or DMN output (a process variable) that has a
  label;
- a demo user name (each has a display name), or one of the engine's own actors (``system``,
  ``scheduler``: the pages call them "Systemet");
- a role id (``teamledare``, ``sius-konsulent`` …: each has a label in ``web/ui/labels.py``), a
  message, status, event, notification kind or delivery status's id (labels.py names them all), a
  key of the data registration starts a case with (``case_record.STARTING_DATA``);
- ``None``, ``True`` or ``False``.

Many ids are also ordinary Swedish words that the labels themselves use: the field ``beslut`` is
labelled "Teamets beslut", the option ``antagen`` "Antagen", the field ``hemkommun`` "Deltagarens
hemkommun", and "Tilldelad: ingen" is the page's own Swedish. Such an id — a plain word (letters
only) that the models' names and labels or the pages' own texts (the catalog's Swedish) also use
as a word — is a leak only where it stands alone: the whole text between two tags or inside a
bracket, or an item of a comma-separated list that is one of those (``<dd>antagen</dd>``,
``(teamledare)``), which is how an id shows where its label should be. This computed list is the
test's allow-list; it takes no id with ``_``, ``.``, ``-`` or a digit, no user name, and no role id
the texts never use as a word (``koordinator``, ``handlaggare`` …: a test below says so), and those
are leaks wherever they appear. Text inside one of the models' own names or labels is not read for
ids at all: "Stöd vid sidan av (psykiatrin, …)" is a field's label, not the option ``psykiatrin``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from engine import events as engine_events
from engine.api import WorkflowEngine
from tests.web.browser import Person
from web.demo import DEMO_USERS, seed
from web.ui import case_record, labels

#: The demo people who read the pages, each as the role they stand for.
READERS = ("tove.teamledare", "arvid.arbetscoach", "karin.koordinator", "hanna.handlaggare", "admin",
           "stina.styrgrupp", "rebecka.remittent")
JOURNEYS = ("samverkansteamet", "gemensamma_taget")
#: Cases read per journey by each reader: the ones furthest along, and the newest.
CASES_EACH = 3

FORBIDDEN_WORDS = {"None", "True", "False"}
#: The pages' own texts: the catalog's message ids are the Swedish.
CATALOG = Path(__file__).resolve().parents[2] / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


class VisibleText(HTMLParser):
    """The text a person reads on a page: no scripts or styles, no attribute values (so no hidden
    inputs and no option values), nothing inside an element marked ``hidden``."""

    SKIPPED = frozenset({"script", "style", "template"})
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        #: Each run of text between two tags, as the page has it.
        self.chunks: list[str] = []
        self._skipping: list[str] = []  # the open elements whose text is not shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        if self._skipping or tag in self.SKIPPED or any(name == "hidden" for name, _ in attrs):
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)
            if data.strip():
                self.chunks.append(" ".join(data.split()))

    @classmethod
    def parsed(cls, html: str) -> VisibleText:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser

    @classmethod
    def of(cls, html: str) -> str:
        return " ".join("".join(cls.parsed(html).parts).split())


def tokens(text: str) -> set[str]:
    """The words of a text: runs of letters, digits, ``_``, ``.`` and ``-`` (so that user names such as
    ``arvid.arbetscoach`` and roles such as ``sius-konsulent`` stay whole), without the full stop or
    dash that ends a sentence or a clause."""
    return {t.strip(".-") for t in re.findall(r"[\w.-]+", text)} - {""}


def test_the_scanner_sees_what_people_see_and_only_that() -> None:
    html = ('<p>Tilldelad: arvid.arbetscoach.</p><script>var teamledare = 1</script><style>.None{}</style>'
            '<input type="hidden" name="beslut" value="True"><select><option value="sius-konsulent">'
            'SIUS-konsulent</option></select><form hidden><button>False</button></form>'
            '<p title="koordinator">Gruppen (sius-konsulent), <b>None</b></p><br><span>x&amp;y</span>')
    assert tokens(VisibleText.of(html)) == {"Tilldelad", "arvid.arbetscoach", "SIUS-konsulent", "Gruppen",
                                            "sius-konsulent", "None", "x", "y"}
    forbidden = {"beslut": "a field", "teamledare": "a role", "arvid.arbetscoach": "a user", "None": "None"}
    ordinary = {"beslut", "teamledare"}
    assert leaks(["Teamets beslut", "Meddela teamledare", "Gruppen (teamledare)", "beslut"], forbidden,
                 ordinary) == ["“beslut” (a field)", "“teamledare” (a role)"]
    assert leaks(["Tilldelad arvid.arbetscoach i går", "x None y"], forbidden, ordinary) == [
        "“None” (None)", "“arvid.arbetscoach” (a user)"]


# --- what must not be shown ----------------------------------------------------------------------


def model_ids(engine: WorkflowEngine) -> dict[str, str]:
    """Id → why it is forbidden, from every deployed model file: elements with a name, form fields
    and DMN outputs with a label."""
    found: dict[str, str] = {}
    for process in engine.processes():
        for version in engine.versions(process.key):
            for source in engine.version_files(process.key, version.version):
                root = ET.fromstring(source.content)
                for element in root.iter():
                    kind = element.tag.rpartition("}")[2]
                    if element.get("id") and element.get("name") and kind != "property" \
                            and element.get("name") != element.get("id"):
                        found[str(element.get("id"))] = f"the id of {kind} “{element.get('name')}” in {source.name}"
                    if element.get("id") and element.get("label") and kind == "formField":
                        found[str(element.get("id"))] = f"form field “{element.get('label')}” in {source.name}"
                    if element.get("name") and element.get("label") and kind == "output":
                        found[str(element.get("name"))] = f"decision output “{element.get('label')}” in {source.name}"
    return found


def forbidden_tokens(engine: WorkflowEngine) -> dict[str, str]:
    found = model_ids(engine)
    for username, (name, _, _) in DEMO_USERS.items():
        found[username] = f"the user name of {name}"
    for actor, name in case_record.SYSTEM_ACTORS.items():
        found[actor] = f"the engine's actor “{name}”"
    for table, what in ((labels.ROLES, "role"), (labels.MESSAGES, "message"), (labels.STATUSES, "status"),
                        (labels.EVENTS, "event"), (labels.NOTIFICATION_KINDS, "notification kind"),
                        (labels.DELIVERY_STATUSES, "delivery status")):
        for key, label in table.items():
            found[key] = f"the {what} id of “{label}”"
    for key, label in case_record.STARTING_DATA.items():
        found[key] = f"the data key of “{label}”"
    for word in FORBIDDEN_WORDS:
        found[word] = "a Python value"
    return found


def test_everyone_in_the_demos_histories_has_a_name(demo: Demo) -> None:
    """The user names the pages must not show are all the demo's: every actor of its cases is a
    demo user (with a display name) or one of the engine's own."""
    actors = {e.actor for c in demo.engine.cases() for e in demo.engine.history(c.id)}
    assert actors <= set(DEMO_USERS) | set(case_record.SYSTEM_ACTORS), actors - set(DEMO_USERS)


def test_the_forbidden_list_knows_the_models_and_the_people(demo: Demo) -> None:
    """Without this, a list emptied by mistake would pass every page."""
    forbidden = demo.forbidden
    assert {"samverkansteamet", "gemensamma_taget", "arvid.arbetscoach", "teamledare", "sius-konsulent",
            "koordinator", "handlaggare", "None", "True", "False", "TaskCompleted", "open"} <= set(forbidden)
    assert "aldersgrupp" in forbidden, "a decision's output with a label"
    assert any("form field" in why for why in forbidden.values())
    assert engine_events.TaskCompleted.event in forbidden
    # Role ids the pages' texts never use as words stay leaks wherever they appear.
    assert not {"koordinator", "handlaggare", "arbetscoach", "styrgrupp", "sius-konsulent", "None"} & demo.ordinary


# --- the demo and its readers ---------------------------------------------------------------------


class Demo:
    def __init__(self, app: Flask, engine: WorkflowEngine, passwords: dict[str, str]) -> None:
        self.app = app
        self.engine = engine
        self.passwords = passwords
        self.forbidden = forbidden_tokens(engine)
        self.ordinary = ordinary_words(engine)
        self.labelled = labelled_pattern(engine)

    def reader(self, username: str) -> Person:
        person = Person(self.app)
        answer = person.sign_in(username, self.passwords[username])
        assert answer.status_code in (302, 303), f"{username} could not sign in"
        return person


@pytest.fixture
def demo(app: Flask, shipped: WorkflowEngine) -> Iterator[Demo]:
    """`serve --demo`: processes/ deployed, the demo's users and cases; then an hour on, so that the
    back-dated cases' deadlines have fired and there are reminders and escalations to read."""
    passwords = seed(shipped, app.extensions["samverkan.accounts"])
    # Every status a case can have, in both journeys (the demo's cases are all open): one on sick
    # leave (paused by its model), one paused and one closed by hand, one whose consent was revoked.
    for key, leader in (("samverkansteamet", "tove.teamledare"), ("gemensamma_taget", "karin.koordinator")):
        cases = sorted(shipped.cases(key), key=lambda c: (c.created_at, c.id))
        sick = next((c for c in cases if "sjukskrivning_rapporterad" in shipped.waiting_messages(c.id)), None)
        if sick is not None:
            shipped.send_message(sick.id, "sjukskrivning_rapporterad", {}, leader)
        rest = [c for c in cases if sick is None or c.id != sick.id]
        shipped.pause_case(rest[0].id, "Deltagaren har flyttat tillfälligt", leader)
        shipped.cancel_case(rest[1].id, "Deltagaren har fått arbete", leader)
        if "samtycke_aterkallat" in shipped.waiting_messages(rest[2].id):
            shipped.send_message(rest[2].id, "samtycke_aterkallat", {}, leader)
    shipped.advance_clock(timedelta(hours=1))
    yield Demo(app, shipped, passwords)


def alone(token: str, chunk: str) -> bool:
    """Whether the token is the whole of a text between two tags, of a bracket's content, or an item
    of a comma-separated list that is one of those: where a value or a label stands, not a sentence."""
    for whole in (chunk, *re.findall(r"\(([^()]*)\)", chunk)):
        if any(item.strip(" .·:–-") == token for item in whole.split(",")):
            return True
    return False


def leaks(chunks: list[str], forbidden: dict[str, str], ordinary: AbstractSet[str] = frozenset(),
          labelled: re.Pattern[str] | None = None) -> list[str]:
    """The forbidden tokens of a page's texts, each with why: an ordinary word only where it stands
    alone, and nothing inside a name or label of the models (``labelled``): "Stöd vid sidan av
    (psykiatrin, …)" is a field's label, not the option ``psykiatrin`` shown bare."""
    found = set()
    for chunk in chunks:
        rest = labelled.sub(" ", chunk) if labelled is not None else chunk
        found |= {t for t in tokens(rest) if t in forbidden and (t not in ordinary or alone(t, rest))}
    return sorted(f"“{t}” ({forbidden[t]})" for t in found)


WORD = re.compile(r"[^\W\d_]+")


def model_texts(engine: WorkflowEngine) -> set[str]:
    """Every name and label of the deployed models (steps, fields, options, decisions …)."""
    texts: set[str] = set()
    for process in engine.processes():
        for version in engine.versions(process.key):
            for source in engine.version_files(process.key, version.version):
                root = ET.fromstring(source.content)
                texts |= {str(e.get(a)) for e in root.iter() for a in ("name", "label")
                          if e.get(a) and not e.tag.endswith("}property")}
    return texts


def ordinary_words(engine: WorkflowEngine) -> set[str]:
    """The plain words (letters only) the models' names and labels and the pages' own Swedish texts use."""
    texts = [str(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(CATALOG.open("rb")) if m.id]
    texts += model_texts(engine)
    return {w for text in texts for w in tokens(text) if WORD.fullmatch(w)} - FORBIDDEN_WORDS


def labelled_pattern(engine: WorkflowEngine) -> re.Pattern[str]:
    """The models' names and labels, longest first, as whole words."""
    texts = sorted(model_texts(engine), key=len, reverse=True)
    return re.compile("|".join(rf"(?<![\w.-]){re.escape(t)}(?![\w-])" for t in texts))


class Reading:
    """One reader's pages, each read once, with what each page leaked."""

    def __init__(self, demo: Demo, username: str) -> None:
        self.demo = demo
        self.username = username
        self.person = demo.reader(username)
        self.read: set[str] = set()
        self.found: dict[str, list[str]] = {}

    def page(self, path: str, **kwargs: Any) -> str:
        """The page's HTML, after checking that it is a page this reader may see (200) and reading it."""
        answer = self.person.get(path, **kwargs)
        assert answer.status_code == 200, f"{self.username}: GET {path} answered {answer.status_code}"
        key = path + (f"?{kwargs['query_string']}" if "query_string" in kwargs else "")
        if key not in self.read:
            self.read.add(key)
            found = leaks(VisibleText.parsed(answer.text).chunks, self.demo.forbidden, self.demo.ordinary,
                          self.demo.labelled)
            if found:
                self.found[f"{self.username} at {key}"] = found
        return answer.text


def cases_to_read(demo: Demo, listed: list[str]) -> list[str]:
    """Of the cases a reader's list shows, per journey: the ones with the longest history, the newest,
    and one of every other status (paused, completed, cancelled) there is."""
    chosen: list[str] = []
    for key in JOURNEYS:
        mine = [demo.engine.case(c) for c in listed]
        mine = [c for c in mine if c.process_key == key]
        longest = sorted(mine, key=lambda c: (-len(demo.engine.history(c.id)), c.id))[:CASES_EACH - 1]
        newest = sorted(mine, key=lambda c: (c.created_at, c.id), reverse=True)[:1]
        others = [[c for c in mine if c.status == s][-1] for s in ("paused", "completed", "cancelled")
                  if any(c.status == s for c in mine)]
        chosen += [c.id for c in longest + newest + others if c.id not in chosen]
    return chosen


def read_everything(demo: Demo, username: str) -> Reading:
    reading = Reading(demo, username)
    user = demo.app.extensions["samverkan.accounts"].user(username)
    if user.is_staff or user.is_admin:
        for tab in ("mine", "group", "all"):
            reading.page("/inbox", query_string=f"tab={tab}")
    reading.page("/notifications")
    if user.is_admin:
        reading.page("/operations")
    listed: list[str] = []
    for status in ("", "open", "completed", "cancelled", "paused"):
        html = reading.page("/cases", query_string=f"per_page=100&status={status}")
        listed += [c for c in re.findall(r'href="/cases/([^"/?#]+)"', html) if c not in listed]
    named = [n for c in listed if (n := demo.engine.case(c).participant.get("name"))]  # a meeting has nobody
    if named:
        reading.page("/cases", query_string=f"q={named[0].split()[0]}")
    for case_id in cases_to_read(demo, listed):
        html = reading.page(f"/cases/{case_id}")
        # The team's open tasks are the team's: the referrer gets 404 (web/authz.py, SEES).
        for task in demo.engine.case(case_id).open_tasks if user.is_staff or user.is_admin else ():
            reading.page(f"/tasks/{task.id}")
        for task_id in dict.fromkeys(re.findall(rf'href="/cases/{case_id}/tasks/([^"/?#]+)"', html)):
            reading.page(f"/cases/{case_id}/tasks/{task_id}")
            finished = reading.person.get(f"/tasks/{task_id}", follow_redirects=True)
            assert finished.status_code == 200 and "Det som lämnades in" in finished.text, \
                f"{username}: /tasks/{task_id} of a finished task does not show it"
    return reading


@pytest.mark.parametrize("username", READERS)
def test_no_page_shows_an_id_where_a_label_exists(demo: Demo, username: str) -> None:
    reading = read_everything(demo, username)
    assert len(reading.read) >= 5, f"{username} read too little to tell: {sorted(reading.read)}"
    assert not reading.found, "ids on the pages where people read labels:\n" + "\n".join(
        f"{page}: {', '.join(found)}" for page, found in sorted(reading.found.items()))


def test_every_journey_and_kind_of_page_is_read(demo: Demo) -> None:
    """The scan reaches what it claims to: cases of both journeys, open and finished tasks."""
    reading = read_everything(demo, "tove.teamledare")
    karin = read_everything(demo, "karin.koordinator")
    pages = reading.read | karin.read
    assert any(p.startswith("/tasks/") for p in pages), "an open task"
    assert any(re.match(r"/cases/[^/]+/tasks/", p) for p in pages), "a finished task"
    journeys = {demo.engine.case(p.split("/")[2]).process_key for p in pages
                if re.fullmatch(r"/cases/[^/?]+", p)}
    assert journeys == set(JOURNEYS)
    statuses = {demo.engine.case(p.split("/")[2]).status for p in pages if re.fullmatch(r"/cases/[^/?]+", p)}
    assert statuses >= {"open", "paused", "cancelled"}, statuses


def test_the_scan_fails_on_a_leak(demo: Demo) -> None:
    """A page that shows a role id, a user name and a step's id is caught, and named."""
    text = "Tilldelad: arvid.arbetscoach (teamledare) · steg " + next(
        k for k, why in demo.forbidden.items() if why.startswith("the id of userTask"))
    assert len(leaks([text], demo.forbidden, demo.ordinary)) == 3
    assert leaks(["Teamets beslut", "antagen"], demo.forbidden, demo.ordinary) == [
        "“antagen” (the id of value “Antagen” in samverkansteamet.bpmn)"]


def test_a_finished_tasks_own_address_shows_its_record_to_whoever_may_read_its_case(demo: Demo) -> None:
    """``/tasks/<task>`` of a finished task (a bookmark, a page reloaded after someone else
    completed it) shows who completed it, when and what, as the case's record does; someone who
    may not read the case learns nothing of it."""
    case = next(c for c in demo.engine.cases("samverkansteamet")
                if any(e.event == "TaskCompleted" for e in demo.engine.history(c.id)))
    done = next(e for e in demo.engine.history(case.id) if e.event == "TaskCompleted")
    task_id = done.details["task_id"]

    tove = demo.reader("tove.teamledare")
    answer = tove.get(f"/tasks/{task_id}")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/cases/{case.id}/tasks/{task_id}")
    tove.follow(answer)
    assert "Det som lämnades in" in tove.text() and "Slutförd" in tove.text()

    karin = demo.reader("karin.koordinator")  # Gemensamma taget only
    answer = karin.get(f"/tasks/{task_id}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/inbox")
    # With the case in the address (as the notifications link), she goes back where she came from,
    # which is no page of hers.
    answer = karin.get(f"/tasks/{task_id}", query_string={"next": f"/cases/{case.id}"})
    assert "/tasks/" not in answer.headers["Location"] and karin.follow(answer).status_code == 404
    assert karin.get(f"/cases/{case.id}/tasks/{task_id}").status_code == 404
