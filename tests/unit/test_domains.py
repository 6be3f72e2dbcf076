from __future__ import annotations

import re
import socket

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from publicsuffixlist import PublicSuffixList

from openbeian.domain import domains
from openbeian.domain.domains import DomainName, parse_domain, registrable_domain
from openbeian.errors import ValidationError

CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- accepted forms ---------------------------------------------------------------------------------


def test_a_chinese_domain_is_parsed_into_both_forms() -> None:
    assert parse_domain("例子.中国") == DomainName(
        ascii="xn--fsqu00a.xn--fiqs8s",
        unicode="例子.中国",
        registrable="xn--fsqu00a.xn--fiqs8s",
        tld="xn--fiqs8s",
    )


def test_an_a_label_domain_gives_the_same_name_as_its_unicode_form() -> None:
    assert parse_domain("xn--fsqu00a.xn--fiqs8s") == parse_domain("例子.中国")
    assert parse_domain("XN--FSQU00A.XN--FIQS8S") == parse_domain("例子.中国")


def test_upper_case_spaces_and_a_trailing_dot_are_normalised() -> None:
    name = parse_domain("  WWW.Example.COM.cn.  ")
    assert name.ascii == "www.example.com.cn"
    assert name.unicode == "www.example.com.cn"


def test_a_pasted_url_is_reduced_to_its_host() -> None:
    assert parse_domain("https://WWW.Example.com:8080/a?b").ascii == "www.example.com"
    assert parse_domain("http://user:secret@example.com/path#top").ascii == "example.com"
    assert parse_domain("//example.com/x").ascii == "example.com"
    assert parse_domain("example.com/index.html").ascii == "example.com"
    assert parse_domain("example.com:443").ascii == "example.com"
    assert parse_domain("https://例子.中国/备案").ascii == "xn--fsqu00a.xn--fiqs8s"


@pytest.mark.parametrize("dot", ["。", "．", "｡"], ids=["ideographic", "fullwidth", "halfwidth ideographic"])
def test_full_width_dots_count_as_dots(dot: str) -> None:
    assert parse_domain(f"例子{dot}中国").ascii == "xn--fsqu00a.xn--fiqs8s"
    assert parse_domain(f"www{dot}example{dot}com").ascii == "www.example.com"


def test_full_width_letters_are_mapped_to_ascii() -> None:
    assert parse_domain("ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ").ascii == "www.example.com"


def test_the_registrable_domain_and_the_public_suffix_come_from_the_public_suffix_list() -> None:
    name = parse_domain("www.example.com.cn")
    assert name.registrable == "example.com.cn"
    assert name.tld == "com.cn"
    assert not name.is_registrable
    assert parse_domain("example.com.cn").is_registrable


def test_a_sub_domain_of_a_chinese_domain_keeps_its_registrable_parent() -> None:
    name = parse_domain("www.例子.中国")
    assert name.ascii == "www.xn--fsqu00a.xn--fiqs8s"
    assert name.unicode == "www.例子.中国"
    assert name.registrable == "xn--fsqu00a.xn--fiqs8s"
    assert not name.is_registrable


def test_private_hosting_suffixes_do_not_count_so_the_provider_domain_is_registrable() -> None:
    name = parse_domain("someone.github.io")
    assert name.registrable == "github.io"
    assert name.tld == "io"


def test_wildcard_and_exception_rules_of_the_suffix_list_apply() -> None:
    # *.kobe.jp makes every x.kobe.jp a public suffix, except city.kobe.jp (!city.kobe.jp).
    name = parse_domain("shop.example.kobe.jp")
    assert name.tld == "example.kobe.jp"
    assert name.registrable == "shop.example.kobe.jp"
    assert parse_domain("www.city.kobe.jp").registrable == "city.kobe.jp"


def test_registrable_domain_is_a_shortcut_for_the_registrable_part() -> None:
    assert registrable_domain("https://www.Example.com.cn/about") == "example.com.cn"


def test_a_domain_name_prints_as_its_ascii_form() -> None:
    assert str(parse_domain("例子.中国")) == "xn--fsqu00a.xn--fiqs8s"


def test_a_label_of_63_characters_and_a_name_of_253_are_accepted() -> None:
    name = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 57, "com"])
    assert len(name) == 253
    assert parse_domain(name).ascii == name


# --- refused input -----------------------------------------------------------------------------------

REFUSED = {
    "empty": ("", "enter a domain name"),
    "only spaces": ("   ", "enter a domain name"),
    "IPv4 address": ("192.0.2.1", "IP address"),
    "IPv4 address in a URL": ("http://192.0.2.1:8080/", "IP address"),
    "IPv6 address in a URL": ("https://[2001:db8::1]/", "IP address"),
    "bare IPv6 address": ("2001:db8::1", "IP address"),
    "single label": ("localhost", "at least two labels"),
    "single IDN label": ("中国", "at least two labels"),
    "label of 64 characters": ("a" * 64 + ".com", "at most 63 characters"),
    "name of 254 characters": (".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 58, "com"]), "at most 253"),
    "underscore": ("my_site.com", "not allowed"),
    "space inside": ("exa mple.com", "not allowed"),
    "wildcard": ("*.example.com", "not allowed"),
    "symbol": ("exa!mple.com", "not allowed"),
    "leading hyphen": ("-example.com", "hyphen"),
    "trailing hyphen": ("example-.com", "hyphen"),
    "hyphens in 3rd and 4th place": ("ab--cd.com", "3rd and 4th"),
    "broken punycode": ("xn--zz.com", "Punycode"),
    "two dots in a row": ("example..com", "empty label"),
    "leading dot": (".example.com", "empty label"),
    "bare public suffix": ("com.cn", "public suffix"),
    "bare wildcard suffix": ("kobe.jp", "public suffix"),
    "name matched by a wildcard suffix": ("example.kobe.jp", "public suffix"),
    "unknown top-level domain": ("example.notatld", "unknown top-level domain"),
    "far too long": ("a" * 5000 + ".com", "too long"),
}


@pytest.mark.parametrize(("text", "expected"), list(REFUSED.values()), ids=list(REFUSED))
def test_bad_input_is_refused_with_a_bilingual_message_for_the_field(text: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_domain(text)
    error = caught.value
    assert error.code == "invalid"
    assert set(error.fields) == {"domain"}
    assert expected in error.fields["domain"].en
    assert CHINESE.search(error.fields["domain"].zh)


def test_the_error_names_the_field_it_was_given() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_domain("com.cn", field="sites.0.domain")
    assert set(caught.value.fields) == {"sites.0.domain"}
    assert str(caught.value.to_dict("zh")["message"]).startswith("sites.0.domain：")
    assert "com.cn" in caught.value.fields["sites.0.domain"].zh


def test_the_unknown_top_level_domain_is_named_in_the_message() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_domain("www.example.notatld")
    assert ".notatld" in caught.value.fields["domain"].en
    assert ".notatld" in caught.value.fields["domain"].zh


def test_parsing_never_opens_a_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    domains._suffix_list.cache_clear()
    assert parse_domain("www.example.com.cn").registrable == "example.com.cn"


# --- properties ----------------------------------------------------------------------------------------

ASCII_LABELS = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?\Z").filter(lambda s: s[2:4] != "--")
SUFFIXES = st.sampled_from(["com", "cn", "com.cn", "net.cn", "org", "xn--fiqs8s", "xn--55qx5d"])
CJK_LABELS = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=8)
ICANN = PublicSuffixList(only_icann=True)


def _domain(labels: list[str], suffix: str) -> str:
    """Join labels to a suffix, skipping draws whose last label makes a longer suffix (com + cn)."""
    assume(not ICANN.is_public(f"{labels[-1]}.{suffix}"))
    return ".".join([*labels, suffix])


@given(labels=st.lists(ASCII_LABELS, min_size=1, max_size=3), suffix=SUFFIXES)
def test_parsing_the_unicode_form_again_gives_the_same_name(labels: list[str], suffix: str) -> None:
    text = _domain(labels, suffix)
    name = parse_domain(text)
    assert parse_domain(name.unicode) == name
    assert parse_domain(name.ascii) == name
    assert name.ascii == text


@given(labels=st.lists(CJK_LABELS, min_size=1, max_size=3), suffix=SUFFIXES)
def test_a_chinese_name_survives_a_round_trip_through_its_ascii_form(labels: list[str], suffix: str) -> None:
    name = parse_domain(_domain(labels, suffix))
    assert parse_domain(name.ascii) == name
    assert parse_domain(name.unicode) == name
    assert name.ascii.isascii()
    assert name.ascii == name.ascii.lower()


@given(labels=st.lists(ASCII_LABELS, min_size=1, max_size=3), suffix=SUFFIXES)
def test_case_and_a_trailing_dot_do_not_change_the_name(labels: list[str], suffix: str) -> None:
    text = _domain(labels, suffix)
    assert parse_domain(text.upper() + ".") == parse_domain(text)


@given(labels=st.lists(ASCII_LABELS, min_size=1, max_size=3), suffix=SUFFIXES)
def test_the_registrable_domain_is_the_suffix_plus_one_label(labels: list[str], suffix: str) -> None:
    name = parse_domain(_domain(labels, suffix))
    assert name.tld == suffix
    assert name.registrable == f"{labels[-1]}.{suffix}"
    assert name.is_registrable == (len(labels) == 1)
