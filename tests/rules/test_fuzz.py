"""Any document the schema allows, however sparse or odd, parses and is checked without an exception."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbeian.rules import eligibility, parse_facts
from openbeian.rules.facts import SCHEMA
from openbeian.rules.spec import Array, Bool, Day, Enum, Node, Number, Obj, OneOf, Str

SAMPLES = {
    "province": ["京", "冀", "130000", "粤", "Sichuan", "65"],
    "issued_in": ["110000", "130000", "440300", "310115", "蜀"],
    "residence_province": ["110000", "130000", "沪"],
    "nationality": ["CN", "US", "HK", "TW", "de"],
    "number": ["110107199001010013", "91110105MA01ABCDEB", "X1234567", "123", ""],
    "mobile": ["+8613800138000", "13932100000", "+85291234567", "abc"],
    "name": ["example.cn", "示例.中国", "例子.io", "www.example.com.cn", "1.2.3.4", "北京示例科技有限公司", "张三"],
}


def strategy(node: Node, name: str = "") -> st.SearchStrategy[Any]:
    if isinstance(node, Obj):
        required = {k: strategy(v, k) for k, v in node.fields.items() if k in node.required}
        optional = {k: strategy(v, k) for k, v in node.fields.items() if k not in node.required}
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(node, Array):
        return st.lists(strategy(node.items, name), max_size=3)
    if isinstance(node, Enum):
        return st.sampled_from(node.values)
    if isinstance(node, Number):
        low = node.minimum if node.minimum is not None else 0
        high = node.maximum if node.maximum is not None else 100
        return st.integers(int(low), int(high))
    if isinstance(node, Bool):
        return st.booleans()
    if isinstance(node, Day):
        return st.dates(date(2020, 1, 1), date(2030, 1, 1)).map(date.isoformat)
    if isinstance(node, OneOf):
        return st.one_of(strategy(node.text, "name"), strategy(node.obj, "domain"))
    assert isinstance(node, Str)
    return st.sampled_from(SAMPLES.get(name, ["示例网站名称", "abc", "中国人民论坛"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategy(SCHEMA), st.dates(date(2015, 1, 1), date(2030, 1, 1)))
def test_any_schema_valid_document_is_checked_without_an_exception(data: dict[str, Any], day: date) -> None:
    result = eligibility(parse_facts(data), day)
    assert result["ok"] is not any(f["severity"] == "block" for f in result["findings"])
