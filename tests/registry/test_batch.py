"""Batch queries: many domains or many numbers at once, one answer per item in input order, an item that does not
parse answered with its own error (the others still answered), at most 1,000 items."""

from __future__ import annotations

import pytest

from openbeian.errors import ValidationError
from openbeian.services.context import Context
from openbeian.services.registry import MAX_BATCH, RegistryService
from registry.seed import Seeded, seed_subjects


@pytest.fixture
def seeded(ctx: Context) -> list[Seeded]:
    return seed_subjects(ctx.db, [f"批量查询{i}有限公司" for i in range(1, 41)], sites_each=2)


def test_a_domain_batch_answers_each_item_in_input_order(ctx: Context, seeded: list[Seeded]) -> None:
    items = [
        "seeded1-1.cn",
        "1.2.3.4",
        "unfiled.cn",
        "www.seeded2-2.cn",
        "SEEDED1-1.CN",
        "not a domain",
        "seeded40-1.cn",
    ]
    answers = RegistryService(ctx).batch(domains=items)
    assert [a.query for a in answers] == items
    assert [[r.site_number for r in a.records] for a in answers] == [
        [seeded[0].site_numbers[0]],
        [],
        [],
        [seeded[1].site_numbers[1]],
        [seeded[0].site_numbers[0]],
        [],
        [seeded[39].site_numbers[0]],
    ]
    errors = [a.error for a in answers]
    assert [e is None for e in errors] == [True, False, True, True, True, False, True]
    assert errors[1] is not None and "IP" in errors[1].en and "IP" in errors[1].zh


def test_a_batch_answers_what_single_lookups_answer(ctx: Context, seeded: list[Seeded]) -> None:
    registry = RegistryService(ctx)
    items = [f"{('', 'www.')[i % 2]}seeded{i % 45 + 1}-{i % 3 + 1}.cn" for i in range(MAX_BATCH)]
    answers = registry.batch(domains=items)
    assert len(answers) == MAX_BATCH
    assert [a.records for a in answers] == [registry.by_domain(item) for item in items]
    assert sum(1 for a in answers if a.records) > 500


def test_a_number_batch_finds_sites_and_every_site_of_a_subject(ctx: Context, seeded: list[Seeded]) -> None:
    first, second = seeded[0], seeded[1]
    items = [
        second.site_numbers[1],
        first.subject_number,
        "京ICP备XXXXXXXX号",
        "京公网安备11010802020134号",
        "京ICP备2025099999号",
        first.site_numbers[0].replace("号", ""),
    ]
    answers = RegistryService(ctx).batch(numbers=items)
    assert [a.query for a in answers] == items
    assert [[r.site_number for r in a.records] for a in answers] == [
        [second.site_numbers[1]],
        list(first.site_numbers),
        [],
        [],
        [],
        [first.site_numbers[0]],
    ]
    assert [a.error is None for a in answers] == [True, True, False, False, True, True]


def test_an_empty_batch_answers_nothing(ctx: Context) -> None:
    assert RegistryService(ctx).batch(domains=[]) == []
    assert RegistryService(ctx).batch(numbers=[]) == []


def test_more_than_1000_items_are_refused_on_their_field(ctx: Context) -> None:
    with pytest.raises(ValidationError) as caught:
        RegistryService(ctx).batch(domains=["a.cn"] * (MAX_BATCH + 1))
    assert set(caught.value.fields) == {"domains"}
    with pytest.raises(ValidationError) as caught:
        RegistryService(ctx).batch(numbers=["京ICP备2025000001号"] * (MAX_BATCH + 1))
    assert set(caught.value.fields) == {"numbers"}


@pytest.mark.parametrize("given", [{}, {"domains": ["a.cn"], "numbers": ["京ICP备2025000001号"]}])
def test_a_batch_takes_domains_or_numbers(ctx: Context, given: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError) as caught:
        RegistryService(ctx).batch(**given)
    assert set(caught.value.fields) == {"query"}
