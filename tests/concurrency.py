"""Run the same action from several threads at once, each with its own app context
(and so its own database connection), released together by a barrier."""
from __future__ import annotations

import threading
from typing import Any, Callable


def run_concurrently(app, count: int, action: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(action())
            except Exception as error:  # noqa: BLE001 - handed back to the test to assert on
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
