"""Hosting: a filing is for a server in mainland China bought from a Chinese provider. Hong Kong, Macao,
Taiwan and overseas hosting cannot be filed, and needs no filing."""

from __future__ import annotations

from collections.abc import Iterator

from openbeian.rules.data import Tables
from openbeian.rules.engine import Family, Hit, Severity, block, missing, rule
from openbeian.rules.facts import Facts
from openbeian.rules.labels import REGION


@rule(
    "HOST-MAINLAND",
    Family.HOSTING,
    Severity.BLOCK,
    ("Only sites hosted in mainland China are filed", "只有使用中国大陆服务器的网站才需要并可以备案"),
    "the seed guide (Could I get around getting an ICP?); MIIT Order 33 Art. 2",
)
def mainland(facts: Facts, tables: Tables) -> Iterator[Hit]:
    region = facts.hosting.region
    if region is None:
        yield missing(
            "hosting.region",
            "where the server is (only mainland China servers are filed)",
            "服务器所在地区（只有中国大陆的服务器需要并可以备案）",
        )
    elif region != "mainland":
        where = REGION[region]
        yield block(
            "hosting.region",
            f"A site hosted in {where.en} cannot be filed, and needs no filing: ICP filing is only for sites on "
            f"servers in mainland China. To file, move the site to a mainland server; to stay in {where.en}, "
            "serve it without a filing number.",
            f"{where.zh}服务器无法备案，也不需要备案：ICP备案只针对使用中国大陆服务器的网站。"
            f"如需备案，请将网站迁到中国大陆的服务器；继续使用{where.zh}服务器则无需备案。",
        )


@rule(
    "HOST-CHINESE-PROVIDER",
    Family.HOSTING,
    Severity.BLOCK,
    ("The server must come from a Chinese access provider", "服务器须向境内接入商购买"),
    "the seed guide (Step I: purchase from a Chinese provider); Tencent Cloud 能否进行备案 (谁接入谁备案)",
)
def chinese_provider(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if facts.hosting.region != "mainland":
        return
    if facts.hosting.provider_chinese is None:
        yield missing(
            "hosting.provider_chinese",
            "whether the server is bought from a Chinese access provider",
            "服务器是否向境内接入商购买",
        )
    elif not facts.hosting.provider_chinese:
        yield block(
            "hosting.provider_chinese",
            "The server must be bought from a Chinese access provider: the provider that hosts the site files it "
            "with the regulator. A domain may be registered elsewhere; the server may not.",
            "服务器须向境内接入商购买：备案由提供服务器的接入商提交管局（谁接入谁备案）。"
            "域名可以在其他服务商注册，服务器不行。",
        )


RULES = (mainland, chinese_provider)
