"""Synthetic but valid identities: names, resident IDs and credit codes with correct check digits,
mobile numbers, domains, site names. Deterministic for a given random.Random."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from stdnum.cn import ric, uscc

from openbeian.domain.provinces import Province, all_provinces
from openbeian.rules import derive
from openbeian.rules.data import tables_at

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉萍晨子涵欣怡浩然宇轩梓萱思远博文雨桐一鸣嘉怡俊杰"
)
TRADE = [
    "云启",
    "星河",
    "智联",
    "恒信",
    "瑞丰",
    "华创",
    "博远",
    "新鼎",
    "锦程",
    "安泰",
    "汇通",
    "卓越",
    "鼎盛",
    "天成",
    "嘉禾",
]
INDUSTRY = ["科技", "信息技术", "网络科技", "贸易", "文化传媒", "电子商务", "软件", "数据服务", "教育咨询", "设计"]
BLOG_TOPICS = ["读书笔记", "旅行日记", "摄影作品", "技术随笔", "生活记录", "学习笔记", "美食日记", "跑步日志"]
SYLLABLES = ["yun", "xing", "zhi", "heng", "rui", "hua", "bo", "xin", "jin", "an", "hui", "tian", "jia", "ming", "long"]
TLDS = ["cn", "com", "net", "com.cn", "top", "xyz", "中国"]
MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "151", "158", "186", "187", "188", "177", "199"]


@cache
def counties(province: Province) -> tuple[str, ...]:
    """County codes of a province that python-stdnum knows (so resident IDs validate): cities 01-29, districts
    01-59, in order, up to the first city that brings the count to 20. Only codes in python-stdnum's table are
    probed (probing every possible code took seconds per run)."""
    known = _known_codes(province.code2)
    found = []
    for city in range(1, 30):
        for district in range(1, 60):
            code = f"{province.code2}{city:02d}{district:02d}"
            if code not in known:
                continue
            probe = code + "20000101001"  # Chongqing codes exist only from 1997 on
            if _valid_ric(probe + ric.calc_check_digit(probe + "0")):
                found.append(code)
        if len(found) >= 20:
            break
    return tuple(found)


def _known_codes(code2: str) -> frozenset[str]:
    """The 6-digit area codes under a province in python-stdnum's birthplace table."""
    from stdnum import numdb

    codes: set[str] = set()
    for _length, low, high, _props, *children in numdb.get("cn/loc").prefixes:
        if not low <= code2 <= high:
            continue
        for entry in children[0] if children else ():
            for n in range(int(entry[1]), int(entry[2]) + 1):
                codes.add(f"{code2}{n:04d}")
    return frozenset(codes)


def _valid_ric(number: str) -> bool:
    try:
        return bool(ric.is_valid(number))
    except KeyError:  # python-stdnum 2.2 fails on some codes of its own table
        return False


def resident_id(rng: random.Random, province: Province, min_age: int = 20, max_age: int = 60) -> str:
    while True:  # some county codes are valid only for some birth years
        county = rng.choice(counties(province))
        year = 2026 - rng.randint(min_age, max_age)
        body = f"{county}{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if _valid_ric(number):
            return number


def credit_code(rng: random.Random, province: Province) -> str:
    """A unified social credit code (统一社会信用代码) of an enterprise (91...) registered in the province."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    county = rng.choice(counties(province))
    body = "91" + county + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body + "0")


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def mobile(rng: random.Random, province: Province | None = None) -> str:
    """A valid mobile number; with a province, one whose number block is registered there (provinces that
    require a local leader's phone check this)."""
    if province is None:
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
    return rng.choice(local_blocks()[province.code]) + f"{rng.randint(0, 9_999):04d}"


@cache
def local_blocks(per_province: int = 12) -> dict[str, list[str]]:
    """Seven-digit mobile number blocks (the unit numbers are registered by) of every province, found once by a
    fixed-seed search of the phone-number geocoder, so that drawing a local number costs one random choice."""
    search = random.Random(0)
    blocks: dict[str, list[str]] = {p.code: [] for p in all_provinces()}
    for _ in range(400_000):
        block = search.choice(MOBILE_PREFIXES) + f"{search.randint(0, 9_999):04d}"
        found = derive.mobile(block + "0000")
        if found is not None and found[1] in blocks and len(blocks[found[1]]) < per_province:
            blocks[found[1]].append(block)
            if all(len(b) >= per_province for b in blocks.values()):
                break
    return blocks


def domain(rng: random.Random, unique: str) -> str:
    label = "".join(rng.choice(SYLLABLES) for _ in range(2)) + unique
    return f"{label}.{rng.choice(TLDS)}"


@dataclass(frozen=True, slots=True)
class Applicant:
    """A synthetic applicant and the order form it would fill in."""

    province: Province
    kind: str
    subject_name: str
    form: dict[str, Any]


def applicant(rng: random.Random, unique: str, province: Province | None = None, kind: str | None = None) -> Applicant:
    """An applicant with one to three sites; `unique` keeps domains apart across runs and processes."""
    province = province or rng.choice(all_provinces())
    kind = kind or rng.choices(["enterprise", "individual"], weights=[3, 1])[0]
    leader_name = person_name(rng)
    leader: dict[str, Any] = {
        "name": leader_name,
        "document": {"type": "resident_id", "number": resident_id(rng, province)},
        "mobile": mobile(rng, province),
        "email": f"u{unique}@example.cn",
    }
    if kind == "individual":
        subject_name = leader_name
        document = dict(leader["document"])
        sites: list[dict[str, Any]] = [{"name": f"{rng.choice(BLOG_TOPICS)}分享", "service_type": "website"}]
    else:
        subject_name = f"{province.short_name_zh}{rng.choice(TRADE)}{rng.choice(INDUSTRY)}有限公司"
        document = {"type": "business_license", "number": credit_code(rng, province)}
        sites = [{"name": f"{subject_name[:-4]}官网", "service_type": "website"}]
        for extra in range(rng.choice((0, 0, 1, 2))):
            kind_of = rng.choice(["website", "app", "mini_program"])
            site: dict[str, Any] = {"name": f"{rng.choice(TRADE)}{rng.choice(INDUSTRY)}服务", "service_type": kind_of}
            if kind_of != "website":
                site["app_id"] = f"cn.sim.app{unique}x{extra}"
                site["platform"] = "android" if kind_of == "app" else "wechat"
            if kind_of == "app":
                site["signing_fingerprint"] = "".join(rng.choice("0123456789ABCDEF") for _ in range(64))
            sites.append(site)
    for i, site in enumerate(sites):
        site["domains"] = (
            [domain(rng, f"{unique}s{i}")] if site["service_type"] == "website" or rng.random() < 0.5 else []
        )
    # Provinces that cap the domains of one order (a rule of the rules engine): leave out the sites over the cap.
    policy = tables_at(date.today()).policies.get(province.code)
    cap = policy.max_domains_per_order if policy else None
    if cap is not None:
        kept, count = [], 0
        for site in sites:
            if count + len(site["domains"]) <= cap:
                kept.append(site)
                count += len(site["domains"])
        sites = kept
    form = {
        "subject": {
            "kind": kind,
            "name": subject_name,
            "province": province.code,
            "document": document,
            "address": f"{province.name_zh}人民路{rng.randint(1, 999)}号",
            "leader": leader,
        },
        "sites": sites,
    }
    return Applicant(province, kind, subject_name, form)
