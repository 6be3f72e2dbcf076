"""Facts documents the rules tests start from: a company and an individual that can file in Beijing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

BJ_ID = "110107199001010013"  # a resident ID card issued in Beijing (valid check digit)
HE_ID = "130124199001010013"  # issued in Hebei
USCC_BJ = "91110105MA01ABCDEB"  # a unified social credit code registered in Beijing
BJ_MOBILE = "+8613800138000"
HE_MOBILE = "+8613932100000"


def domain(name: str, holder: str, expires: str = "2027-06-30") -> dict[str, Any]:
    return {"name": name, "real_name_verified": True, "holder": holder, "expires": expires}


COMPANY: dict[str, Any] = {
    "province": "京",
    "licence": "filing",
    "hosting": {"region": "mainland", "provider_chinese": True},
    "subject": {
        "kind": "enterprise",
        "name": "北京示例科技有限公司",
        "nationality": "CN",
        "documents": [{"type": "business_license", "number": USCC_BJ, "issued_in": "110000"}],
        "foreign_ownership_percent": 0,
        "leader": {"mobile": BJ_MOBILE, "is_legal_representative": True},
    },
    "sites": [
        {
            "name": "示例科技官网",
            "kind": "website",
            "domains": [domain("example.cn", "北京示例科技有限公司")],
            "content": ["company"],
        }
    ],
}

PERSON: dict[str, Any] = {
    "province": "京",
    "licence": "filing",
    "hosting": {"region": "mainland", "provider_chinese": True},
    "subject": {
        "kind": "individual",
        "name": "张三",
        "nationality": "CN",
        "documents": [{"type": "resident_id", "number": BJ_ID}],
        "residence_province": "110000",
        "leader": {"mobile": BJ_MOBILE},
    },
    "sites": [
        {
            "name": "张三的个人博客",
            "kind": "website",
            "domains": [domain("zhangsan.cn", "张三")],
            "content": ["blog"],
        }
    ],
}


@pytest.fixture
def company() -> dict[str, Any]:
    return copy.deepcopy(COMPANY)


@pytest.fixture
def person() -> dict[str, Any]:
    return copy.deepcopy(PERSON)
