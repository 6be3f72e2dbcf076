"""The enforcement gate in the provider's console: the provider's domains by decision (page /provider/gate, API
/api/v1/provider/gate), and `enforcement(domains, provider_id)` for the "Enforcement" line of the order and filing
pages (what a gate deciding for that provider answers now).

Reviewers see their own provider; an admin chooses one with ?provider=ID. The decisions are read from the registry
now (gate/source.py decide_many), the same as `openbeian gate check` and a gate following the change feed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from openbeian.domain.orders import Actor
from openbeian.domain.workflow import Role
from openbeian.web.auth import require_actor
from openbeian.web.pages import ctx_of, logged_in, render
from openbeian.web.scan_pages import provider_of

if TYPE_CHECKING:
    from openbeian.gate.decision import Verdict

# The gate's modules (marisa-trie among them) are imported by the routes that use them, not with every worker.
router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1")
ORDER = ("allowed", "pending", "suspended", "unknown")
LIMIT = 5000

ProviderQuery = Annotated[int | None, Query(alias="provider", ge=1, description="an admin's choice of provider")]
CurrentActor = Annotated[Actor, Depends(require_actor)]


def gate_view(request: Request, provider_id: int) -> list[Verdict]:
    """Every domain of the provider (filed with its access, or in its orders in flight) with its decision."""
    from openbeian.gate.source import decide_many, provider_domains

    engine = ctx_of(request).db.engine
    with engine.connect() as conn:
        names = provider_domains(conn, provider_id, LIMIT)
    verdicts = decide_many(engine, names, provider_id)
    return sorted(verdicts, key=lambda v: (ORDER.index(v.decision.value), v.host))


@router.get("/provider/gate")
def gate_page(request: Request, provider: ProviderQuery = None) -> Response:
    actor = logged_in(request)
    provider_id, name = provider_of(request, actor, provider)
    verdicts = gate_view(request, provider_id)
    groups = [(d, [v for v in verdicts if v.decision.value == d]) for d in ORDER]
    context = {"provider_name": name, "groups": groups, "total": len(verdicts), "limit": LIMIT}
    return render(request, "provider_gate.html", context, actor=actor)


@api_router.get(
    "/provider/gate",
    tags=["gate"],
    summary="The provider's domains with the enforcement gate's decision on each",
    description="Reviewers see their own provider; an admin chooses one with ?provider=ID. Decision: allowed |"
    " pending | suspended | unknown, with a reason (see `openbeian gate check`). At most 5000 domains.",
)
def gate_api(request: Request, actor: CurrentActor, provider: ProviderQuery = None) -> dict[str, Any]:
    provider_id, name = provider_of(request, actor, provider)
    verdicts = gate_view(request, provider_id)
    counts = Counter(v.decision.value for v in verdicts)
    return {
        "provider": {"id": provider_id, "name": name},
        "counts": {d: counts.get(d, 0) for d in ORDER},
        "domains": [
            {"domain": v.host, "decision": v.decision.value, "reason": v.reason.value, "site_number": v.site_number}
            for v in verdicts
        ],
    }


class Enforcement:
    """`enforcement(domains, provider_id)` in templates: the gate's verdict on the first domain, for a provider (any
    provider when None); None without domains. Reads the registry when called (a handful of rows)."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def __call__(self, domains: Sequence[object], provider_id: int | None = None) -> Verdict | None:
        from openbeian.gate.decision import BadHost, normalise_host
        from openbeian.gate.source import decide_many

        for domain in domains:
            try:
                name = normalise_host(str(getattr(domain, "ascii", domain)))
            except BadHost:
                continue
            return decide_many(ctx_of(self.request).db.engine, [name], provider_id)[0]
        return None


def is_provider_side(actor: Actor | None) -> bool:
    return actor is not None and actor.role in (Role.REVIEWER, Role.ADMIN)
