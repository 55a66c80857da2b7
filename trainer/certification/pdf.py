"""The printable certificate: one A4 landscape page, in the reader's language.

Text is drawn with an embedded Unicode font (DejaVu Sans, shipped with the
package) so any Latin, Greek or Cyrillic name prints as written; scripts it
lacks (Chinese, Japanese, Korean) fall back to a system CJK font when one is
installed (Debian: fonts-droid-fallback or fonts-noto-cjk).

A printed page cannot change, so it never claims a current state: it says
what was granted and points, by link and QR code, to the verification page
that answers today. Only a certificate that was already out of force when
the file was made is stamped, with the date of that statement.
"""
from __future__ import annotations

import io
from dataclasses import astuple, dataclass
from functools import lru_cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from flask_babel import gettext as _
from fpdf import FPDF, XPos, YPos

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
CJK_FALLBACK_CANDIDATES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
INK, MUTED, ALARM = (20, 40, 80), (90, 90, 90), (180, 20, 20)


@dataclass(frozen=True)
class Issuer:
    """The bank that grants the qualification, as configured (TRAINER_BANK_*)."""

    name: str
    address: str = ""
    contact_email: str = ""
    logo_path: str = ""


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
    verify_url: str
    issuer: Issuer
    # Set only when the certificate was out of force when the file was made:
    # e.g. "SUSPENDED", stamped across the page with `stated_on`.
    ended_label: str | None = None
    stated_on: str = ""


@lru_cache(maxsize=1)
def _covered_by_main_font() -> frozenset[int]:
    """The code points DejaVu Sans draws (read once: only its character map)."""
    with TTFont(FONT_DIR / "DejaVuSans.ttf", lazy=True) as font:
        return frozenset(font.getBestCmap())


def _needs_fallback(sheet: CertificateSheet) -> bool:
    covered = _covered_by_main_font()
    text = "".join(str(value) for value in astuple(sheet))  # the issuer comes as a nested tuple
    return any(ord(char) not in covered for char in text if not char.isspace())


def _new_document(with_fallback: bool) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    # The CJK font is large (about 4 MB to parse): embed it only for a name that needs it.
    fallback = next((path for path in CJK_FALLBACK_CANDIDATES if path.exists()), None) if with_fallback else None
    if fallback is not None:
        pdf.add_font("CJKFallback", "", str(fallback))
        pdf.add_font("CJKFallback", "B", str(fallback))
        pdf.set_fallback_fonts(["CJKFallback"], exact_match=False)
    pdf.set_auto_page_break(False)  # one page, always
    return pdf


def certificate_pdf(sheet: CertificateSheet) -> bytes:
    pdf = _new_document(with_fallback=_needs_fallback(sheet))
    pdf.set_title(f"{_('Certificate of qualification')} {sheet.number}")
    pdf.set_author(sheet.issuer.name)
    pdf.add_page()
    _frame(pdf)

    def line(text: str, size: float, style: str = "", height: float = 10, color=INK) -> None:
        pdf.set_font(FONT, style, size)
        pdf.set_text_color(*color)
        pdf.cell(0, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if sheet.issuer.logo_path and Path(sheet.issuer.logo_path).is_file():
        pdf.image(sheet.issuer.logo_path, x=20, y=18, h=16)
    pdf.set_y(24)
    line(sheet.issuer.name, 13, "B", height=7)
    line(_("Post-loan inspection training and qualification"), 11, color=MUTED, height=7)
    pdf.ln(2)
    line(_("Certificate of qualification"), 28, "B", height=16)
    pdf.ln(2)
    line(_("This certifies that"), 13, color=MUTED)
    line(sheet.holder, 26, "B", height=14)
    line(f"{_('Employee number')} {sheet.employee_no} · {sheet.department}", 11, color=MUTED, height=7)
    pdf.ln(3)
    line(_("holds the qualification"), 13, color=MUTED)
    line(sheet.qualification, 22, "B", height=13)
    pdf.ln(2)
    line(_("Valid from %(start)s to %(end)s", start=sheet.valid_from, end=sheet.valid_until), 13)
    if sheet.ended_label:
        line(_("%(state)s on %(date)s", state=sheet.ended_label, date=sheet.stated_on), 13, "B", color=ALARM)
        _stamp(pdf, sheet.ended_label.upper())

    _qr(pdf, sheet.verify_url)
    pdf.set_y(164)
    line(_("Certificate number %(number)s · granted on %(date)s", number=sheet.number, date=sheet.granted_on),
         10, color=MUTED, height=6)
    line(_("Whether it is in force today is shown at:"), 10, color=MUTED, height=6)
    pdf.set_font(FONT, "U", 10)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, sheet.verify_url, align="C", link=sheet.verify_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    contact = " · ".join(part for part in (sheet.issuer.address, sheet.issuer.contact_email) if part)
    if contact:
        line(contact, 9, color=MUTED, height=6)
    return bytes(pdf.output())


def _qr(pdf: FPDF, url: str) -> None:
    """The verification address as a QR code, bottom right, for a phone at a reader's desk."""
    image = io.BytesIO()
    segno.make(url, error="m").save(image, kind="png", scale=8, border=2)
    image.seek(0)
    size = 30
    pdf.image(image, x=pdf.w - 20 - size, y=pdf.h - 20 - size, w=size, h=size)


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
    width = pdf.get_string_width(word)
    with pdf.rotation(18, x=pdf.w / 2, y=pdf.h / 2), pdf.local_context(fill_opacity=0.25, stroke_opacity=0.25):
        pdf.text(pdf.w / 2 - width / 2, pdf.h / 2 + 10, word)
