"""The register extract as a PDF file (GDPR art. 15): the same record as the printable page, in the
same words, laid out by fpdf2 on A4.

The text is set in DejaVu Sans where the system has it (Debian's ``fonts-dejavu-core``, which the
browser tests install too): it writes every letter of every name. Without it the PDF core font
Helvetica is used, which holds Latin-1 (Swedish included); a letter outside it is written as "?"
rather than the file failing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"


class _Document(FPDF):
    def __init__(self, title: str, page_label: Callable[[int], str]) -> None:
        super().__init__(format="A4")
        self._page_label = page_label
        self.unicode = REGULAR.is_file() and BOLD.is_file()
        if self.unicode:
            self.add_font("DejaVu", "", str(REGULAR))
            self.add_font("DejaVu", "B", str(BOLD))
        self.family = "DejaVu" if self.unicode else "Helvetica"
        self.set_title(title)
        self.set_creator("samverkan")
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 6, self.text(self._page_label(self.page_no())), align="C")

    def text(self, value: str) -> str:  # type: ignore[override]
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def heading(self, value: str, size: int) -> None:
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.55, self.text(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def line_of(self, value: str, size: int = 9) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 4.6, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def pairs(self, rows: Iterable[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font(self.family, "B", 9)
            self.multi_cell(0, 4.6, self.text(label), new_x="LMARGIN", new_y="NEXT")
            self.set_font(self.family, "", 9)
            self.set_x(self.l_margin + 6)
            self.multi_cell(0, 4.6, self.text(value or "–"), new_x="LMARGIN", new_y="NEXT")


def pdf(found: dict[str, Any], words: dict[str, Any], say: Callable[..., str]) -> bytes:
    """The extract ``found`` (web.register_extract.extract) as PDF bytes. ``words`` are the printable
    page's helpers (names, labels, times: web.ui.register_extract); ``say`` is gettext."""
    when, person = words["when"], words["person"]
    title = say("Registerutdrag för %(number)s", number=found["personnummer"])
    doc = _Document(title, lambda n: say("Sida %(page)s", page=n))
    doc.heading(title, 16)
    doc.line_of(say("Framtaget %(at)s av %(by)s.", at=when(found["extracted_at"]), by=person(found["extracted_by"])))
    if not found["cases"]:
        doc.line_of(say("Det finns inga ärenden om personen."))
    for case in found["cases"]:
        doc.ln(4)
        doc.heading(say("Ärende i %(intervention)s",
                        intervention=words["names"].get(case["intervention"], case["intervention"])), 13)
        doc.line_of(f"{say('Status')}: {words['status_label'](case['status'])} · {say('Startat')} "
                    f"{when(case['created_at'])} {say('av')} {person(case['started_by'])} · "
                    f"{say('Senast ändrat')} {when(case['updated_at'])}")
        doc.ln(2)
        doc.heading(say("Uppgifter om personen"), 11)
        doc.pairs((words["participant_label"](k), words["participant_value"](k, v))
                  for k, v in case["participant"].items())
        doc.heading(say("Ärendets uppgifter"), 11)
        doc.pairs((words["data_label"](case, k), words["data_value"](case, k, v)) for k, v in case["data"].items())
        _listed(doc, say("Historik"), [
            f"{when(e['at'])} · {words['event_label'](e['event'])} · {person(e['actor'])}"
            + (" · " + "; ".join(f"{k}: {v}" for k, v in e["details"].items()) if e.get("details") else "")
            for e in case["history"]])
        _listed(doc, say("Öppna uppgifter"), [
            t["title"] + (f" · {say('förfaller')} {when(t['due_at'])}" if t.get("due_at") else "")
            for t in case["open_tasks"]])
        _listed(doc, say("Anteckningar och kommentarer"),
                [f"{when(n['at'])} · {n['author']}: {n['text']}" for n in case["notes"]])
        _listed(doc, say("Notiser"), [f"{when(n['at'])} · {n['subject']}" for n in case["notifications"]])
        _listed(doc, say("Vem som läst eller ändrat ärendet"), [
            f"{when(e['at'])} · {person(e['user'])} · {words['action_label'](e['action'])} · "
            f"{say('adress')} {e.get('address') or '–'}" for e in case["access_log"]])
    return bytes(doc.output())


def _listed(doc: _Document, heading: str, lines: list[str]) -> None:
    doc.ln(1)
    doc.heading(heading, 11)
    for line in lines or ["–"]:
        doc.line_of(line)
