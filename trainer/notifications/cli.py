"""`flask trainer deliver-notifications [--loop]`: the outbox's mail worker."""
from __future__ import annotations

import signal
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from trainer.extensions import db


@click.command("deliver-notifications")
@click.option("--loop", is_flag=True, help="Keep running (a service): deliver, then wait, until stopped.")
@click.option("--interval", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="With --loop: seconds to wait when nothing was due.")
@with_appcontext
def deliver_notifications_command(loop: bool, interval: float) -> None:
    """Send the outbox's due messages (several nodes may run this at once; each message goes out once)."""
    from trainer.notifications.outbox import deliver_pending

    stopping = []
    if loop:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
    while True:
        try:
            report = deliver_pending()
        except Exception:  # noqa: BLE001 - a database hiccup must not end the service; the next round retries
            db.session.rollback()
            if not loop:
                raise
            current_app.logger.exception("Outbox delivery round failed")
            report = None
        if report is not None and (report.sent or report.retried or report.failed or not loop):
            click.echo(f"Sent {report.sent}; {report.retried} will be retried; {report.failed} given up.")
        db.session.remove()
        if not loop or stopping:
            return
        waited = 0.0
        while waited < interval and not stopping:
            time.sleep(min(0.5, interval))
            waited += 0.5
        if stopping:
            return
