"""The fixture sites' pages, shared by the HTTP fixture server and the extraction tests."""

from __future__ import annotations

MIIT = "https://beian.miit.gov.cn/"
MPS = "https://beian.mps.gov.cn/#/query/webSearch?code=11010802020134"


def footer_page(icp: str = "京ICP备2023007649号-1", police: str | None = "京公网安备11010802020134号") -> str:
    police_link = f'<a href="{MPS}" target="_blank">{police}</a>' if police else ""
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>示例网站</title></head><body>'
        "<header><nav><a href='/'>首页</a></nav></header><main><p>欢迎访问。</p></main>"
        f'<footer><p>版权所有 2026 示例</p><a href="{MIIT}" target="_blank">{icp}</a> {police_link}</footer>'
        "</body></html>"
    )


BROKEN_HTML = (
    "<html><body><div class=main><p>unclosed <b>bold <i>text < 3 > 2 & more"
    "<table><tr><td>cell<td>cell</table></div>"
    "<div class='footer'><p>Copyright &copy; 2026<br>"
    "<a href=https://beian.miit.gov.cn target=_blank>粤<span>ICP</span>&#22791;"
    " 2023&nbsp;007649 <font>号</font>-3</a>"
    "<p>京公网安备 11010802020134号"  # no closing tags at all
)


BIG5_PAGE = (
    "<html><head><title>範例網站</title></head><body><p>歡迎</p><div id='footer'>"
    f'<a href="{MIIT}">京ICP備2023007649號-1</a> <a href="{MPS}">京公網安備11010802020134號</a></div></body></html>'
)
