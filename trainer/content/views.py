from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from trainer.content import services
from trainer.content.render import resolve_module_links
from trainer.security import roles_required

bp = Blueprint("content", __name__, url_prefix="/modules")


def _module_or_404(slug: str):
    module = services.module_by_slug(slug)
    if module is None:
        abort(404)
    return module


@bp.get("/")
@roles_required()
def index():
    return render_template("content/index.html", course=services.progress_for(current_user))


@bp.get("/<slug>")
@roles_required()
def module(slug: str):
    """Open a module where the reader left off."""
    module = _module_or_404(slug)
    progress = services.module_progress(current_user, module, title=slug)
    start = 1 if progress.completed else min(max(progress.furthest_section, 1), module.section_count)
    return redirect(url_for("content.read", slug=slug, position=start))


@bp.get("/<slug>/<int:position>")
@roles_required()
def read(slug: str, position: int):
    module = _module_or_404(slug)
    locale = str(get_locale())
    page = services.section(module, locale, position)
    if page is None:
        abort(404)
    furthest = services.record_reading(current_user, module, position)
    title, section_titles = services.section_titles(module, locale)
    return render_template(
        "content/read.html",
        module=module,
        progress=services.module_progress(current_user, module, title),
        page=page,
        html=resolve_module_links(page.html, url_for("content.index")),
        position=position,
        furthest=furthest,
        section_titles=section_titles,
    )


@bp.post("/<slug>/complete")
@roles_required()
def complete(slug: str):
    module = _module_or_404(slug)
    try:
        services.complete_module(current_user, module)
    except services.NotFinishedReading:
        flash(_("Read every section before marking the module complete."), "warning")
        return redirect(url_for("content.module", slug=slug))
    flash(_("Module marked as complete."), "success")
    return redirect(url_for("content.index"))
