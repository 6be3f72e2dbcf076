"""The synthetic registry: deterministic for a seed, and every row passes the import checks (real check digits,
numbers and domains the domain layer accepts), with the variety the national registry has."""

from __future__ import annotations

import io
import random
from collections import Counter
from pathlib import Path

from stdnum.cn import uscc

from openbeian.bulk.checks import BadRow, Filing, RowChecker, credit_code_is_valid
from openbeian.bulk.formats import FileFormat, RowSource
from openbeian.bulk.generate import generate
from openbeian.domain.domains import parse_domain
from openbeian.domain.numbers import NumberKind, parse_number

from .bulkfiles import generated


def text_of(sites: int, seed: int, file_format: FileFormat = FileFormat.CSV) -> str:
    out = io.StringIO()
    generate(out, sites, seed, file_format)
    return out.getvalue()


def test_the_same_seed_gives_the_same_file_and_another_seed_another() -> None:
    assert text_of(400, 11) == text_of(400, 11)
    assert text_of(400, 11, FileFormat.JSONL) == text_of(400, 11, FileFormat.JSONL)
    assert text_of(400, 11) != text_of(400, 12)


def test_the_file_has_exactly_the_sites_asked_for() -> None:
    assert text_of(123, 3).count("\n") == 124  # the header and one line per site


def test_every_generated_row_passes_the_import_checks_with_the_variety_of_the_real_registry(tmp_path: Path) -> None:
    checker = RowChecker()
    filings: list[Filing] = []
    with RowSource(generated(tmp_path / "r.csv", sites=3000, seed=9), FileFormat.CSV) as source:
        for row in source:
            checked = checker.check(row)
            assert not isinstance(checked, BadRow), checked
            filings.append(checked)
    assert len(filings) == 3000
    kinds = Counter(f.kind for f in filings)
    assert {"enterprise", "individual", "government", "public_institution"} <= set(kinds)
    assert 0.6 < kinds["enterprise"] / 3000 < 0.85 and 0.12 < kinds["individual"] / 3000 < 0.3
    assert {"website", "app", "mini_program"} <= {f.service_type.value for f in filings}
    domains = [d for f in filings for d in f.domains]
    assert len(domains) == len(set(domains)), "no domain is filed twice"
    assert any(d.startswith("xn--") for d in domains), "IDN domains"
    assert any(len(f.domains) > 1 for f in filings), "multi-domain sites"
    assert any(len(f.providers) > 1 for f in filings), "sites with several providers"
    assert len({p for f in filings for p in f.providers}) > 100
    assert any(f.cancelled_at is not None for f in filings) and any(f.subject_cancelled for f in filings)
    assert len({f.province_code for f in filings}) >= 25
    assert any(f.police_number for f in filings)
    assert len({f.document_key for f in filings if f.kind == "individual"}) == len(
        {f.subject_number for f in filings if f.kind == "individual"}
    )


def test_generated_numbers_domains_and_credit_codes_pass_the_domain_layer_and_python_stdnum(tmp_path: Path) -> None:
    checker = RowChecker()
    with RowSource(generated(tmp_path / "r.csv", sites=500, seed=2), FileFormat.CSV) as source:
        rows = list(source)
    for row in rows:
        filing = checker.check(row)
        assert isinstance(filing, Filing)
        assert parse_number(filing.site_number).canonical == filing.site_number
        assert parse_number(filing.subject_number).kind is NumberKind.ICP_FILING
        for domain in filing.domains:
            assert parse_domain(domain).ascii == domain
        if filing.credit_code is not None:
            assert uscc.is_valid(filing.credit_code)
        if filing.police_number is not None:
            assert parse_number(filing.police_number).kind is NumberKind.POLICE_FILING


def test_the_fast_credit_code_check_agrees_with_python_stdnum() -> None:
    rng = random.Random(4)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    samples = ["91110108MA01ABCD1X", "911101080000000000", "91110108MA01ABCDIX", "9111010", ""]
    for _ in range(3000):
        body = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(rng.choice(alphabet) for _ in range(9))
        samples.append(body + uscc.calc_check_digit(body + "0"))
        samples.append(body + rng.choice(alphabet + "IOZSV"))
    for code in samples:
        assert credit_code_is_valid(code) == uscc.is_valid(code), code


def test_the_fast_domain_and_police_number_paths_agree_with_the_domain_layer() -> None:
    from openbeian.bulk.generate import IDN_CHARS
    from openbeian.errors import ValidationError

    checker = RowChecker()
    rng = random.Random(8)
    names = [
        "Example.COM",
        "a.cn",
        "ab--c.com",
        "-a.com",
        "x.y.z.com",
        "www.example.com.cn",
        "a.invalidtld",
        "中文.com",
    ]
    for _ in range(500):
        label = "".join(rng.choice(IDN_CHARS) for _ in range(rng.randint(1, 6)))
        names += [f"{label}.{tld}" for tld in ("中国", "公司", "网络", "com", "com.cn")]
        names.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(8)) + ".com")
    for name in names:
        reasons: list[str] = []
        try:
            expected: str | None = parse_domain(name).ascii
        except ValidationError:
            expected = None
        assert checker._domain(name, reasons) == expected, name
    for police in ("京公网安备11010802020134号", "京公网安备31010802020134号", "川公网安备51010802020134号"):
        reasons = []
        found = checker._police(police, reasons)
        parsed = None if reasons else parse_number(police).canonical
        assert found == parsed, police


def test_domain_labels_are_spelt_one_way_only() -> None:
    """Labels are sequences over these alphabets: a repeated character or a syllable that begins another would
    let two sites spell the same domain (a 5 M-site file had 530 such conflicts before IDN_CHARS was deduplicated)."""
    from openbeian.bulk.generate import IDN_CHARS, SYLLABLES

    assert len(set(IDN_CHARS)) == len(IDN_CHARS)
    assert not [(a, b) for a in SYLLABLES for b in SYLLABLES if a != b and b.startswith(a)]
