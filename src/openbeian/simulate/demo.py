"""Demo data for `openbeian demo` and `make run`: idempotent.

A provider with a reviewer, an officer for each of the 31 provincial regulators, an administrator,
an applicant with free service numbers and orders waiting in every stage, and about 200 approved
sites across the provinces (so the registry query has something to find).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from openbeian.domain.provinces import all_provinces, by_code
from openbeian.domain.workflow import Role, Stage
from openbeian.services.accounts import AccountService, actor_of
from openbeian.services.context import Context
from openbeian.services.resources import ResourceService
from openbeian.simulate.driver import PROVIDER_NAME, drive, ensure_cast, new_applicant_order

APPLICANT = ("applicant", "applicant-demo")
REVIEWER = ("reviewer", "reviewer-demo")
ADMIN = ("admin", "admin-demo")
OFFICER_PASSWORD = "officer-demo"
HOME_PROVINCE = "110000"  # the demo applicant files in Beijing
WAITING = (
    Stage.DRAFT,
    Stage.PROVIDER_REVIEW,
    Stage.VERIFICATION,
    Stage.SMS_CHECK,
    Stage.REGULATOR_REVIEW,
    Stage.APPROVED,
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    note: str


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("applicant", *APPLICANT, "files orders; has free service numbers and orders in every stage"),
        DemoLogin("reviewer", *REVIEWER, f"first review (初审) at the provider {PROVIDER_NAME}"),
        DemoLogin(
            "officer", "officer-110000", OFFICER_PASSWORD, "Beijing regulator; officer-<province code> for others"
        ),
        DemoLogin("admin", *ADMIN, "sees every order"),
    ]


def seed_demo(ctx: Context, approved_orders: int = 150, seed: int = 2026) -> bool:
    """Create the demo data unless it exists; True when it was created now."""
    with ctx.db.unit_of_work(readonly=True) as uow:
        if uow.accounts.by_username(APPLICANT[0]) is not None:
            return False
    accounts = AccountService(ctx)
    cast = ensure_cast(ctx, reviewer_username=REVIEWER[0], officer_prefix="officer")
    accounts.set_password(*REVIEWER)
    for province in all_provinces():
        accounts.set_password(f"officer-{province.code}", OFFICER_PASSWORD)
    accounts.create_user(*ADMIN, Role.ADMIN, "管理员 Admin")
    applicant = actor_of(accounts.create_user(*APPLICANT, Role.APPLICANT, "演示申请人 Demo applicant"))
    rng = random.Random(seed)

    # The demo applicant: an order waiting in each stage, and three free service numbers.
    for i, stage in enumerate(WAITING):
        _, order = new_applicant_order(
            ctx, cast, rng, f"demo{i}", province=by_code(HOME_PROVINCE), kind="enterprise", applicant=applicant
        )
        drive(ctx, cast, applicant, order, until=stage)
    ResourceService(ctx).add_instance(
        cast.reviewer, APPLICANT[0], ["47.93.10.20"], name="ecs-demo", region="cn-beijing", service_numbers=3
    )

    # The registry: approved applicants across all provinces.
    provinces = all_provinces()
    for i in range(approved_orders):
        applicant_i, order = new_applicant_order(ctx, cast, rng, f"reg{i}", province=provinces[i % len(provinces)])
        drive(ctx, cast, applicant_i, order)
    return True
