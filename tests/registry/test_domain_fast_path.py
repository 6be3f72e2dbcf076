"""parse_domain's fast path (plain lower-case ASCII names, the hot path of lookups) gives exactly what the full
path gives: the same DomainName, or hands over to it whenever the full path would refuse or transform the name."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from openbeian.domain import domains
from openbeian.domain.domains import parse_domain
from openbeian.errors import ValidationError

SUFFIXES = ["cn", "com", "com.cn", "net.cn", "bj.cn", "gov.cn", "github.io", "co.uk", "kawasaki.jp", "ck", "zz", "中国"]
label = st.from_regex(r"[a-z0-9][a-z0-9-]{0,8}[a-z0-9]|[a-z0-9]|xn--[a-z0-9]{2,6}|[0-9]{1,3}", fullmatch=True)
names = st.builds(
    lambda labels, suffix, upper: ".".join([*labels, suffix]).upper() if upper else ".".join([*labels, suffix]),
    st.lists(label, min_size=0, max_size=4),
    st.sampled_from(SUFFIXES),
    st.booleans(),
)


def full_path(text: str) -> domains.DomainName | None:
    try:
        return domains._parse_any(text, "domain")
    except ValidationError:
        return None


@settings(max_examples=500)
@given(names | st.text(alphabet="abc0-.:/ xnK", max_size=30))
@example("www.example.com.cn")
@example("city.kawasaki.jp")
@example("a.b.kawasaki.jp")
@example("www.ck")
@example("1.2.3.4")
@example("com.cn")
@example("-a.cn")
@example("a-.cn")
@example("ab--cd.cn")
def test_the_fast_path_gives_what_the_full_path_gives(text: str) -> None:
    fast = domains._parse_plain(text.lower()) if text.isascii() else None
    if fast is not None:
        assert fast == full_path(text)
    expected = full_path(text)
    if expected is None:
        try:
            parse_domain(text)
        except ValidationError:
            return
        raise AssertionError(f"{text!r} parsed but the full path refuses it")
    assert parse_domain(text) == expected


def test_a_plain_name_takes_the_fast_path_and_a_url_the_full_one() -> None:
    assert domains._parse_plain("www.example.com.cn") is not None
    assert domains._parse_plain("https://example.com") is None
    assert domains._parse_plain("xn--fsqu00a.xn--fiqs8s") is None
