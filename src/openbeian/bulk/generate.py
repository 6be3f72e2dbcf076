"""A synthetic national registry, deterministic for a seed, streamed row by row (constant memory).

Shape, from shared/reference/icp-filing-facts.md section 6 (end 2017: 5.26 M sites of 4.02 M subjects, 74 %
company-run, 22 % individual; 1-2 k access providers; 6-8 M domains for 5 M sites):
- subject kinds: 74 % enterprise, 22 % individual, 2 % public institution, 1.2 % government, 0.8 % social
  organisation; 1.3 sites per subject on average (individuals nearly always one);
- provinces: weighted by their economies; the only sourced share is Anhui's (164 k of 5 M sites, 3.3 %), the
  others are an assumption of the same order (Guangdong largest, Tibet smallest);
- numbers: 10-digit serials (YYYY + 6) from 2020 on, 8-digit (YY + 6) before, sequential with small gaps per
  province and year; sites numbered -1, -2 … shared across kinds (-2A app, -3X mini program, -4K quick app);
- domains: 1.4 per website, several TLDs of one name for multi-domain sites, 3 % IDN (例子.中国, 中文.com);
  20 % of apps and mini programs declare one;
- 1,200 access providers with a Zipf-like share, 9 % of sites with two or three;
- 3 % of sites cancelled, 1.5 % of subjects cancelled with all their sites; 35 % of websites with a police
  filing number; 2.5 % with pre-approval categories; 0.5 % limited access.

Every value passes the import checks: credit codes and ID numbers carry valid check digits (python-stdnum's
algorithms), numbers parse with domain/numbers.py, domains with domain/domains.py. Uniqueness (domains, credit
codes, ID numbers, numbers) comes from bijections of counters, not from remembering what was drawn, so memory
stays constant: the label of the n-th site's domains is the n-th term of a permuted sequence of pinyin
syllables taken from a prefix-free set (so that two sequences never spell the same label).
"""

from __future__ import annotations

import hashlib
import random
import time
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from math import gcd
from typing import IO, TypeVar

from stdnum.cn import ric

from openbeian.bulk.checks import credit_check_character
from openbeian.bulk.formats import SEPARATOR, FileFormat, RowSink
from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.ministry import NATURE_NAMES
from openbeian.domain.provinces import Province, all_provinces
from openbeian.domain.subjects import SubjectKind

END = datetime(2026, 10, 31, 23, 59, 59, tzinfo=CHINA_TZ)  # fixed, so that a seed always gives the same file
_END_TS = int(END.timestamp())

PROVINCE_WEIGHTS = {  # ICP prefix -> share in per mille (Anhui's 33 is sourced, the rest assumed)
    "粤": 140, "苏": 80, "浙": 80, "京": 80, "沪": 60, "鲁": 60, "闽": 45, "蜀": 45, "豫": 40, "鄂": 35,
    "皖": 33, "湘": 30, "冀": 30, "陕": 25, "渝": 22, "辽": 22, "赣": 20, "桂": 18, "津": 15, "滇": 15,
    "黑": 12, "晋": 12, "黔": 12, "吉": 10, "蒙": 8, "琼": 8, "陇": 7, "新": 7, "宁": 3, "青": 2, "藏": 1,
}  # fmt: skip
KIND_WEIGHTS = {
    SubjectKind.ENTERPRISE: 740,
    SubjectKind.INDIVIDUAL: 220,
    SubjectKind.PUBLIC_INSTITUTION: 20,
    SubjectKind.GOVERNMENT: 12,
    SubjectKind.SOCIAL_ORGANIZATION: 8,
}
CREDIT_PREFIX = {
    SubjectKind.ENTERPRISE: "91",
    SubjectKind.GOVERNMENT: "11",
    SubjectKind.PUBLIC_INSTITUTION: "12",
    SubjectKind.SOCIAL_ORGANIZATION: "51",
}
YEARS = list(range(2005, 2027))
_YEAR_SPANS = {
    y: (
        int(datetime(y, 1, 1, tzinfo=CHINA_TZ).timestamp()),
        min(_END_TS, int(datetime(y + 1, 1, 1, tzinfo=CHINA_TZ).timestamp()) - 1),
    )
    for y in YEARS
}
YEAR_WEIGHTS = [2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 9, 10, 10, 10, 10, 8]
ORG_SITES = ((1, 78), (2, 14), (3, 5), (4, 2), (6, 1))
DOMAIN_COUNTS = ((1, 720), (2, 200), (3, 60), (4, 15), (5, 5))
TLDS = (("com", 40), ("cn", 25), ("com.cn", 10), ("net", 8), ("top", 5), ("xyz", 2), ("vip", 2), ("net.cn", 2),
        ("org.cn", 1), ("cc", 2), ("tech", 1), ("ltd", 1), ("site", 1))  # fmt: skip
IDN_TLDS = (("中国", 40), ("com", 25), ("cn", 15), ("公司", 10), ("网络", 5), ("net", 5))
CONTENT_TYPES = ("新闻", "出版", "教育", "医疗保健", "药品和医疗器械", "文化", "广播电影电视节目", "网络预约车")

_SYLLABLE_TEXT = (
    "ba bai ban bang bao bei ben bi bian biao bing bo bu ca cai can cang cao ce chai chan chang chao che chen "
    "cheng chi chong chou chu chuan chuang chun ci cong cui cun da dai dan dang dao de deng di dian diao ding dong "
    "dou du duan dui dun duo fa fan fang fei fen feng fu ga gai gan gang gao ge gen geng gong gou gu gua guan "
    "guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian "
    "jiang jiao jie jin jing jiu ju juan jue jun ka kai kan kang kao ke ken kong kou ku kua kuai kuan kuang kui kun "
    "kuo la lai lan lang lao le lei leng li lian liang liao lie lin ling liu long lou lu luan lun luo ma mai man "
    "mang mao mei men meng mi mian miao min ming mo mou mu na nai nan nao nei neng ni nian niao nin ning niu nong "
    "nu nuo pa pai pan pang pao pei pen peng pi pian piao pin ping po pu qi qia qian qiang qiao qie qin qing qiu "
    "qu quan que qun ran rang rao re ren reng ri rong rou ru ruan rui run ruo sa sai san sang sao se sen sha shai "
    "shan shang shao she shen sheng shi shou shu shua shuai shuang shui shun shuo si song sou su suan sui sun suo "
    "ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng "
    "wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yong you "
    "yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhen zheng zhi zhong zhou "
    "zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo"
)
IDN_CHARS = "".join(dict.fromkeys(  # each character once, or two sequences could spell one label
    "云星智恒瑞华博新锦安汇卓鼎天嘉明远航达通信诚德盛宏泰丰和美佳乐康健福祥源鑫益众合创优品尚睿思维联网数码科技"
    "文化传媒教育咨询设计电子商务软件服务中心旅游美食摄影读书音乐体育运动健身花园家居汽车房产金融保险物流"
))  # fmt: skip
TRADE_CHARS = (
    "云星智恒瑞华博新锦安汇卓鼎天嘉明远航达通信诚德盛宏泰丰和美佳乐康健福祥源鑫益众合创优品尚睿思维腾飞龙凤"
    "金银海江河山川林森木水火光辉晨曦阳春秋月峰岭泉石玉宝珠彩虹蓝青紫橙朗润泽清逸雅致诺壹贰叁久"
)  # fmt: skip
INDUSTRIES = ("科技", "信息技术", "网络科技", "贸易", "文化传媒", "电子商务", "软件", "数据服务", "教育咨询",
              "设计", "餐饮管理", "物流", "医疗器械", "建筑工程", "广告", "旅游", "生物科技", "新能源", "机械",
              "服装")  # fmt: skip
COMPANY_FORMS = (("有限公司", 80), ("股份有限公司", 8), ("有限责任公司", 8), ("工作室", 4))
PLACES = ("东城", "西城", "朝阳", "海淀", "天河", "越秀", "南山", "福田", "鼓楼", "玄武", "江北", "高新", "城关",
          "新华", "和平", "开发", "经济", "滨海", "临江", "长安")  # fmt: skip
AGENCIES = ("人民政府", "市场监督管理局", "教育局", "公安局", "卫生健康委员会", "文化和旅游局", "人力资源和社会保障局")
INSTITUTIONS = ("第一中学", "实验小学", "人民医院", "图书馆", "博物馆", "研究院", "职业技术学院", "疾病预防控制中心")
SOCIETIES = ("行业协会", "商会", "基金会", "志愿者协会", "科学技术协会", "研究会")
TOPICS = ("读书笔记", "旅行日记", "摄影作品", "技术随笔", "生活记录", "学习笔记", "美食日记", "跑步日志", "编程博客")
SITE_WORDS = ("官网", "商城", "服务平台", "信息网", "在线", "门户", "云平台", "社区")
APP_WORDS = ("出行", "生活", "健康", "学习", "购物", "办公", "阅读", "视频", "音乐", "助手")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)  # fmt: skip
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红玉萍晨涵欣怡浩然宇轩梓萱思远博文雨桐鸣嘉俊"
PROVIDER_WORDS = ("云计算", "数据", "网络", "信息技术", "云科技", "互联网", "通信", "数据中心")
PROVIDERS = 1200


def _prefix_free(words: list[str]) -> tuple[str, ...]:
    """Drop every word another one starts with, so that concatenations decode one way only."""
    ordered = sorted(set(words))
    kept = [w for i, w in enumerate(ordered) if not (i + 1 < len(ordered) and ordered[i + 1].startswith(w))]
    return tuple(kept)


SYLLABLES = _prefix_free(_SYLLABLE_TEXT.split())


class _Bijection:
    """Numbers 0..n-1 shuffled (an affine map modulo n), so consecutive counters give unrelated values."""

    def __init__(self, n: int, rng: random.Random) -> None:
        self.n = n
        a = rng.randrange(n // 3, n) | 1
        while gcd(a, n) != 1:
            a += 2
        self.a, self.b = a, rng.randrange(n)

    def __call__(self, i: int) -> int:
        return (i * self.a + self.b) % self.n


def _sequence(index: int, alphabet: tuple[str, ...] | str, min_len: int) -> str:
    """The index-th word over the alphabet, shortest first, from min_len letters on (a bijection)."""
    k = len(alphabet)
    length = min_len
    while index >= k**length:
        index -= k**length
        length += 1
    letters = []
    for _ in range(length):
        index, digit = divmod(index, k)
        letters.append(alphabet[digit])
    return "".join(letters)


def _capacity(k: int, lengths: range) -> int:
    return sum(k**n for n in lengths)


@dataclass
class GenerateReport:
    sites: int = 0
    subjects: int = 0
    domains: int = 0


class RegistryGenerator:
    """Rows (tuples in formats.COLUMNS order) of a synthetic registry of `sites` sites."""

    def __init__(self, sites: int, seed: int) -> None:
        from openbeian.simulate.synth import counties  # county codes python-stdnum accepts (probed once)

        self.sites = sites
        self.rng = rng = random.Random(seed)
        by_abbr = {p.abbr: p for p in all_provinces()}
        self.provinces: list[Province] = [by_abbr[a] for a in PROVINCE_WEIGHTS]
        self.province_cum = _cumulative(PROVINCE_WEIGHTS.values())
        self.counties = {p.code: counties(p) for p in self.provinces}
        self.kinds = list(KIND_WEIGHTS)
        self.kind_cum = _cumulative(KIND_WEIGHTS.values())
        self.year_cum = _cumulative(YEAR_WEIGHTS)
        self.serials: dict[tuple[str, int], int] = {}
        self.labels = _Bijection(_capacity(len(SYLLABLES), range(2, 5)), rng)
        self.idn_labels = _Bijection(_capacity(len(IDN_CHARS), range(2, 4)), rng)
        self.credit_bodies = _Bijection(31**9, rng)
        self.people = _Bijection(365 * 45 * 1000, rng)  # (birth day, sequence) of resident IDs
        self.app_ids = _Bijection(16**12, rng)
        self.providers = _provider_names(random.Random(seed + 1))
        self.provider_cum = _cumulative(1 / (rank + 1) ** 1.1 for rank in range(len(self.providers)))
        self.report = GenerateReport()
        self._site_counter = 0
        self._idn_counter = 0
        self._org_counter = 0
        self._person_counter = 0

    def rows(self) -> Iterator[tuple[str, ...]]:
        while self.report.sites < self.sites:
            yield from self._subject()

    # -- subjects ----------------------------------------------------------------------------------------
    def _subject(self) -> Iterator[tuple[str, ...]]:
        rng = self.rng
        province = _draw(rng, self.provinces, self.province_cum)
        kind = _draw(rng, self.kinds, self.kind_cum)
        year = _draw(rng, YEARS, self.year_cum)
        serial = self.serials.get((province.code, year), 0) + rng.randint(1, 3)
        self.serials[province.code, year] = serial
        digits = f"{year}{serial:06d}" if year >= 2020 else f"{year % 100:02d}{serial:06d}"
        number = f"{province.abbr}ICP备{digits}号"
        start, end = _YEAR_SPANS[year]
        approved = start + int(rng.random() * (end - start))
        if kind is SubjectKind.INDIVIDUAL:
            name = self._person_name()
            credit, key = "", self._person_key(province)
            count = 1 if rng.random() < 0.95 else 2
        else:
            name = self._org_name(province, kind)
            credit, key = self._credit_code(province, kind), ""
            count = _pick(rng, ORG_SITES)
        count = min(count, self.sites - self.report.sites)
        times = sorted([approved] + [approved + int(rng.random() * (_END_TS - approved)) for _ in range(count - 1)])
        subject_cancel = rng.random() < 0.015
        cancel_all = rng.randint(times[-1], _END_TS) if subject_cancel else 0
        main_provider = self._provider_index()
        self.report.subjects += 1
        for seq in range(1, count + 1):
            cancel = cancel_all or (rng.randint(times[seq - 1], _END_TS) if rng.random() < 0.03 else 0)
            row = self._site(province, kind, name, number, seq, times[seq - 1], credit, key, main_provider, cancel)
            yield (*row, "cancelled" if subject_cancel else "active")

    def _site(
        self,
        province: Province,
        kind: SubjectKind,
        unit: str,
        number: str,
        seq: int,
        approved: int,
        credit: str,
        key: str,
        main_provider: int,
        cancel: int,
    ) -> tuple[str, ...]:
        rng = self.rng
        individual = kind is SubjectKind.INDIVIDUAL
        r = rng.random()
        if individual or (seq == 1 and r < 0.9) or (seq > 1 and r < 0.6):
            letter = ""
        elif r < (0.95 if seq == 1 else 0.8):
            letter = "A"
        elif r < (1.0 if seq == 1 else 0.97):
            letter = "X"
        else:
            letter = "K"
        domains = self._domains(letter)
        site_name, app_id = self._site_name_and_app(letter, unit, individual)
        home = ""
        if domains:
            home = ("https://" if rng.random() < 0.4 else "http://www.") + domains[0]
        content = ""
        if rng.random() < 0.025:
            content = SEPARATOR.join(sorted(rng.sample(CONTENT_TYPES, 1 if rng.random() < 0.8 else 2)))
        leader = unit if individual else self._person_name()
        providers = {self.providers[main_provider if rng.random() < 0.85 else self._provider_index()]}
        extra = rng.random()
        if extra < 0.09:
            providers.add(self.providers[self._provider_index()])
            if extra < 0.01:
                providers.add(self.providers[self._provider_index()])
        police = ""
        if not letter and rng.random() < 0.35:
            county = _one(rng, self.counties[province.code])
            police = f"{province.police_prefix}公网安备{county}{rng.randrange(10**8):08d}号"
        self.report.sites += 1
        self.report.domains += len(domains)
        return (
            unit,
            NATURE_NAMES[kind],
            number,
            f"{number}-{seq}{letter}",
            site_name,
            SEPARATOR.join(domains),
            home,
            content,
            leader,
            "是" if rng.random() < 0.005 else "否",
            _time(approved),
            credit,
            key,
            app_id,
            SEPARATOR.join(sorted(providers)),
            police,
            "cancelled" if cancel else "active",
            _time(cancel) if cancel else "",
        )  # mainStatus: added by the caller

    # -- parts -------------------------------------------------------------------------------------------
    def _domains(self, letter: str) -> list[str]:
        rng = self.rng
        if letter and rng.random() >= 0.2:
            return []
        count = 1 if letter else _pick(rng, DOMAIN_COUNTS)
        if rng.random() < 0.03:
            label = _sequence(self.idn_labels(self._idn_counter), IDN_CHARS, 2)
            self._idn_counter += 1
            tlds = _distinct(rng, IDN_TLDS, count)
        else:
            label = _sequence(self.labels(self._site_counter), SYLLABLES, 2)
            self._site_counter += 1
            tlds = _distinct(rng, TLDS, count)
        return sorted(f"{label}.{tld}" for tld in tlds)

    def _site_name_and_app(self, letter: str, unit: str, individual: bool) -> tuple[str, str]:
        rng = self.rng
        trade = _one(rng, TRADE_CHARS) + _one(rng, TRADE_CHARS)
        if not letter:
            if individual:
                return (f"{unit[0]}的{_one(rng, TOPICS)}" if rng.random() < 0.5 else f"{_one(rng, TOPICS)}分享"), ""
            return trade + _one(rng, SITE_WORDS), ""
        serial = self.app_ids(self._site_counter + self._idn_counter * 7 + self.report.sites)
        if letter == "X":
            return f"{trade}{_one(rng, APP_WORDS)}小程序", f"wx{serial:012x}{rng.randrange(16**4):04x}"
        app = _sequence(self.labels(self.report.sites), SYLLABLES, 2)
        if letter == "K":
            return f"{trade}{_one(rng, APP_WORDS)}快应用", f"com.{app}.quickapp"
        return f"{trade}{_one(rng, APP_WORDS)}", f"com.{app}.app{serial % 1000}"

    def _person_name(self) -> str:
        rng = self.rng
        return _one(rng, SURNAMES) + "".join(_one(rng, GIVEN) for _ in range(1 if rng.random() < 0.4 else 2))

    def _person_key(self, province: Province) -> str:
        """The key of a valid, unique resident ID number (the number itself is not written)."""
        day, sequence = divmod(self.people(self._person_counter), 1000)
        self._person_counter += 1
        born = datetime.fromtimestamp(int(datetime(1960, 1, 1, tzinfo=UTC).timestamp()) + day * 86400, UTC)
        body = f"{_one(self.rng, self.counties[province.code])}{born:%Y%m%d}{sequence:03d}"
        number = body + ric.calc_check_digit(body + "0")
        return hashlib.sha256(f"resident_id:{number}".encode()).hexdigest()

    def _credit_code(self, province: Province, kind: SubjectKind) -> str:
        index = self.credit_bodies(self._org_counter)
        self._org_counter += 1
        body = "".join(_USCC[(index // 31**i) % 31] for i in range(9))
        code = CREDIT_PREFIX[kind] + _one(self.rng, self.counties[province.code]) + body
        return code + credit_check_character(code)

    def _org_name(self, province: Province, kind: SubjectKind) -> str:
        rng = self.rng
        region = province.short_name_zh
        trade = _one(rng, TRADE_CHARS) + _one(rng, TRADE_CHARS)
        if kind is SubjectKind.ENTERPRISE:
            head = region if rng.random() < 0.7 else ""
            return f"{head}{trade}{_one(rng, INDUSTRIES)}{_pick(rng, COMPANY_FORMS)}"
        place = _one(rng, PLACES)
        if kind is SubjectKind.GOVERNMENT:
            return f"{region}{place}区{_one(rng, AGENCIES)}"
        if kind is SubjectKind.PUBLIC_INSTITUTION:
            return f"{region}{place}{_one(rng, INSTITUTIONS)}"
        return f"{region}{trade}{_one(rng, INDUSTRIES)}{_one(rng, SOCIETIES)}"

    def _provider_index(self) -> int:
        return bisect(self.provider_cum, self.rng.random() * self.provider_cum[-1])


_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _provider_names(rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < PROVIDERS:
        name = f"{_one(rng, TRADE_CHARS)}{_one(rng, TRADE_CHARS)}{_one(rng, PROVIDER_WORDS)}有限公司"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _cumulative(weights: object) -> list[float]:
    total, out = 0.0, []
    for w in weights:  # type: ignore[attr-defined]
        total += w
        out.append(total)
    return out


T = TypeVar("T")
_TABLES: dict[int, tuple[list[object], list[float]]] = {}


def _pick(rng: random.Random, table: tuple[tuple[T, int], ...]) -> T:
    """A weighted draw from a (value, weight) table (its cumulative weights computed once)."""
    found = _TABLES.get(id(table))
    if found is None:
        found = _TABLES[id(table)] = ([v for v, _ in table], _cumulative(w for _, w in table))
    values, cum = found
    return _draw(rng, values, cum)  # type: ignore[return-value]


def _one(rng: random.Random, values: Sequence[T]) -> T:
    """rng.choice without its bookkeeping (a quarter of the cost)."""
    return values[int(rng.random() * len(values))]


def _draw(rng: random.Random, values: Sequence[T], cum: list[float]) -> T:
    """values[i] with probability proportional to its weight (cum: the cumulative weights)."""
    return values[bisect(cum, rng.random() * cum[-1])]


def _distinct(rng: random.Random, table: tuple[tuple[str, int], ...], count: int) -> list[str]:
    first = _pick(rng, table)
    if count == 1:
        return [first]
    others = [v for v, _ in table if v != first]
    return [first, *rng.sample(others, min(count - 1, len(others)))]


def _time(ts: int) -> str:
    """format_record_time of a POSIX time, without datetime (Beijing time has no daylight saving)."""
    t = time.gmtime(ts + 8 * 3600)
    return "%04d-%02d-%02d %02d:%02d:%02d" % t[:6]  # noqa: UP031 - the fastest way to format six numbers


def generate(
    out: IO[str], sites: int, seed: int, file_format: FileFormat, progress: Callable[[int], None] | None = None
) -> GenerateReport:
    """Write a registry of `sites` sites; `progress` is told the number of rows written, now and then."""
    generator = RegistryGenerator(sites, seed)
    sink = RowSink(out, file_format)
    for row in generator.rows():
        sink.write(row)
        if progress is not None and generator.report.sites % 10_000 == 0:
            progress(generator.report.sites)
    if progress is not None:
        progress(generator.report.sites)
    return generator.report
