"""Access (接入): the provider hosting a site, the server instance and the service number binding them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from openbeian.errors import ValidationError


@dataclass(frozen=True, slots=True)
class AccessRecord:
    provider_id: int
    instance_id: int
    ips: tuple[str, ...]


def parse_ips(texts: list[str], field: str = "access.ips") -> tuple[str, ...]:
    """Public IP addresses of the access record; private, loopback and reserved ranges are refused."""
    out: list[str] = []
    for i, text in enumerate(t for t in texts if t.strip()):
        try:
            ip = ipaddress.ip_address(text.strip())
        except ValueError:
            raise ValidationError.for_field(
                f"{field}[{i}]", f"{text!r} is not an IP address", f"{text!r} 不是 IP 地址"
            ) from None
        if not ip.is_global:
            raise ValidationError.for_field(f"{field}[{i}]", f"{ip} is not a public address", f"{ip} 不是公网地址")
        out.append(str(ip))
    if not out:
        raise ValidationError.for_field(field, "at least one public IP is required", "至少需要一个公网 IP")
    return tuple(out)
