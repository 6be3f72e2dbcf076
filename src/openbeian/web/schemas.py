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
    app_id: str | None = None
    leader: PersonIn | None = Field(None, description="defaults to the subject's leader")


class OrderIn(BaseModel):
    service_number: str = Field("", description="备案服务号 from the provider's console")
    subject: SubjectIn = Field(default_factory=SubjectIn)
    sites: list[SiteIn] = Field(default_factory=list)


class ActionIn(BaseModel):
    note: str = Field("", description="reasons, required when returning or rejecting")


class SmsCodeIn(BaseModel):
    code: str = Field(..., examples=["123456"])


class LoginIn(BaseModel):
    username: str
    password: str
    token_name: str = "api"
