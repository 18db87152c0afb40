"""A day per role on the demo, in the browser (issue 15): the team leader, the coordinator, the
handläggare and the contact person each register a participant, open the first task with nothing
the registration asked asked again, meet a decision that refuses a blank submit, find the case by
the last four digits of the personnummer, print it, and look at the inbox on a phone — axe-core
clean in Swedish and in English, with screenshots in tests/artifacts/day_<role>_*.png.

Everyone here may register (web/authz.py: staff of the intervention start its cases). The
handläggare and the contact person cannot work the first task of the case they registered (it is
the coordinator's and the team leader's), so their first task and their decision are the first
task in their own "Mina uppgifter" on the demo.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import LiveServer, new_context, screenshot, sign_in
from tests.browser.test_accessibility import Audit
from tests.web.conftest import personnummer

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CASE_URL = re.compile(r"/cases/[^/?#]+$")
TASK_URL = re.compile(r"/tasks/[^/?#]+$")


@pytest.fixture
def audited(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # axe is injected as an inline script, which the app's policy refuses (test_accessibility.py).
    context = new_context(browser, live_server, bypass_csp=True)
    yield context
    context.close()


@dataclass
class Day:
    """One person's day: their page, the axe-core findings so far and where screenshots go."""

    page: Page
    role: str
    audit: Audit = field(init=False)

    def __post_init__(self) -> None:
        self.audit = Audit(self.page)

    def check(self, what: str) -> None:
        self.audit.check(f"{self.role}: {what}")

    def shoot(self, what: str) -> None:
        screenshot(self.page, f"day_{self.role}_{what}")

    def clean(self) -> None:
        problems = self.audit.blocking()
        assert not problems, f"axe-core found serious or critical violations:\n{problems}"


@dataclass(frozen=True)
class Participant:
    name: str
    personnummer: str
    #: the registration form's own questions: field id → value (an option's id for a choice)
    answers: dict[str, str]

    @property
    def last_four(self) -> str:
        return self.personnummer[-4:]


@dataclass(frozen=True)
class Asked:
    """What a form asks: its fields' names and their labels (without "(obligatoriskt)")."""

    names: frozenset[str]
    labels: frozenset[str]


#: A field's label or a yes/no's legend, without "(obligatoriskt)" and hints.
LABEL_TEXT = """els => els.map(e => {
  const label = e.cloneNode(true);
  label.querySelectorAll(".required, .hint").forEach(x => x.remove());
  return label.textContent.replace(/\\s+/g, " ").trim();
})"""


def asked_by(form: Locator) -> Asked:
    names = form.locator("input:not([type=hidden]), select, textarea").evaluate_all("els => els.map(e => e.name)")
    labels = form.locator("label:not(.yesno-option), fieldset.yesno > legend").evaluate_all(LABEL_TEXT)
    return Asked(frozenset(n for n in names if n), frozenset(t for t in labels if t))


# --- the steps of a day ---------------------------------------------------------------------------------

def register(day: Day, participant: Participant, journey: str) -> Asked:
    """Through "Registrera deltagare": the one journey's form at once, the personnummer answering
    birth year and gender. Lands on the new case; returns what the registration asked."""
    page = day.page
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Registrera deltagare").click()
    expect(page).to_have_url(re.compile(r"/register/[a-z_]+$"))  # only one journey: straight to its form
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Registrera deltagare i {journey}")
    hint = page.locator("p.hint", has_text="Ur personnumret hämtas")
    expect(hint).to_contain_text("födelseår")
    expect(hint).to_contain_text("kön")
    form = page.locator("form.stacked")
    asked = asked_by(form)
    assert {"name", "personnummer", *participant.answers} <= asked.names, asked.names
    assert not {"fodelsear", "kon"} & asked.names, "the personnummer answers birth year and gender"
    assert len(asked.labels) == len(asked.names) and "Personnummer" in asked.labels, asked.labels
    day.check("registration")

    page.locator("#r-name").fill(participant.name)
    page.locator("#r-personnummer").fill(participant.personnummer)
    for name, value in participant.answers.items():
        answer = form.locator(f"[name='{name}']")
        if answer.evaluate("e => e.tagName") == "SELECT":
            answer.select_option(value)
        else:
            answer.fill(value)
    day.shoot("1_registration")
    form.get_by_role("button", name="Registrera och starta ärendet").click()

    expect(page).to_have_url(CASE_URL)
    expect(page.locator(".flash-success")).to_have_text("Deltagaren är registrerad och ärendet startat.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(participant.name)
    # What registration recorded, the birth year read from the personnummer among it.
    at_registration = page.locator(".data-group").filter(
        has=page.get_by_role("heading", name="Vid registreringen", exact=True))
    expect(at_registration).to_contain_text(participant.answers["remittent"])
    expect(at_registration.locator("dd", has_text=re.compile(rf"^{participant.personnummer[:4]}$"))).to_have_count(1)
    day.check("the registered case")
    return asked


def first_task_of_the_case(day: Day, title: str, offered_to: str) -> Locator:
    """The new case's first step, from "Just nu" on its page: the link to its task."""
    now = day.page.locator("section[aria-labelledby='now-title']")
    step = now.locator("li", has=day.page.get_by_role("link", name=title, exact=True))
    expect(step).to_contain_text(offered_to)
    return step.get_by_role("link", name=title, exact=True)


def open_task(day: Day, link: Locator, title: str) -> Locator:
    """The task's page; returns its form (to complete it)."""
    link.click()
    expect(day.page).to_have_url(TASK_URL)
    expect(day.page.get_by_role("heading", level=1)).to_have_text(title)
    return day.page.locator(".task-form form[action$='/complete']")


def nothing_asked_again(form: Locator, registration: Asked) -> None:
    expect(form).to_be_visible()
    task = asked_by(form)
    assert task.names, "the task's form asks something"
    again = (task.names & registration.names) | (task.labels & registration.labels)
    assert not again, f"asked at registration and again by the task: {sorted(again)}"


def blank_decision_is_refused(day: Day, form: Locator, decision: str, title: str,
                              fill_in: Callable[[], None]) -> None:
    """Fill in everything but the decision and submit: refused in Swedish at the decision alone, and
    nothing recorded (the task still open on its case, which holds no more answers of it than before).
    Back on the task's form, blank, afterwards."""
    page = day.page
    task_url = page.url
    task_link = f"a[href='{urlparse(task_url).path}']"
    case_url = page.locator(".case-context").get_by_role("link", name="Öppna ärendet").get_attribute("href") or ""
    recorded = page.locator(".data-group").filter(has=page.get_by_role("heading", name=title, exact=True))
    page.goto(case_url)
    before = recorded.count()

    page.goto(task_url)
    fill_in()
    form.get_by_role("button", name="Slutför uppgiften").click()
    expect(page.locator(".flash-error")).to_have_text("Formuläret har fel. Rätta de markerade fälten.")
    swedish = re.compile(r"^(obligatoriskt fält|välj ja eller nej)$")
    expect(page.locator(f"#field-{decision}-error")).to_have_text(swedish)
    expect(page.locator(".field-error")).to_have_count(1)  # the decision alone was left unanswered
    day.shoot("3_blank_decision_refused")
    day.check("a decision left blank")

    page.goto(case_url)
    expect(page.locator("section[aria-labelledby='now-title']").locator(task_link)).to_have_text(title)
    expect(recorded).to_have_count(before)
    page.goto(task_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def complete(day: Day, form: Locator, title: str) -> None:
    form.get_by_role("button", name="Slutför uppgiften").click()
    expect(day.page).to_have_url(CASE_URL)
    expect(day.page.locator(".flash-success")).to_have_text(f"Klart: {title}.")


def my_first_task(day: Day, title: str) -> Locator:
    """The first task called `title` in "Mina uppgifter"."""
    page = day.page
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Inkorg").click()
    page.get_by_role("navigation", name="Flikar").get_by_role("link", name=re.compile("^Mina uppgifter")).click()
    expect(page).to_have_url(re.compile(r"tab=mine"))
    day.check("inbox, my tasks")
    return page.locator("table.tasks tbody td.title").get_by_role("link", name=title, exact=True).first


def search_by_last_four(day: Day, participant: Participant) -> None:
    """"Ärenden", the search box, the last four digits: the participant's case, opened."""
    page = day.page
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Ärenden").click()
    page.get_by_label("Sök deltagare").fill(participant.last_four)
    page.get_by_label("Sök deltagare").press("Enter")
    expect(page).to_have_url(re.compile(rf"q={participant.last_four}"))
    expect(page.locator("#result-count")).to_contain_text(f"sökning: ”{participant.last_four}”")
    found = page.locator("table tbody tr").filter(has=page.get_by_role("link", name=participant.name, exact=True))
    expect(found).to_have_count(1)
    expect(found).to_contain_text(f"{participant.personnummer[:8]}-****")
    day.shoot("4_search_last_four")
    day.check("cases found by the last four digits")
    found.get_by_role("link", name=participant.name).click()
    expect(page).to_have_url(CASE_URL)
    expect(page.get_by_role("heading", level=1)).to_contain_text(participant.name)


def print_view(day: Day, participant: Participant) -> None:
    """The case page on paper: the participant and the decisions, no menus, forms or buttons."""
    page = day.page
    page.emulate_media(media="print")
    try:
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.get_by_role("navigation")).to_have_count(0)
        for form in page.locator("main form").all():
            expect(form).to_be_hidden()
        expect(page.locator("main button:visible")).to_have_count(0)
        expect(page.locator(".print-meta")).to_be_visible()
        expect(page.locator(".print-meta")).to_contain_text("Utskrift ur samverkan")
        expect(page.get_by_role("heading", level=1)).to_contain_text(participant.name)
        expect(page.locator("section[aria-labelledby='participant-title']")).to_be_visible()
        day.shoot("5_print")
    finally:
        page.emulate_media(media="screen")


def phone_inbox(day: Day, lang: str) -> None:
    """The inbox 390 px wide: one card per task, nothing scrolling sideways."""
    page = day.page
    page.set_viewport_size(PHONE)
    try:
        page.goto("/inbox?tab=all")
        expect(page.locator("table.tasks tbody tr").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the inbox scrolls sideways on a phone: {width} px wide"
        day.shoot(f"6_phone_inbox_{lang}")
        day.check(f"{lang} inbox on a phone")
    finally:
        page.set_viewport_size(DESKTOP)


def in_english(day: Day, case_url: str) -> None:
    """The header's "English": the inbox, a task form (the first in "Mina uppgifter") and the case
    page, each checked, and the inbox on a phone."""
    page = day.page
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/inbox?tab=mine")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    day.check("en inbox")
    page.locator("table.tasks tbody td.title a").first.click()
    expect(page).to_have_url(TASK_URL)
    expect(page.get_by_role("heading", level=2, name="Form")).to_be_visible()
    day.check("en task form")
    day.shoot("7_task_en")
    page.goto(case_url)
    expect(page.get_by_role("heading", level=2, name="Participant")).to_be_visible()
    day.check("en case page")
    day.shoot("8_case_en")
    phone_inbox(day, "en")
    page.get_by_role("button", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")


# --- the roles ------------------------------------------------------------------------------------------

def test_a_team_leaders_day(audited: BrowserContext, live_server: LiveServer) -> None:
    day = Day(audited.new_page(), "teamledare")
    page = day.page
    sign_in(page, live_server, "tove.teamledare")
    day.check("inbox")
    dagny = Participant("Dagny Dagsson", personnummer("19900115", "472"), {
        "hemkommun": "Hällefors", "remitterande_myndighet": "FK",
        "remittent": "Fia Handläggare, Försäkringskassan, tel. 010-116 00 00",
        "samtycke_datum": "2026-01-09", "samtycke_omfattning": "Försäkringskassan, Arbetsförmedlingen och kommunen"})
    registration = register(day, dagny, "Samverkansteamet")
    case_url = page.url

    # The first task asks for the meeting's date alone.
    form = open_task(day, first_task_of_the_case(day, "Registrera bokat informationsmöte", "Teamledare"),
                     "Registrera bokat informationsmöte")
    nothing_asked_again(form, registration)
    day.shoot("2_first_task")
    day.check("the first task")
    form.get_by_label("Datum för informationsmötet").fill("2026-01-19")
    complete(day, form, "Registrera bokat informationsmöte")

    # The information meeting: the participant's answer is asked on purpose, never defaulted.
    title = "Hålla informationsmöte"
    form = open_task(day, first_task_of_the_case(day, title, "Teamledare"), title)
    expect(form.locator("#field-deltagarens_svar")).to_have_value("")

    def fill_in() -> None:
        form.locator("#field-teammedlem_1").select_option("tove.teamledare")
        form.locator("#field-teammedlem_2").select_option("arvid.arbetscoach")

    blank_decision_is_refused(day, form, "deltagarens_svar", title, fill_in)
    fill_in()
    form.locator("#field-deltagarens_svar").select_option("ja")
    complete(day, form, title)

    search_by_last_four(day, dagny)
    print_view(day, dagny)
    phone_inbox(day, "sv")
    in_english(day, case_url)
    day.clean()


def test_a_coordinators_day(audited: BrowserContext, live_server: LiveServer) -> None:
    day = Day(audited.new_page(), "koordinator")
    page = day.page
    sign_in(page, live_server, "karin.koordinator")
    day.check("inbox")
    kalle = Participant("Kalle Koordinatsson", personnummer("19920220", "581"), {
        "hemkommun": "Umeå", "remitterande_myndighet": "AF",
        "remittent": "Per Arbetsförmedlare, Arbetsförmedlingen, tel. 0771-416 416",
        "samtycke_datum": "2026-01-08", "samtycke_omfattning": "Arbetsförmedlingen och socialtjänsten"})
    registration = register(day, kalle, "Gemensamma taget")
    case_url = page.url

    # The first task: the referral's material and whom the person is known to; whether they took
    # part before is a yes or no with neither chosen.
    title = "Registrera remiss till rekryteringsgruppen"
    form = open_task(day, first_task_of_the_case(day, title, "Koordinator"), title)
    nothing_asked_again(form, registration)
    day.shoot("2_first_task")
    day.check("the first task")
    decision = form.get_by_role("group", name=re.compile("deltagit i Gemensamma taget tidigare"))
    expect(decision.get_by_role("radio")).to_have_count(2)
    expect(decision.get_by_role("radio", name="Ja")).not_to_be_checked()
    expect(decision.get_by_role("radio", name="Nej")).not_to_be_checked()

    def fill_in() -> None:
        form.locator("#field-remiss_inkom").fill("2026-01-12")
        form.locator("#field-utredningsmaterial").fill("Arbetsförmåga utredd av Försäkringskassan, i journalen.")
        form.locator("#field-utredningsmaterial_datum").fill("2025-12-01")
        form.get_by_label("Aktuell hos Försäkringskassan").check()
        form.get_by_label("Aktuell hos socialtjänsten").check()

    blank_decision_is_refused(day, form, "tidigare_deltagit", title, fill_in)
    fill_in()
    decision.get_by_role("radio", name="Nej").check()
    complete(day, form, title)

    search_by_last_four(day, kalle)
    print_view(day, kalle)
    phone_inbox(day, "sv")
    in_english(day, case_url)
    day.clean()


def test_a_handlaggares_day(audited: BrowserContext, live_server: LiveServer) -> None:
    day = Day(audited.new_page(), "handlaggare")
    page = day.page
    sign_in(page, live_server, "hanna.handlaggare")
    day.check("inbox")
    hugo = Participant("Hugo Handlagg", personnummer("19940330", "693"), {
        "hemkommun": "annan", "remitterande_myndighet": "socialtjansten",
        "remittent": "Sara Socialsekreterare, socialtjänsten, tel. 090-16 10 00"})
    registration = register(day, hugo, "Gemensamma taget")
    case_url = page.url

    # The case's first step is the coordinator's: she sees it, and is asked nothing there.
    title = "Registrera remiss till rekryteringsgruppen"
    first = first_task_of_the_case(day, title, "Koordinator")
    form = open_task(day, first, title)
    expect(form).to_have_count(0)
    expect(page.locator(".task-form .notice")).to_contain_text("kan inte slutföra den")
    day.shoot("2_first_step_of_the_case")
    day.check("the first step, someone else's")

    # Her own first task: an application to the rehabilitation fund, whose measure is chosen on purpose.
    title = "Ansöka om insats ur rehabpotten (vid behov)"
    form = open_task(day, my_first_task(day, title), title)
    nothing_asked_again(form, registration)
    day.shoot("2_first_task")
    day.check("the first task")
    expect(form.locator("#field-rehabpott_insats")).to_have_value("")

    def fill_in() -> None:
        form.locator("#field-rehabpott_beskrivning").fill("Kortare kurs i truckkörning.")
        form.locator("#field-rehabpott_motivering").fill("Ger behörighet för lagerjobb nära hemmet.")

    blank_decision_is_refused(day, form, "rehabpott_insats", title, fill_in)
    fill_in()
    form.locator("#field-rehabpott_insats").select_option("kortare_utbildning")
    complete(day, form, title)

    search_by_last_four(day, hugo)
    print_view(day, hugo)
    phone_inbox(day, "sv")
    in_english(day, case_url)
    day.clean()


def test_a_contact_persons_day(audited: BrowserContext, live_server: LiveServer) -> None:
    day = Day(audited.new_page(), "kontaktperson")
    page = day.page
    sign_in(page, live_server, "arvid.arbetscoach")
    day.check("inbox")
    kim = Participant("Kim Kontaktsson", personnummer("19960412", "714"), {
        "hemkommun": "Nora", "remitterande_myndighet": "AF",
        "remittent": "Ali Arbetsförmedlare, Arbetsförmedlingen, tel. 0771-416 416",
        "samtycke_datum": "2026-01-10", "samtycke_omfattning": "Arbetsförmedlingen och kommunen"})
    registration = register(day, kim, "Samverkansteamet")
    case_url = page.url

    # The case's first step is the team leader's: he sees it, and is asked nothing there.
    title = "Registrera bokat informationsmöte"
    form = open_task(day, first_task_of_the_case(day, title, "Teamledare"), title)
    expect(form).to_have_count(0)
    expect(page.locator(".task-form .notice")).to_contain_text("kan inte slutföra den")
    day.shoot("2_first_step_of_the_case")
    day.check("the first step, someone else's")

    # His own first task: a mapping conversation with a participant he is contact person for.
    title = "Kartläggande samtal"
    form = open_task(day, my_first_task(day, title), title)
    nothing_asked_again(form, registration)
    day.shoot("2_first_task")
    day.check("the first task")
    decision = form.get_by_role("group", name=re.compile("Behövs fler samtal"))
    expect(decision.get_by_role("radio", name="Ja")).not_to_be_checked()
    expect(decision.get_by_role("radio", name="Nej")).not_to_be_checked()

    def fill_in() -> None:
        form.locator("#field-samtal_datum").fill("2026-01-12")
        form.locator("#field-kartlaggning_anteckning").fill("Kartläggning enligt mallen; vill mot lager.")

    blank_decision_is_refused(day, form, "fler_samtal", title, fill_in)
    fill_in()
    decision.get_by_role("radio", name="Ja").check()
    complete(day, form, title)

    search_by_last_four(day, kim)
    print_view(day, kim)
    phone_inbox(day, "sv")
    in_english(day, case_url)
    day.clean()
