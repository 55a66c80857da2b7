from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from trainer.content import services
from trainer.content.forms import CompleteForm
from trainer.content.policy import reading_policy
from trainer.content.render import resolve_module_links
from trainer.security import identity_only, roles_required
from trainer.transactions import read_only

bp = Blueprint("content", __name__, url_prefix="/modules")


def _module_or_404(slug: str):
    module = services.module_by_slug(slug)
    if module is None:
        abort(404)
    return module


@bp.get("/")
@read_only
@identity_only  # read by every reader between sections: the session's person without ORM objects
@roles_required()
def index():
    return render_template("content/index.html", course=services.progress_for(current_user))


@bp.get("/<slug>")
@roles_required()
def module(slug: str):
    """Open a module where the reader left off: the first section not read yet."""
    module = _module_or_404(slug)
    progress = services.module_progress(current_user, module, title=slug)
    start = 1 if progress.completed else min(progress.furthest_section + 1, module.section_count)
    return redirect(url_for("content.read", slug=slug, position=start))


def _page(module, position: int, status, form: CompleteForm | None = None, refused: bool = False):
    locale = str(get_locale())
    page = services.section_page(module, locale, position)
    if page is None:
        abort(404)
    form = form or CompleteForm()
    form.confirm.label.text = reading_policy().statement.text(locale)
    return render_template(
        "content/read.html",
        module=module,
        progress=services.module_progress(current_user, module, page.module_title),
        page=page.section,
        html=resolve_module_links(page.section.html, url_for("content.index")),
        position=position,
        status=status,
        section_titles=page.section_titles,
        form=form,
        refused=refused,
    )


@bp.get("/<slug>/<int:position>")
@identity_only
@roles_required()
def read(slug: str, position: int):
    module = _module_or_404(slug)
    if not 1 <= position <= module.section_count:
        abort(404)
    status = services.open_section(current_user, module, position)
    return _page(module, position, status)


@bp.post("/<slug>/complete")
@roles_required()
def complete(slug: str):
    module = _module_or_404(slug)
    form = CompleteForm()
    last = module.section_count
    if not form.validate_on_submit():
        return _page(module, last, services.reading_status(current_user, module), form), 422
    try:
        services.complete_module(current_user, module, confirmed=form.confirm.data, locale=str(get_locale()))
    except services.NotFinishedReading as refused:
        return _page(module, last, refused.status, form, refused=True), 422
    flash(_("Module marked as complete."), "success")
    return redirect(url_for("content.index"))
