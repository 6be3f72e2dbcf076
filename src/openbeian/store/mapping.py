"""Explicit row <-> domain mapping for the order payload (JSON documents in the orders table)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from openbeian.domain.access import AccessRecord
from openbeian.domain.domains import parse_domain
from openbeian.domain.numbers import ServiceType
from openbeian.domain.orders import IssuedNumbers, SmsChallenge, Verification
from openbeian.domain.sites import Site
from openbeian.domain.subjects import DocumentType, IdDocument, Person, Subject, SubjectKind


def person_to_dict(p: Person) -> dict[str, Any]:
    return {
        "name": p.name,
        "document": {"type": p.document.type.value, "number": p.document.number},
        "mobile": p.mobile,
        "email": p.email,
    }


def person_from_dict(d: dict[str, Any]) -> Person:
    doc = d["document"]
    return Person(d["name"], IdDocument(DocumentType(doc["type"]), doc["number"]), d["mobile"], d["email"])


def payload_to_json(
    subject: Subject, sites: tuple[Site, ...], access: AccessRecord, extras: dict[str, Any] | None = None
) -> str:
    return json.dumps(
        {
            **(extras or {}),
            "subject": {
                "kind": subject.kind.value,
                "name": subject.name,
                "province_code": subject.province_code,
                "document": {"type": subject.document.type.value, "number": subject.document.number},
                "leader": person_to_dict(subject.leader),
                "address": subject.address,
            },
            "sites": [
                {
                    "name": s.name,
                    "service_type": s.service_type.value,
                    "domains": [d.ascii for d in s.domains],
                    "leader": person_to_dict(s.leader),
                    "app_id": s.app_id,
                    "platform": s.platform,
                    "signing_fingerprint": s.signing_fingerprint,
                }
                for s in sites
            ],
            "access": {
                "provider_id": access.provider_id,
                "instance_id": access.instance_id,
                "ips": list(access.ips),
            },
        },
        ensure_ascii=False,
    )


def payload_from_json(text: str) -> tuple[Subject, tuple[Site, ...], AccessRecord]:
    return payload_from_dict(json.loads(text))


def payload_from_dict(data: dict[str, Any]) -> tuple[Subject, tuple[Site, ...], AccessRecord]:
    s = data["subject"]
    subject = Subject(
        kind=SubjectKind(s["kind"]),
        name=s["name"],
        province_code=s["province_code"],
        document=IdDocument(DocumentType(s["document"]["type"]), s["document"]["number"]),
        leader=person_from_dict(s["leader"]),
        address=s["address"],
    )
    sites = tuple(
        Site(
            name=x["name"],
            service_type=ServiceType(x["service_type"]),
            domains=tuple(parse_domain(d) for d in x["domains"]),
            leader=person_from_dict(x["leader"]),
            app_id=x["app_id"],
            platform=x.get("platform"),
            signing_fingerprint=x.get("signing_fingerprint"),
        )
        for x in data["sites"]
    )
    a = data["access"]
    return subject, sites, AccessRecord(a["provider_id"], a["instance_id"], tuple(a["ips"]))


def sms_to_json(sms: SmsChallenge | None) -> str | None:
    if sms is None:
        return None
    return json.dumps(
        {
            "phone": sms.phone,
            "code_digest": sms.code_digest,
            "sent_at": sms.sent_at.isoformat(),
            "expires_at": sms.expires_at.isoformat(),
            "wrong_tries": sms.wrong_tries,
            "resends": sms.resends,
        }
    )


def sms_from_json(text: str | None) -> SmsChallenge | None:
    if text is None:
        return None
    d = json.loads(text)
    return SmsChallenge(
        d["phone"],
        d["code_digest"],
        datetime.fromisoformat(d["sent_at"]),
        datetime.fromisoformat(d["expires_at"]),
        d["wrong_tries"],
        d.get("resends", 0),
    )


def issued_to_json(issued: IssuedNumbers | None) -> str | None:
    if issued is None:
        return None
    return json.dumps(
        {"subject_number": issued.subject_number, "site_numbers": list(issued.site_numbers)},
        ensure_ascii=False,
    )


def issued_from_json(text: str | None) -> IssuedNumbers | None:
    if text is None:
        return None
    d = json.loads(text)
    return IssuedNumbers(d["subject_number"], tuple(d["site_numbers"]))


def verification_to_dict(v: Verification) -> dict[str, Any]:
    return {
        "photo": v.photo,
        "photo_problems": list(v.photo_problems),
        "letter": v.letter,
        "face_check": v.face_check,
        "backdrop_to": v.backdrop_to,
    }


def verification_from_dict(d: dict[str, Any] | None) -> Verification:
    if not d:
        return Verification()
    return Verification(
        d.get("photo"), tuple(d.get("photo_problems") or ()), d.get("letter"), d.get("face_check"), d.get("backdrop_to")
    )
