"""The printable certificate: one A4 landscape page, in the reader's language."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from fpdf import FPDF, XPos, YPos

# The core fonts need no font files; Windows-1252 covers Spanish and English, € and typographic quotes.
ENCODING = "windows-1252"
FONT = "Helvetica"
# Latin letters that Unicode does not split into a base letter and an accent.
UNSPLIT_LETTERS = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i"}
INK, MUTED, ALARM = (20, 40, 80), (90, 90, 90), (180, 20, 20)


@dataclass(frozen=True)
class CertificateSheet:
    """What the certificate says, already in the reader's language."""

    number: str
    holder: str
    employee_no: str
    department: str
    qualification: str
    valid_from: str
    valid_until: str
    granted_on: str
    state_label: str
    in_force: bool  # False prints the state as a warning across the page
    verify_url: str


def printable(text: str) -> str:
    """Text the core fonts can draw: letters outside Windows-1252 lose their accent, else become '?'."""
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", UNSPLIT_LETTERS.get(char, char)).encode(ENCODING, "ignore").decode(ENCODING)
            out.append(base or "?")
    return "".join(out)


def certificate_pdf(sheet: CertificateSheet) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_auto_page_break(False)  # one page, always
    pdf.set_title(printable(f"{_('Certificate of qualification')} {sheet.number}"))
    pdf.set_author(printable(_("Post-loan inspection training and qualification")))
    pdf.add_page()
    _frame(pdf)

    def line(text: str, size: float, style: str = "", height: float = 10, color=INK) -> None:
        pdf.set_font(FONT, style, size)
        pdf.set_text_color(*color)
        pdf.cell(0, height, printable(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_y(28)
    line(_("Post-loan inspection training and qualification"), 12, color=MUTED)
    line(_("Certificate of qualification"), 30, "B", height=18)
    pdf.ln(4)
    line(_("This certifies that"), 13, color=MUTED)
    line(sheet.holder, 26, "B", height=14)
    line(f"{_('Employee number')} {sheet.employee_no} · {sheet.department}", 11, color=MUTED, height=7)
    pdf.ln(4)
    line(_("holds the qualification"), 13, color=MUTED)
    line(sheet.qualification, 22, "B", height=13)
    pdf.ln(3)
    line(_("Valid from %(start)s to %(end)s", start=sheet.valid_from, end=sheet.valid_until), 13)
    line(_("Status: %(state)s", state=sheet.state_label), 13, "B" if not sheet.in_force else "",
         color=INK if sheet.in_force else ALARM)
    if not sheet.in_force:
        _stamp(pdf, sheet.state_label.upper())

    pdf.set_y(170)
    line(_("Certificate number %(number)s · granted on %(date)s", number=sheet.number, date=sheet.granted_on),
         10, color=MUTED, height=6)
    line(_("Check that this certificate is valid at:"), 10, color=MUTED, height=6)
    pdf.set_font(FONT, "U", 10)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, printable(sheet.verify_url), align="C", link=sheet.verify_url,
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*INK)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)


def _stamp(pdf: FPDF, word: str) -> None:
    """The state across the page, so a copy of an ended certificate cannot pass for a valid one."""
    pdf.set_font(FONT, "B", 64)
    pdf.set_text_color(*ALARM)
    text = printable(word)
    width = pdf.get_string_width(text)
    with pdf.rotation(18, x=pdf.w / 2, y=pdf.h / 2), pdf.local_context(fill_opacity=0.25, stroke_opacity=0.25):
        pdf.text(pdf.w / 2 - width / 2, pdf.h / 2 + 10, text)
