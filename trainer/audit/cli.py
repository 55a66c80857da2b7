"""`trainer audit-pack QUARTER PACK.zip`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from trainer.audit.build import build_pack, parse_quarter
from trainer.extensions import db
from trainer.ledger.verify import CheckpointRefused


@click.command("audit-pack")
@click.argument("quarter")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def audit_pack_command(quarter: str, target: Path) -> None:
    """Write the audit pack of QUARTER (e.g. 2026Q3) to TARGET, signed, for offline verification."""
    try:
        parse_quarter(quarter)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="QUARTER") from None
    if target.exists():
        raise click.ClickException(f"{target} exists: a pack never overwrites a file")
    try:
        manifest = build_pack(quarter, target)
    except CheckpointRefused as error:
        db.session.rollback()
        raise click.ClickException(f"the ledger does not verify, so no pack can vouch for it: {error}") from None
    db.session.commit()
    counts = ", ".join(f"{len(v)} {k}" for k, v in manifest["items"].items())
    click.echo(f"Audit pack for {quarter} written to {target}: {counts}; "
               f"checkpoint of {manifest['checkpoint']['size']} entries")
    click.echo(f"Verify it offline: python -m trainer.audit verify {target} --public-key LEDGER_PUBLIC_KEY.pem")
