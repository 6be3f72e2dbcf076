"""The provider's footer-compliance console: the latest compliance run over every domain filed through the
provider (page /provider/scans, API /api/v1/provider/scans), and a button to run it now. The button starts the
run in the background (one per provider at a time) and the page shows its results when it is done; the API's
POST runs it and answers with the results.

Reviewers see their own provider; an admin chooses one with ?provider=ID. How domains are fetched and resolved
comes from `app.state.scan_options` (a ComplianceOptions) when the app sets it, else the defaults (the domain's
http:// home page, the system's DNS resolvers).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from openbeian.domain.orders import Actor
from openbeian.domain.workflow import Role
from openbeian.errors import NotFound, PermissionDenied, Text
from openbeian.store.schema import providers
from openbeian.web.auth import require_actor
from openbeian.web.pages import (
    Form,
    ctx_of,
    flash,
    form_sender,
    logged_in,
    redirect,
    render,
)

if TYPE_CHECKING:
    from openbeian.scanner.compliance import ComplianceOptions, ComplianceRun, StoredResult

# The scanner (httpx, DNS, HTML parsing: about 8 MiB) is imported by the routes that use it, so an API worker
# that never shows this console does not load it.

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1")


def provider_of(request: Request, actor: Actor, chosen: int | None) -> tuple[int, str]:
    """(provider id, name) the actor may look at: a reviewer's own; for an admin, ?provider=ID or the first."""
    if actor.role is Role.REVIEWER and actor.provider_id is not None:
        wanted: int | None = actor.provider_id
    elif actor.role is Role.ADMIN:
        wanted = chosen
    else:
        raise PermissionDenied(
            Text("the compliance console is for the provider's reviewers", "合规检查页面仅供接入商审核员使用")
        )
    with ctx_of(request).db.engine.connect() as conn:
        query = select(providers.c.id, providers.c.name).order_by(providers.c.id)
        if wanted is not None:
            query = query.where(providers.c.id == wanted)
        row = conn.execute(query.limit(1)).first()
    if row is None:
        raise NotFound(Text("no such provider", "没有该接入商"))
    return int(row[0]), str(row[1])


def options_of(request: Request) -> ComplianceOptions:
    from openbeian.scanner.compliance import ComplianceOptions
    from openbeian.scanner.dns_check import DnsChecker

    options = getattr(request.app.state, "scan_options", None)
    return options if isinstance(options, ComplianceOptions) else ComplianceOptions(dns=DnsChecker())


def running_scans(request: Request) -> dict[int, asyncio.Task[Any]]:
    """The background runs started from the console, by provider (kept on the app, so they are not collected)."""
    tasks: dict[int, asyncio.Task[Any]] | None = getattr(request.app.state, "scan_tasks", None)
    if tasks is None:
        tasks = request.app.state.scan_tasks = {}
    return tasks


def report_finished(request: Request, provider_id: int) -> bool:
    """Flash the outcome of a finished background run (once); True while a run is still going."""
    tasks = running_scans(request)
    task = tasks.get(provider_id)
    if task is None:
        return False
    if not task.done():
        return True
    del tasks[provider_id]
    error = None if task.cancelled() else task.exception()
    if task.cancelled() or error is not None:
        log.error("compliance run of provider %s failed", provider_id, exc_info=error)
        flash(request, Text("The last scan failed; see the server log.", "上一次扫描失败，请查看服务器日志。"), "error")
        return False
    run: ComplianceRun = task.result()
    counts = run.counts()
    flash(
        request,
        Text(
            f"Scanned {len(run.results)} domain(s): {counts['compliant']} compliant, "
            f"{counts['non_compliant']} not compliant, {counts['unreachable']} unreachable.",
            f"已扫描 {len(run.results)} 个域名：{counts['compliant']} 个合规，{counts['non_compliant']} 个不合规，"
            f"{counts['unreachable']} 个无法访问。",
        ),
    )
    return False


def counts_of(results: list[StoredResult]) -> dict[str, int]:
    counts = {"compliant": 0, "non_compliant": 0, "unreachable": 0}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts


def results_json(provider_id: int, results: list[StoredResult]) -> dict[str, Any]:
    return {
        "provider_id": provider_id,
        "run_id": results[0].run_id if results else None,
        "scanned_at": results[0].scanned_at.isoformat() if results else None,
        "counts": counts_of(results),
        "results": [
            {
                "domain": r.domain,
                "site_number": r.site_number,
                "url": r.url,
                "fetch_status": r.fetch_status,
                "outcome": r.outcome,
                "dns_status": r.dns_status,
                "numbers": r.numbers,
                "findings": r.findings,
            }
            for r in results
        ],
    }


ProviderQuery = Annotated[int | None, Query(alias="provider", ge=1, description="an admin's choice of provider")]


@router.get("/provider/scans")
def scans_page(request: Request, provider: ProviderQuery = None) -> Response:
    from openbeian.scanner.compliance import latest_results

    actor = logged_in(request)
    provider_id, name = provider_of(request, actor, provider)
    running = report_finished(request, provider_id)
    results = latest_results(ctx_of(request), provider_id)
    context = {
        "running": running,
        "provider_name": name,
        "results": results,
        "counts": counts_of(results),
        "scanned_at": results[0].scanned_at if results else None,
        "query": f"provider={provider_id}" if actor.role is Role.ADMIN else "",
    }
    return render(request, "provider_scans.html", context, actor=actor)


@router.post("/provider/scans/run")
async def run_scans_now(request: Request, form: Form, provider: ProviderQuery = None) -> Response:
    actor = form_sender(request, form)
    provider_id, _ = provider_of(request, actor, provider)
    tasks = running_scans(request)
    if report_finished(request, provider_id):
        flash(request, Text("A scan is already running.", "已有扫描正在进行。"))
    else:
        from openbeian.scanner.compliance import run_compliance

        tasks[provider_id] = asyncio.create_task(run_compliance(ctx_of(request), provider_id, options_of(request)))
        flash(request, Text("Scan started.", "扫描已开始。"))
    return redirect(f"/provider/scans?provider={provider_id}" if actor.role is Role.ADMIN else "/provider/scans")


CurrentActor = Annotated[Actor, Depends(require_actor)]


@api_router.get("/provider/scans", tags=["scanner"], summary="The provider's latest footer-compliance run")
def scans_api(request: Request, actor: CurrentActor, provider: ProviderQuery = None) -> dict[str, Any]:
    from openbeian.scanner.compliance import latest_results

    provider_id, _ = provider_of(request, actor, provider)
    return results_json(provider_id, latest_results(ctx_of(request), provider_id))


@api_router.post("/provider/scans", tags=["scanner"], summary="Run the provider's footer-compliance scan now")
async def run_scans_api(request: Request, actor: CurrentActor, provider: ProviderQuery = None) -> dict[str, Any]:
    from openbeian.scanner.compliance import latest_results, run_compliance

    provider_id, _ = provider_of(request, actor, provider)
    await run_compliance(ctx_of(request), provider_id, options_of(request))
    return results_json(provider_id, latest_results(ctx_of(request), provider_id))
