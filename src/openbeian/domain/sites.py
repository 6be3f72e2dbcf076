"""Sites (互联网信息服务): a website, app, mini program or quick app, with its domains and leader."""

from __future__ import annotations

import re
from dataclasses import dataclass

from openbeian.domain.domains import DomainName, parse_domain
from openbeian.domain.numbers import ServiceType
from openbeian.domain.subjects import Person
from openbeian.errors import ValidationError

_APP_ID = re.compile(r"^[A-Za-z0-9_.\-]{3,128}$")
# MD5, SHA-1 or SHA-256 of the signing certificate, as app stores print it (colons optional).
_FINGERPRINT = re.compile(r"^(?:[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64})$")
MAX_DOMAINS_PER_SITE = 10

# Where an app or mini program is distributed; quick apps run on the phone makers' alliance platform.
PLATFORMS: dict[ServiceType, tuple[str, ...]] = {
    ServiceType.APP: ("android", "ios", "harmonyos"),
    ServiceType.MINI_PROGRAM: ("wechat", "alipay", "baidu", "douyin", "qq"),
    ServiceType.QUICK_APP: ("quick_app_alliance",),
}


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    service_type: ServiceType
    domains: tuple[DomainName, ...]
    leader: Person
    app_id: str | None = None  # package name (app) or app id (mini program / quick app)
    platform: str | None = None  # apps and mini programs: where they are distributed
    signing_fingerprint: str | None = None  # apps: the signing key's fingerprint (hex, upper case)

    @property
    def domain_names(self) -> tuple[str, ...]:
        return tuple(d.unicode for d in self.domains)


def parse_site(
    index: int,
    name: str,
    service_type: str,
    domains: list[str],
    leader: Person,
    app_id: str | None = None,
    platform: str | None = None,
    signing_fingerprint: str | None = None,
) -> Site:
    field = f"sites[{index}]"
    clean_name = " ".join(name.split())
    if not 2 <= len(clean_name) <= 60:
        raise ValidationError.for_field(f"{field}.name", "must be 2 to 60 characters", "须为 2 到 60 个字符")
    try:
        kind = ServiceType(service_type)
    except ValueError:
        raise ValidationError.for_field(
            f"{field}.service_type",
            f"must be one of {', '.join(t.value for t in ServiceType)}",
            "须为 website、app、mini_program 或 quick_app 之一",
        ) from None
    texts = [d for d in domains if d.strip()]
    if kind is ServiceType.WEBSITE and not texts:
        raise ValidationError.for_field(
            f"{field}.domains", "a website needs at least one domain", "网站至少需要一个域名"
        )
    if len(texts) > MAX_DOMAINS_PER_SITE:
        raise ValidationError.for_field(
            f"{field}.domains",
            f"at most {MAX_DOMAINS_PER_SITE} domains per site",
            f"每个网站最多 {MAX_DOMAINS_PER_SITE} 个域名",
        )
    parsed: list[DomainName] = []
    for i, text in enumerate(texts):
        domain = parse_domain(text, f"{field}.domains[{i}]")
        if any(d.ascii == domain.ascii for d in parsed):
            raise ValidationError.for_field(f"{field}.domains[{i}]", "is listed twice", "重复填写")
        parsed.append(domain)
    clean_app_id = (app_id or "").strip() or None
    if kind is not ServiceType.WEBSITE and (clean_app_id is None or not _APP_ID.match(clean_app_id)):
        raise ValidationError.for_field(
            f"{field}.app_id",
            "apps, mini programs and quick apps need their package name or app id",
            "App、小程序、快应用须填写包名或 AppID",
        )
    clean_platform, fingerprint = None, None
    if kind is not ServiceType.WEBSITE:
        clean_platform = (platform or "").strip().lower() or PLATFORMS[kind][0]
        if clean_platform not in PLATFORMS[kind]:
            raise ValidationError.for_field(
                f"{field}.platform",
                f"must be one of {', '.join(PLATFORMS[kind])}",
                f"须为 {'、'.join(PLATFORMS[kind])} 之一",
            )
    if kind is ServiceType.APP:
        fingerprint = (signing_fingerprint or "").replace(":", "").replace(" ", "").upper()
        if not _FINGERPRINT.match(fingerprint):
            raise ValidationError.for_field(
                f"{field}.signing_fingerprint",
                "an app needs its signing certificate's MD5, SHA-1 or SHA-256 fingerprint (hex)",
                "App 须填写签名证书的 MD5、SHA-1 或 SHA-256 指纹（十六进制）",
            )
    return Site(clean_name, kind, tuple(parsed), leader, clean_app_id, clean_platform, fingerprint)
