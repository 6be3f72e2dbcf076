"""API request bodies (pydantic, for OpenAPI and JSON types only). The domain validates the content,
so that every error names its field in both languages."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DocumentIn(BaseModel):
    type: str = Field("", examples=["resident_id"], description="resident_id | passport | business_license ...")
    number: str = Field("", examples=["11010519491231002X"])


class PersonIn(BaseModel):
    name: str = ""
    document: DocumentIn = Field(default_factory=DocumentIn)
    mobile: str = Field("", examples=["13800138000"])
    email: str = ""


class SubjectIn(BaseModel):
    kind: str = Field("", examples=["enterprise"], description="individual | enterprise | government | ...")
    name: str = ""
    province: str = Field("", examples=["京", "110000"], description="abbreviation, name or GB/T 2260 code")
    document: DocumentIn = Field(default_factory=DocumentIn)
    address: str = ""
    leader: PersonIn = Field(default_factory=PersonIn)


class SiteIn(BaseModel):
    name: str = ""
    service_type: str = Field("website", description="website | app | mini_program | quick_app")
    domains: list[str] = Field(default_factory=list, examples=[["example.cn"]])
    app_id: str | None = Field(None, description="apps: package name; mini programs and quick apps: app id")
    platform: str | None = Field(
        None, description="apps: android | ios | harmonyos; mini programs: wechat | alipay ..."
    )
    signing_fingerprint: str | None = Field(None, description="apps: MD5, SHA-1 or SHA-256 of the signing key (hex)")
    leader: PersonIn | None = Field(None, description="defaults to the subject's leader")


class OrderIn(BaseModel):
    action: str | None = Field(
        None,
        description="file (default) | change | cancel. The kind follows from the registry: a filing becomes a first "
        "filing, an added site or an added access; a change or cancellation acts on `target`.",
    )
    target: str | None = Field(None, description="change / cancel: the filed subject or site number")
    scope: str | None = Field(None, description="change / cancel of a site: `access` for one provider's access only")
    provider_id: int | None = Field(
        None, description="cancel access: the provider whose access ends (default: the filed one)"
    )
    service_number: str | None = Field(None, description="备案服务号 from the provider's console")
    subject: SubjectIn | None = None
    sites: list[SiteIn] | None = None


class ReferenceIn(BaseModel):
    reference: str = Field(..., description="the provider's face-check record")


class PoliceNumberIn(BaseModel):
    police_number: str = Field(..., examples=["京公网安备11010802020134号"])


class BlacklistIn(BaseModel):
    kind: str = Field(..., description="subject | domain")
    value: str = Field(..., description="the domain, or the subject's document number")
    document_type: str = Field("business_license", description="subject entries: the document type")
    reason: str


class ActionIn(BaseModel):
    note: str = Field("", description="reasons, required when returning or rejecting")


class SmsCodeIn(BaseModel):
    code: str = Field(..., examples=["123456"])


class LoginIn(BaseModel):
    username: str
    password: str
    token_name: str = "api"


class BackdropIn(BaseModel):
    province: str = Field(
        ..., examples=["浙江", "330000"], description="a mainland province (name, abbreviation or code)"
    )
    address: str = Field(..., examples=["杭州市西湖区文三路 1 号"])
