"""The follow-up's exports: one XLSX workbook with every table (the report's own sheet first: the
interventions, the period, the filters, the definitions and the rule on small counts; the
Uppföljning Finsam table as a ready sheet of its own), and a CSV of each table. The tables are the
page's (``follow_up_report``), so the numbers cannot differ from it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from web.ui.follow_up_report import SMALL, Report, Table, plain

_BAD_SHEET_CHARACTERS = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def definitions() -> list[tuple[str, str]]:
    """What the figures count (the page shows the same list)."""
    return [
        (_("Remitterad"), _("Ärendet registrerades (remissen kom in) under perioden.")),
        (_("Startad"), _("Deltagandet började (inskrivningsdatum) under perioden.")),
        (_("Aktiv"), _("Deltagaren var inskriven någon gång under perioden: startade senast periodens sista dag "
                       "och avslutades inte före dess första.")),
        (_("Avslutad"), _("Ett påbörjat deltagande avslutades under perioden.")),
        (_("Åldersgrupp"), _("Den ålder deltagaren fyller under det år perioden slutar (räknat på födelseår).")),
        (_("Andel"), _("Procent av de deltaganden som avslutades under perioden.")),
        (_("Tid i insatsen"), _("Dagar från start till avslut, för deltaganden som avslutades under perioden; "
                                "en månad räknas som 30,4 dagar.")),
        (_("Svar i tid"), _("Remisser vars svar skulle ges under perioden, och om svaret gavs senast sista "
                            "svarsdagen.")),
        (_("Kontaktperson"), _("Aktiva deltagare vid periodens slut per kontaktperson.")),
        (_("Månadskontakt"), _("Varje hel månad efter deltagandets första och före dess sista ska remittenten "
                               "kontaktas; en månad räknas som uppfylld när kontaktuppgiften slutfördes i den.")),
    ]


def small_counts_rule(exact: bool) -> str:
    shown = (_("Den här rapporten visar exakta tal: den är för dem som får se insatsens ärenden och ska inte "
               "lämnas vidare.") if exact else
             _("I den här rapporten visas antal från 1 till 4 som ”<5”."))
    return " ".join((_("Antal under %(small)s visas som ”<5” för den som inte får se ärendena, till exempel "
                       "styrgruppen. En andel, ett medelvärde eller en median döljs också när den bygger på "
                       "färre än %(small)s deltagare, så att den inte avslöjar ett dolt antal.", small=SMALL),
                     shown))


def about(report: Report, names: dict[str, str], filters: Sequence[tuple[str, str]], made: datetime,
          made_by: str) -> list[tuple[str, str]]:
    """The report's own sheet: what it counts, for whom, when."""
    q = report.query
    return [
        (_("Rapport"), _("Uppföljning")),
        (_("Insatser"), ", ".join(names.get(k, k) for k in q.process_keys)),
        (_("Period"), f"{q.first.isoformat()}–{q.last.isoformat()}"),
        *((name, value) for name, value in filters),
        (_("Visning"), _("Exakta tal") if report.exact else _("Små tal dolda (för styrgruppen)")),
        (_("Små tal"), small_counts_rule(report.exact)),
        (_("Skapad"), made.strftime("%Y-%m-%d %H:%M")),
        (_("Skapad av"), made_by),
        *((_("Observera"), note) for note in report.notes),
        *((f"{_('Definition')}: {term}", text) for term, text in definitions()),
    ]


def _sheet_name(title: str, taken: set[str]) -> str:
    name = title.translate(_BAD_SHEET_CHARACTERS)[:31].strip()
    base, n = name, 2
    while name.lower() in taken:
        name = f"{base[:28]} {n}"
        n += 1
    taken.add(name.lower())
    return name


def xlsx(report: Report, about_rows: list[tuple[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    taken: set[str] = set()
    sheet.title = _sheet_name(_("Om rapporten"), taken)
    for row in about_rows:
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 100
    national = report.tables["uppfoljning_finsam"]
    for table in (national, *(t for t in report.tables.values() if t is not national)):
        _write(book.create_sheet(_sheet_name(table.title, taken)), table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(sheet: object, table: Table) -> None:
    sheet.append(list(table.columns))  # type: ignore[attr-defined]
    for cell in sheet[1]:  # type: ignore[index]
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([plain(v) for v in row])  # type: ignore[attr-defined]
    for index, heading in enumerate(table.columns):
        letter = chr(ord("A") + index) if index < 26 else None
        if letter:
            sheet.column_dimensions[letter].width = max(12, min(40, len(heading) + 4))  # type: ignore[attr-defined]


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """Semicolons and decimal commas, UTF-8 with a byte order mark: what Excel set to Swedish opens as is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([str(v).replace(".", ",") if isinstance(v, float) else v for v in map(plain, row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
