"""Ledger commands: verify it, checkpoint it, and manage its signing key."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from trainer.extensions import db
from trainer import signing
from trainer.ledger import checkpoints
from trainer.ledger.verify import CheckpointRefused, checkpoint_now, verify_ledger


@click.command("verify-ledger")
@click.option("--full", is_flag=True, help="Walk from the first entry, not from the last checkpoint.")
@click.option("--checkpoint", "files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An exported checkpoint file to check against (repeatable); implies --full.")
@with_appcontext
def verify_ledger_command(full: bool, files: tuple[Path, ...]) -> None:
    """Check the ledger's chain, signatures and Merkle tree against its checkpoints."""
    try:
        heads = [checkpoints.read_file(path) for path in files]
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    result = verify_ledger(heads, full=full)
    click.echo(f"Head: {result.size} entries, last hash {result.head}, Merkle root {result.root or '-'}")
    if result.resumed_from:
        click.echo(f"Resumed from {result.resumed_from}")
    for described in result.against:
        click.echo(f"Checked against {described}")
    if not result.against:
        click.echo("No checkpoint to check against: run `trainer checkpoint` and keep the exported file.")
    if result.ok:
        click.echo(f"Ledger intact: {result.checked} entries")
        return
    where = f"entry {result.first_bad_seq}" if result.first_bad_seq is not None else "a checkpoint"
    click.echo(f"Ledger broken at {where}: {result.problem}", err=True)
    if result.checked:
        click.echo(f"Entries 1 to {result.checked} are intact.", err=True)
    sys.exit(1)


@click.command("checkpoint")
@click.option("--export", "export_to", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the signed checkpoint to this file (keep it outside the bank's database).")
@with_appcontext
def checkpoint_command(export_to: Path | None) -> None:
    """Verify the ledger and store a signed checkpoint of it (run it on a schedule)."""
    try:
        row = checkpoint_now()
    except CheckpointRefused as error:
        db.session.rollback()
        click.echo(f"No checkpoint written: the ledger does not verify: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    head = checkpoints.from_row(row)
    click.echo(f"Checkpoint #{row.id}: {row.size} entries, root {row.root}, signed by key {row.key_id}")
    if export_to is not None:
        try:
            export_to.write_text(head.to_json(signing.public_pem(signing.signer().public)), encoding="utf-8")
        except OSError as error:  # the checkpoint is stored; only its copy failed
            raise click.ClickException(f"checkpoint #{row.id} is stored, but {export_to} could not be written: "
                                       f"{error.strerror}") from None
        click.echo(f"Written to {export_to}")


@click.command("ledger-keygen")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def ledger_keygen_command(path: Path) -> None:
    """Create a new ledger signing key file (mode 0600); point TRAINER_LEDGER_SIGNING_KEY_FILE at it."""
    try:
        signing.write_private_key(path)
    except FileExistsError:
        raise click.ClickException(f"{path} exists: a signing key is never overwritten") from None
    click.echo(f"Signing key written to {path}")


@click.command("ledger-public-key")
@with_appcontext
def ledger_public_key_command() -> None:
    """Print the ledger's public key (PEM) for auditors to verify checkpoints and audit packs."""
    click.echo(signing.public_pem(signing.signer().public), nl=False)
