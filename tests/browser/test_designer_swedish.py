"""The BPMN designer in Swedish, as a Swedish process designer sees it at 1600×1000: every group of
the properties panel of each kind of element, the palette, the context pad and the replace menu show
Swedish (a translation from web/assets/shared/translations_sv.json) or the model's own data, never
the libraries' English; the group "Samverkan" writes `eskalera_till` as docs/modeling.md says, with
undo; the engine's ignored Camunda groups are gone; minimap and zoom buttons work; axe finds
nothing. The decision table editor is Swedish too. Chosen English, the panel is English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from lxml import etree
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import AXE, CSP_LISTENER, ROOT, new_context, screenshot
from tests.browser.test_designer import PASSWORD, Studio, open_group, select, studio  # noqa: F401 (fixture)

SWEDISH = json.loads((ROOT / "web" / "assets" / "shared" / "translations_sv.json").read_text(encoding="utf-8"))
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"

#: One element of each kind in samverkansteamet.bpmn (None: the process, shown when nothing is selected).
ELEMENTS = {
    "process": None,
    "user task": "informationsmote",
    "timer boundary event": "eskalering_svarstid",
    "gateway": "gw_antagen",
    "sequence flow": "f_antagen",
    "business rule task": "bestam_motesplats",
    "message event": "samtycke_aterkallat",
    "notice event": "svar_skickat",
}
#: Camunda 7 groups the engine does not run: the panel must not show them.
HIDDEN = ("Asynkrona fortsättningar", "Jobbkörning", "Körningslyssnare", "Uppgiftslyssnare", "Historikrensning",
          "Extern uppgift", "Indataparametrar", "Versionsetikett", "Får starta processen")

#: Everything visible or announced in the panel, the palette and the context pad: text nodes of
#: rendered elements, and the titles, labels, placeholders and options they carry (not the
#: containers' own: the page's template names them).
VISIBLE_TEXTS = """
(selectors) => {
  const found = [];
  for (const selector of selectors) {
    for (const root of document.querySelectorAll(selector)) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (parent.closest("datalist, style, script")) continue;
        if (parent.tagName === "OPTION" || parent.checkVisibility()) found.push(node.textContent);
      }
      for (const element of root.querySelectorAll("[title], [aria-label], [placeholder]")) {
        if (element.closest("datalist")) continue;
        for (const name of ["title", "aria-label", "placeholder"]) {
          if (element.getAttribute(name)) found.push(element.getAttribute(name));
        }
      }
    }
  }
  return found;
}
"""
PARTS = ["#designer-properties", ".djs-palette", ".djs-context-pad", ".djs-popup", ".designer-zoom", ".djs-minimap"]


def _template(text: str) -> re.Pattern[str]:
    """A translation with {placeholders}, as a pattern its filled-in text matches."""
    parts = re.split(r"\{[A-Za-z]+\}", text)
    return re.compile(r"\A" + ".+?".join(re.escape(p) for p in parts) + r"\Z", re.S)


SWEDISH_TEXTS = {value.strip() for value in SWEDISH.values()}
SWEDISH_TEMPLATES = [_template(value.strip()) for value in SWEDISH.values() if re.search(r"\{[A-Za-z]+\}", value)]


def model_data(xml: str) -> set[str]:
    """What the model itself says: ids, names, attribute values, texts (and a form field's "label (id)")."""
    data: set[str] = set()
    for node in etree.fromstring(xml.encode()).iter():
        data.update(v.strip() for v in node.attrib.values())
        if node.text and node.text.strip():
            data.add(node.text.strip())
        if node.tag == f"{CAMUNDA}formField":
            data.add(f"{node.get('label')} ({node.get('id')})")
    return data


def not_swedish(texts: list[str], data: set[str]) -> list[str]:
    """The texts that are neither a Swedish translation nor the model's data nor free of words."""
    wrong = []
    for text in {t.strip() for t in texts}:
        if not text or text in SWEDISH_TEXTS or text in data or any(p.match(text) for p in SWEDISH_TEMPLATES):
            continue
        if not re.search(r"[A-Za-zÅÄÖåäö]{3,}", text):  # numbers, symbols, ISO dates and durations
            continue
        wrong.append(text)
    return sorted(wrong)


@pytest.fixture
def swedish_designer(browser: Browser, studio: Studio) -> Iterator[Page]:  # noqa: F811 (fixture)
    """A process designer, signed in, on a new draft of Samverkansteamet at 1600×1000."""
    context = new_context(browser, studio)  # type: ignore[arg-type]
    context.add_init_script(CSP_LISTENER)
    yield on_a_new_draft(context.new_page())
    context.close()


def on_a_new_draft(page: Page) -> Page:
    """Signed in as the process designer, at 1600×1000, on a new draft of Samverkansteamet."""
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto("/login")
    page.get_by_label("Användarnamn").fill("david.designer")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/design/processes/samverkansteamet")
    page.get_by_role("button", name=re.compile(r"Ändra processen")).click()
    expect(page.locator("#designer")).to_have_attribute("data-state", "ready")
    return page


def show(page: Page, element_id: str | None) -> None:
    """Select an element as a designer does: click its shape; a flow (a thin line) and the process
    (nothing selected) through the modeler's selection."""
    if element_id is None:
        page.evaluate("samverkanDesigner.modeler.get('selection').select(null)")
        expect(page.locator("#designer-properties .bio-properties-panel-header-type")).to_have_text("Process")
    elif page.locator(f'#designer-canvas .djs-shape[data-element-id="{element_id}"]').count():
        select(page, element_id)
    else:
        page.evaluate("(id) => { const m = samverkanDesigner.modeler; "
                      "m.get('selection').select(m.get('elementRegistry').get(id)); }", element_id)
    expect(page.locator("#designer-properties .bio-properties-panel-header")).to_be_visible()


def open_every_group(page: Page) -> list[str]:
    """Open each group of the panel; their titles."""
    headers = page.locator("#designer-properties .bio-properties-panel-group-header")
    for index in range(headers.count()):
        header = headers.nth(index)
        if "open" not in (header.get_attribute("class") or ""):
            header.click()
    titles = page.locator("#designer-properties .bio-properties-panel-group-header-title")
    return [t.strip() for t in titles.all_inner_texts()]


def test_every_group_of_each_kind_of_element_is_swedish_and_the_ignored_ones_are_gone(swedish_designer: Page) -> None:
    page = swedish_designer
    data = model_data(page.evaluate("samverkanDesigner.getXml()"))
    seen: dict[str, list[str]] = {}
    english: dict[str, list[str]] = {}
    for kind, element_id in ELEMENTS.items():
        show(page, element_id)
        seen[kind] = open_every_group(page)
        if element_id and page.locator(".djs-context-pad .entry").count():
            replace = page.locator('.djs-context-pad .entry[data-action="replace"]')
            if replace.count():
                replace.click()
                expect(page.locator(".djs-popup")).to_be_visible()
        found = not_swedish(page.evaluate(VISIBLE_TEXTS, PARTS), data)
        if found:
            english[kind] = found
        screenshot(page, f"designer-sv-{kind.replace(' ', '-')}")
        page.keyboard.press("Escape")
    assert not english, f"text that is not Swedish: {json.dumps(english, ensure_ascii=False, indent=1)}"

    assert "Samverkan" in seen["user task"] and "Samverkan" in seen["timer boundary event"]
    assert "Samverkan" in seen["notice event"] and "Samverkan" not in seen["gateway"]
    for kind, titles in seen.items():
        assert not set(titles) & set(HIDDEN), (kind, titles)
    # What the engine runs stays.
    assert {"Tilldelning", "Formulär", "Formulärfält"} <= set(seen["user task"])
    assert "Timer" in seen["timer boundary event"] and "Meddelande" in seen["message event"]
    assert "Villkor" in seen["sequence flow"] and "Implementering" in seen["business rule task"]


def test_the_replace_menu_offers_only_what_the_engine_runs(swedish_designer: Page) -> None:
    page = swedish_designer
    select(page, "informationsmote")
    page.locator('.djs-context-pad .entry[data-action="replace"]').click()
    menu = page.locator(".djs-popup")
    expect(menu).to_be_visible()
    offered = [t.strip() for t in menu.locator(".entry").all_inner_texts()]
    assert {"Uppgift", "Manuell uppgift", "Affärsregeluppgift"} <= set(offered), offered
    assert not {"Tjänsteuppgift", "Sänduppgift", "Skriptuppgift"} & set(offered), offered
    assert "Mottagaruppgift" in offered, offered  # a receive task waits for its message
    page.keyboard.press("Escape")
    select(page, "gw_antagen")
    page.locator('.djs-context-pad .entry[data-action="replace"]').click()
    offered = [t.strip() for t in page.locator(".djs-popup .entry").all_inner_texts()]
    assert "Parallell gateway" in offered, offered
    assert "Händelsebaserad gateway" in offered, offered  # whichever comes first (docs/modeling.md)
    assert not [o for o in offered if "Komplex" in o or "startar processen" in o], offered


def test_the_samverkan_group_shows_the_engine_properties_and_writes_eskalera_till(swedish_designer: Page) -> None:
    page = swedish_designer
    show(page, "informationsmote")
    open_group(page, "samverkan")
    group = page.locator('#designer-properties [data-group-id="group-samverkan"]')
    expect(group.get_by_label("Kalenderinbjudan")).to_have_value("mote_datum")
    expect(group.get_by_label("Bjud in")).to_have_value("remittent,roll:teamledare")
    # The raw Extension properties list leaves the engine's own properties to this group.
    open_group(page, "CamundaPlatform__ExtensionProperties")
    raw = page.locator('[data-group-id="group-CamundaPlatform__ExtensionProperties"] .bio-properties-panel-list-item')
    expect(raw).to_have_count(0)

    show(page, "bedom_remiss")
    open_group(page, "samverkan")
    escalate = page.locator("#bio-properties-panel-samverkan-eskalera_till")
    expect(escalate).to_have_value("")
    assert "teamledare" in page.locator(f"#{escalate.get_attribute('list')} option").evaluate_all(
        "options => options.map(o => o.value)")
    escalate.fill("teamledare,styrgrupp")
    # The panel writes after a short pause in typing, as one command.
    page.wait_for_function("() => samverkanDesigner.modeler.get('commandStack').canUndo()")

    def escalation(xml: str) -> list[str]:
        task = etree.fromstring(xml.encode()).find(f".//{BPMN}userTask[@id='bedom_remiss']")
        return [p.get("value") for p in task.iterfind(f"{BPMN}extensionElements/{CAMUNDA}properties/{CAMUNDA}property")
                if p.get("name") == "eskalera_till"]

    xml = page.evaluate("samverkanDesigner.getXml()")
    assert escalation(xml) == ["teamledare,styrgrupp"]
    page.evaluate("samverkanDesigner.modeler.get('commandStack').undo()")
    expect(escalate).to_have_value("")
    assert escalation(page.evaluate("samverkanDesigner.getXml()")) == []
    page.evaluate("samverkanDesigner.modeler.get('commandStack').redo()")
    expect(escalate).to_have_value("teamledare,styrgrupp")

    page.get_by_role("button", name="Spara utkast").click()
    expect(page.locator("#designer-status")).to_have_text("Utkastet är sparat.")
    saved = page.request.get(page.locator("#designer").get_attribute("data-xml-url") or "").text()
    assert escalation(saved) == ["teamledare,styrgrupp"]
    # Exactly as docs/modeling.md writes it: one camunda:properties holding the property.
    task = etree.fromstring(saved.encode()).find(f".//{BPMN}userTask[@id='bedom_remiss']")
    assert len(task.findall(f"{BPMN}extensionElements/{CAMUNDA}properties")) == 1


def test_the_canvas_uses_the_page_width_with_a_minimap_and_zoom_buttons(swedish_designer: Page) -> None:
    page = swedish_designer
    canvas = page.locator("#designer-canvas").bounding_box()
    panel = page.locator("#designer-properties").bounding_box()
    assert canvas and panel and canvas["width"] >= 1000, canvas
    assert panel["x"] >= canvas["x"] + canvas["width"] and panel["x"] + panel["width"] <= 1600

    expect(page.locator(".djs-minimap")).to_be_visible()
    zoom = lambda: page.evaluate("samverkanDesigner.modeler.get('canvas').zoom()")  # noqa: E731
    before = zoom()
    page.get_by_role("button", name="Zooma in").focus()
    page.keyboard.press("Enter")
    zoomed_in = zoom()
    assert zoomed_in > before
    page.get_by_role("button", name="Zooma in").click()
    page.get_by_role("button", name="Zooma ut").click()
    assert before < zoom() < zoomed_in + 0.5
    page.get_by_role("button", name="Visa hela diagrammet").click()
    assert abs(zoom() - before) < 0.01
    toggle = page.get_by_role("button", name="Öppna översiktskartan")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".djs-minimap.open")).to_be_visible()
    expect(page.get_by_role("button", name="Stäng översiktskartan")).to_be_visible()
    screenshot(page, "designer-sv-layout-1600")


def test_no_serious_accessibility_violations_in_the_designer(browser: Browser, studio: Studio) -> None:  # noqa: F811
    # axe is injected as an inline script, which the app's Content-Security-Policy refuses.
    context = new_context(browser, studio, bypass_csp=True)  # type: ignore[arg-type]
    page = on_a_new_draft(context.new_page())
    select(page, "bedom_remiss")
    open_group(page, "samverkan")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'],"
                           " resultTypes: ['violations']})")
    context.close()
    violations = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    assert not violations, violations


def test_the_decision_table_editor_is_swedish(swedish_designer: Page) -> None:
    """dmn-js's table, its hit policy, its context menus and cells: Swedish or the table's own data."""
    page = swedish_designer
    page.get_by_role("link", name="Beslutstabell: samverkansteamet_motesplats.dmn").click()
    expect(page.locator("#dmn-designer")).to_have_attribute("data-state", "ready")
    page.locator("#dmn-designer-views").get_by_role("button", name="Mötesplats för informationsmöte").click()
    expect(page.locator("#dmn-designer-canvas")).to_contain_text("Arbetsförmedlingen i Nora")
    page.locator("#dmn-designer-canvas td.input-cell").first.click(button="right")  # the cell's context menu
    dmn = (ROOT / "processes" / "samverkansteamet_motesplats.dmn").read_text(encoding="utf-8")
    texts = page.evaluate(VISIBLE_TEXTS, ["#dmn-designer-canvas", ".context-menu", ".dms-context-menu"])
    screenshot(page, "designer-sv-decision-table")
    # bpmn.io's licence requires its logo with this title, unchanged (dmn-js-shared PoweredByUtil).
    wrong = [t for t in not_swedish(texts, model_data(dmn)) if t != "Powered by bpmn.io"]
    assert wrong == [], json.dumps(wrong, ensure_ascii=False)


def test_chosen_english_the_panel_stays_english(swedish_designer: Page) -> None:
    page = swedish_designer
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#designer")).to_have_attribute("data-state", "ready")
    show(page, "bedom_remiss")
    titles = open_every_group(page)
    assert "General" in titles and "User assignment" in titles and "Samverkan" in titles
    expect(page.locator('[data-group-id="group-samverkan"]')).to_contain_text("Escalate to")
    expect(page.get_by_role("button", name="Zoom in")).to_be_visible()
