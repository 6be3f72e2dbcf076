"""Pure extraction: every number a page carries, however it is written, and where it sits."""

from __future__ import annotations

import codecs

from hypothesis import given, settings
from hypothesis import strategies as st

from openbeian.domain.numbers import NumberKind
from openbeian.scanner.encoding import decode_html, detect_encoding
from openbeian.scanner.extract import LinkTarget, classify_link, extract

from .fixture_pages import BIG5_PAGE, BROKEN_HTML, footer_page


def canonicals(html: str | bytes, content_type: str | None = None) -> list[str]:
    return [n.canonical for n in extract(html, content_type).numbers]


def only(html: str | bytes):  # type: ignore[no-untyped-def]
    numbers = extract(html).numbers
    assert len(numbers) == 1, numbers
    return numbers[0]


def test_a_plain_footer_yields_the_filing_and_the_police_number_linked_in_the_footer() -> None:
    page = extract(footer_page())
    icp, police = page.numbers
    assert (icp.canonical, icp.kind, icp.valid) == ("京ICP备2023007649号-1", NumberKind.ICP_FILING, True)
    assert icp.displayed and icp.linked and icp.in_footer
    assert icp.link_target is LinkTarget.MIIT
    assert (police.canonical, police.kind, police.link_target) == (
        "京公网安备11010802020134号",
        NumberKind.POLICE_FILING,
        LinkTarget.MPS,
    )
    assert page.placeholders == ()
    assert page.title == "示例网站"


def test_numbers_split_by_spaces_tags_entities_and_full_width_characters_are_found() -> None:
    assert canonicals("<p>苏 ICP 备 2025 210868 号 - 1</p>") == ["苏ICP备2025210868号-1"]
    assert canonicals("<p>京<span>ICP</span>&#22791;<b>2023</b>007649<i>号</i></p>") == ["京ICP备2023007649号"]
    assert canonicals("<p>京ＩＣＰ备２０２３００７６４９号－２Ａ</p>") == ["京ICP备2023007649号-2A"]
    assert canonicals("<p>&#20140;&#73;&#67;&#80;&#22791;2023007649&#21495;</p>") == ["京ICP备2023007649号"]
    assert canonicals("<p>京\u200bICP备2023007649号</p>") == ["京ICP备2023007649号"]
    assert canonicals("<p>川公网安备&nbsp;51010802020134号</p>") == ["川公网安备51010802020134号"]


def test_every_kind_of_number_is_recognised_and_canonicalised() -> None:
    page = "<p>京ICP证030173号-1 粤B2-20090059 B2-20233776 蜀ICP备14032460号-3 甘公网安备62010202000123号</p>"
    numbers = extract(page).numbers
    assert [(n.canonical, n.kind) for n in numbers] == [
        ("京ICP证030173号-1", NumberKind.ICP_LICENCE),
        ("粤B2-20090059", NumberKind.TELECOM_LICENCE),
        ("B2-20233776", NumberKind.TELECOM_LICENCE),
        ("蜀ICP备14032460号-3", NumberKind.ICP_FILING),
        ("甘公网安备62010202000123号", NumberKind.POLICE_FILING),
    ]


def test_numbers_in_comments_scripts_styles_and_hidden_elements_are_found_but_not_displayed() -> None:
    page = (
        "<!-- 京ICP备2023007649号 -->"
        '<script>var icp = "沪ICP备2023007649号";</script>'
        "<style>/* 粤ICP备2023007649号 */</style>"
        '<div style="display: none">浙ICP备2023007649号</div>'
        '<div class="links d-none"><span>苏ICP备2023007649号</span></div>'
        "<p hidden>鲁ICP备2023007649号</p>"
        "<div><div class='hidden'>x</div><p>闽ICP备2023007649号</p></div>"
    )
    seen = {n.canonical[0]: n for n in extract(page).numbers}
    assert {k: n.hidden_by for k, n in seen.items()} == {
        "京": "comment",
        "沪": "script",
        "粤": "style",
        "浙": "hidden element",
        "苏": "hidden element",
        "鲁": "hidden element",
        "闽": None,
    }
    assert [k for k, n in seen.items() if n.displayed] == ["闽"]


def test_links_are_classified_by_the_filing_system_they_reach() -> None:
    assert classify_link("https://beian.miit.gov.cn/#/Integrated/index") is LinkTarget.MIIT
    assert classify_link("//beian.miit.gov.cn") is LinkTarget.MIIT
    assert classify_link("http://www.miibeian.gov.cn/") is LinkTarget.OUTDATED_MIIT
    assert classify_link("http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=1") is LinkTarget.OUTDATED_MPS
    assert classify_link("https://beian.mps.gov.cn/#/query/webSearch") is LinkTarget.MPS
    assert classify_link("https://icp.chinaz.com/") is LinkTarget.OTHER
    assert classify_link("/beian") is LinkTarget.OTHER
    old = only('<p><a href="http://www.miibeian.gov.cn/">京ICP备2023007649号</a></p>')
    assert (old.linked, old.href, old.link_target) == (True, "http://www.miibeian.gov.cn/", LinkTarget.OUTDATED_MIIT)
    unlinked = only('<p><a href="/about">About</a> 京ICP备2023007649号</p>')
    assert (unlinked.linked, unlinked.href) == (False, None)


def test_a_number_outside_any_footer_is_reported_as_such() -> None:
    page = (
        "<div id='top'>京ICP备2023007649号</div>"
        + "<p>content</p>" * 50
        + '<div class="site-footer"><a href="https://beian.miit.gov.cn/">沪ICP备2023007649号</a></div>'
    )
    top, bottom = extract(page).numbers
    assert (top.in_footer, bottom.in_footer) == (False, True)
    # Without any footer element, the last fifth of the page counts as the footer.
    tail = extract("<p>text</p>" * 50 + "<p>京ICP备2023007649号</p>").numbers[0]
    assert tail.in_footer


def test_placeholders_are_findings_never_numbers() -> None:
    page = extract(
        "<p>京ICP备XXXXXXXX号</p><p>粤ICP备********号-1</p><p>京公网安备00000000000000号</p>"
        "<p>京ICP备12345678号</p><p>沪ICP备88888888号</p>"
    )
    assert page.numbers == ()
    assert [p.text for p in page.placeholders] == [
        "京ICP备XXXXXXXX号",
        "粤ICP备********号-1",
        "京公网安备00000000000000号",
        "京ICP备12345678号",
        "沪ICP备88888888号",
    ]


def test_labels_are_not_numbers() -> None:
    page = extract("<p>ICP备案号：</p><p>公网安备案</p><p>ICP证：</p><p>#b2b2b2 B2B</p>")
    assert page.numbers == () and page.placeholders == ()


def test_malformed_numbers_are_numbers_that_are_not_valid() -> None:
    number = only("<p>京ICP备202300764号</p>")
    assert (number.valid, number.canonical) == (False, "京ICP备202300764号")
    assert number.error is not None and "9 digits" in number.error
    police = only("<p>京公网安备51010802020134号</p>")  # Sichuan digits behind the Beijing prefix
    assert not police.valid
    no_prefix = only("<p>ICP备2023007649号</p>")
    assert not no_prefix.valid
    too_long = only("<p>京ICP备20230076491号</p>")
    assert (too_long.valid, too_long.canonical) == (False, "京ICP备20230076491号")
    # A year after the number is not read into it.
    assert canonicals("<p>京ICP备2023007649 2024 版权所有</p>") == ["京ICP备2023007649号"]


def test_broken_html_still_yields_its_numbers() -> None:
    page = extract(BROKEN_HTML)
    assert [(n.canonical, n.linked, n.in_footer) for n in page.numbers] == [
        ("粤ICP备2023007649号-3", True, True),
        ("京公网安备11010802020134号", False, True),
    ]


def test_encodings_come_from_the_bom_the_header_or_the_meta_tag() -> None:
    gbk = footer_page().replace("utf-8", "gbk").encode("gbk")
    assert detect_encoding(gbk) == "gb18030"
    assert canonicals(gbk) == ["京ICP备2023007649号-1", "京公网安备11010802020134号"]
    bare = "<p>京ICP备2023007649号</p>".encode("gb18030")
    assert detect_encoding(bare, "text/html; charset=GB2312") == "gb18030"
    assert detect_encoding(bare) == "gb18030"  # not UTF-8, nothing declared: the usual Chinese encoding
    assert canonicals(bare) == ["京ICP备2023007649号"]
    assert canonicals(BIG5_PAGE.encode("big5"), "text/html; charset=big5") == [
        "京ICP备2023007649号-1",
        "京公网安备11010802020134号",
    ]
    utf16 = codecs.BOM_UTF16_LE + "<p>京ICP备2023007649号</p>".encode("utf-16-le")
    assert detect_encoding(utf16) == "utf-16"
    assert canonicals(utf16) == ["京ICP备2023007649号"]
    assert decode_html(codecs.BOM_UTF8 + "京".encode()) == ("京", "utf-8-sig")


def test_a_page_mislabelled_utf8_but_written_in_gbk_is_still_read() -> None:
    page = '<meta charset="utf-8"><p>京ICP备2023007649号</p>'.encode("gbk")
    assert canonicals(page) == ["京ICP备2023007649号"]


NOISE = st.text(alphabet=st.sampled_from(list("abc <>/=\"' 京公网安备ICP2023 号 -\n&;#")), max_size=60)


@settings(max_examples=150, deadline=None)
@given(before=NOISE, after=NOISE)
def test_a_real_number_between_any_noise_is_never_lost_and_never_reported_invalid(before: str, after: str) -> None:
    page = f"{before}<div>\n<p>浙ICP备2024123456号-2</p>\n</div>{after}"
    page = page.replace("<!--", "").replace("<script", "").replace("<style", "")
    found = [n for n in extract(page).numbers if n.canonical.startswith("浙ICP备2024123456号")]
    assert found and found[0].valid
