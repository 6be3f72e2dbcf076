"""The change feed the gates follow, as HTTP answers (web/api.py routes to these).

`GET /api/v1/registry/changes?since=SEQ&wait=SECONDS`: the changes after SEQ, each with the absolute state of what
it touched (gate/source.py). With `wait`, the request long-polls: it checks the newest sequence number every
POLL_SECONDS with a short query in a worker thread (neither the event loop nor a thread is held for the wait) and
answers as soon as a change committed, by any process, or when the wait ran out (then with no changes).

410 Gone when SEQ is ahead of the log (the replica followed another registry) or more than TOO_FAR_BEHIND changes
behind: a snapshot is cheaper than the replay. `GET /api/v1/registry/snapshot` streams the state as JSON Lines.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anyio
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Engine

from openbeian.gate.source import newest_seq, read_changes, snapshot_lines

MAX_WAIT = 30.0
POLL_SECONDS = 0.05
TOO_FAR_BEHIND = 100_000


async def changes_response(engine: Engine, since: int, limit: int, wait: float) -> Any:
    newest, changes = await anyio.to_thread.run_sync(read_changes, engine, since, limit)
    deadline = time.monotonic() + min(wait, MAX_WAIT)
    while not changes and newest == since and time.monotonic() < deadline:
        await anyio.sleep(POLL_SECONDS)
        newest = await anyio.to_thread.run_sync(newest_seq, engine)
        if newest > since:
            newest, changes = await anyio.to_thread.run_sync(read_changes, engine, since, limit)
    if since > newest or newest - since > TOO_FAR_BEHIND:
        why = "ahead of this registry's change log" if since > newest else "too far behind"
        return JSONResponse(
            {
                "error": {
                    "code": "gone",
                    "message": f"since={since} is {why} (newest {newest}): take /api/v1/registry/snapshot",
                    "fields": {},
                },
                "newest": newest,
            },
            status_code=410,
        )
    return {"since": since, "newest": newest, "changes": changes}


def snapshot_response(engine: Engine) -> StreamingResponse:
    def lines() -> Iterator[bytes]:
        for line in snapshot_lines(engine):
            yield line.encode() + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")
