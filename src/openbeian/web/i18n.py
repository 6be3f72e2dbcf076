"""The pages' message catalog: English msgid -> Simplified Chinese, and the language of a request.

Pages write English in the source, `_("Orders")`; `gettext(lang)` gives the function that translates
into the request's language. A msgid may hold `{name}` placeholders, filled after translation:
`_("Order {id}", id=7)`. Domain labels are not here: they travel as `Text(en, zh)` with the objects
(Stage.label, Role.label ...), as do error messages. `N_()` marks a msgid kept in a table for later
translation; a test checks that every marked msgid has its Chinese.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import Request

from openbeian.web.errors import language_of

LANGUAGES = {"en": "English", "zh-CN": "中文"}


class Translate(Protocol):
    def __call__(self, msgid: str, /, **values: object) -> str: ...


def N_(msgid: str) -> str:
    """Mark a msgid for the catalog without translating it now."""
    return msgid


def normalise_language(code: str) -> str | None:
    """zh-CN or en for the spellings a user may put in a link (zh, zh-cn, en-GB ...); None otherwise."""
    lower = code.strip().lower()
    if lower.startswith("zh"):
        return "zh-CN"
    if lower.startswith("en"):
        return "en"
    return None


def request_language(request: Request) -> str:
    """The `lang` cookie, then Accept-Language, then the configured default."""
    default = getattr(request.app.state.settings, "default_language", "en")
    return language_of(request.headers.get("accept-language"), request.cookies.get("lang"), default)


def gettext(lang: str) -> Translate:
    """The translating function of a language: `_(msgid, **values)`."""
    chinese = lang.lower().startswith("zh")

    def translate(msgid: str, /, **values: object) -> str:
        text = CATALOG.get(msgid, msgid) if chinese else msgid
        return text.format(**values) if values else text

    return translate


CATALOG: dict[str, str] = {
    # the frame
    "Skip to content": "跳到正文",
    "ICP filing": "ICP备案",
    "Main": "主导航",
    "Registry": "备案查询",
    "Orders": "备案订单",
    "API docs": "API 文档",
    "Log out": "退出登录",
    "Log in": "登录",
    "Times are China Standard Time (UTC+8).": "时间均为北京时间（UTC+8）。",
    "REST API": "REST API",
    # errors
    "Back to the orders": "返回订单列表",
    "HTTP status {status}": "HTTP 状态码 {status}",
    "Please log in": "请先登录",
    "Not allowed": "无权操作",
    "Not found": "未找到",
    "Conflict": "操作冲突",
    "Please check the input": "请检查输入内容",
    "Something went wrong": "出错了",
    # the registry query
    "Registry query": "备案查询",
    "ICP filing registry": "ICP 备案查询",
    "OpenBeian is an open-source implementation of China's ICP filing system (ICP备案). Applicants file orders, "
    "access providers review them, the provincial regulator issues the filing numbers, and anyone can query the "
    "public registry here.": "OpenBeian 是中国 ICP 备案系统的开源实现：申请人提交备案订单，接入商进行初审，"
    "省级通信管理局审核并发放备案号，任何人都可以在这里查询公开的备案信息。",
    "Applicants, provider reviewers and regulator officers log in to work on orders. Programs use the REST API:": (
        "备案申请人、接入商审核员和管局审核员登录后处理订单。程序可使用 REST API："
    ),
    "API documentation": "API 文档",
    "Search by": "查询方式",
    "Domain": "域名",
    "Filing number": "备案号",
    "Subject name": "主办单位名称",
    "e.g. example.cn or www.example.cn": "例如 example.cn 或 www.example.cn",
    "e.g. 京ICP备2024012345号-1": "例如 京ICP备2024012345号-1",
    "at least 2 characters of the name": "至少输入名称中的 2 个字符",
    "Domain, filing number or subject name": "域名、备案号或主办单位名称",
    "Query": "查询",
    "Records found: {n}": "找到 {n} 条备案信息",
    "Subject": "主办单位",
    "Kind": "性质",
    "Subject number": "主体备案号",
    "Site number": "网站备案号",
    "Site name": "网站名称",
    "Type": "类型",
    "Domains": "域名",
    "Province": "省份",
    "Approved": "审核通过日期",
    "Status": "状态",
    "Active": "正常",
    "Cancelled": "已注销",
    "Revoked": "已撤销",
    "No filing record found for “{q}”.": "没有找到“{q}”的备案信息。",
    "A site without a record may not be served from a mainland China server.": (
        "未备案的网站不得使用中国大陆境内的服务器提供服务。"
    ),
    # documents and site types
    "Resident ID card": "居民身份证",
    "Passport": "护照",
    "Foreigner's permanent residence ID": "外国人永久居留身份证",
    "Mainland travel permit (Hong Kong, Macao)": "港澳居民来往内地通行证",
    "Mainland travel permit (Taiwan)": "台湾居民来往大陆通行证",
    "Business licence": "营业执照",
    "Public institution certificate": "事业单位法人证书",
    "Social organisation certificate": "社会团体法人登记证书",
    "Government body credit code": "统一社会信用代码证书（机关）",
    "Website": "网站",
    "App": "App",
    "Mini program": "小程序",
    "Quick app": "快应用",
    # login
    "You are logged in as {name}. Logging in again switches the account.": "您已作为 {name} 登录。重新登录将切换账号。",
    "Username": "用户名",
    "Password": "密码",
    "Demo logins": "演示账号",
    "This is a sandbox: the command {command} (which make run calls) creates these accounts.": (
        "这是一个沙箱环境：命令 {command}（make run 会调用它）创建了以下账号。"
    ),
    "Role": "角色",
    "What for": "用途",
    "files orders; has free service numbers and an order in every stage": (
        "提交备案订单；有空闲的备案服务号，各阶段都有订单"
    ),
    "the access provider's first review (初审) and verification": "接入商的初审和核验",
    "the Beijing regulator; officer-<province code> for the others, e.g. officer-440000": (
        "北京市通信管理局；其他省份为 officer-<省份代码>，例如 officer-440000"
    ),
    "sees every order": "可查看所有订单",
    # order lists
    "My orders": "我的备案订单",
    "Review queue": "待审核订单",
    "Regulator queue": "管局审核队列",
    "All orders": "全部订单",
    "New filing order": "新建备案订单",
    "You have {n} free service number(s) for new orders.": "您有 {n} 个空闲的备案服务号可用于新订单。",
    "You have no free service number: each order needs one from your access provider (it comes with a server "
    "bought for 3 months or more).": "您没有空闲的备案服务号：每个订单都需要接入商提供的备案服务号"
    "（购买 3 个月以上的服务器时随附）。",
    "All stages": "全部阶段",
    "Show": "筛选",
    "Order": "订单",
    "Stage": "阶段",
    "Deadline": "截止时间",
    "overdue": "已超时",
    "Updated": "更新时间",
    "No orders here.": "暂无订单。",
    # the order page
    "Order {id}": "订单 {id}",
    "Edit draft": "修改草稿",
    "Filing numbers issued": "已发放备案号",
    "Show each site's number at the bottom of its home page, linked to https://beian.miit.gov.cn/, and file with "
    "the public security bureau (公安备案) within 30 days.": "请在网站首页底部展示备案号并链接到 "
    "https://beian.miit.gov.cn/，并在 30 日内办理公安备案。",
    "Returned with reasons": "已退回，原因如下",
    "Correct the draft, then submit it again.": "请修改草稿后重新提交。",
    "Waiting for": "等待",
    "the applicant: edit and submit the draft": "申请人：修改并提交草稿",
    "the access provider's first review": "接入商初审",
    "the access provider's identity verification": "接入商真实性核验",
    "the applicant: the SMS code sent to the leader's mobile": "申请人：输入发送到负责人手机的短信验证码",
    "the provincial regulator's review": "省通信管理局审核",
    "nobody: the filing is done": "无：备案已完成",
    "nobody: the order was withdrawn": "无：订单已撤销",
    "nobody: the order was abandoned": "无：订单已放弃",
    "Created": "创建时间",
    "Order created": "创建订单",
    "Full name": "姓名",
    "SMS check (工信部短信核验)": "工信部短信核验",
    "The MIIT has sent a 6-digit code to the leader's mobile {phone}. Enter it before {deadline}.": (
        "工信部已向负责人手机 {phone} 发送 6 位验证码，请在 {deadline} 前输入。"
    ),
    "Tries left: {n}": "剩余尝试次数：{n}",
    "SMS code": "短信验证码",
    "Confirm code": "提交验证码",
    "Development SMS outbox": "开发用短信发件箱",
    "What the leader's phone would receive. This sandbox shows it because OPENBEIAN_DEV_SMS_OUTBOX is on; a real "
    "deployment sends a text message instead.": "即负责人手机将收到的短信。此沙箱开启了 OPENBEIAN_DEV_SMS_OUTBOX，"
    "所以在此显示；正式部署时会发送真实短信。",
    "Actions": "操作",
    "Confirm once the applicant's identity is verified (photo against the backdrop, or face check).": (
        "申请人身份核验（幕布拍照或人脸核验）完成后再确认。"
    ),
    "Note": "备注",
    "required to return or reject: the applicant reads it": "退回或驳回时必填，申请人会看到",
    "This cannot be undone. Continue?": "此操作无法撤回，确定继续吗？",
    "Subject (主办单位)": "主办单位",
    "Name": "名称",
    "Document": "证件",
    "Mailing address": "通信地址",
    "Leader (负责人)": "负责人",
    "Mobile": "手机号码",
    "E-mail": "电子邮箱",
    "Sites": "网站 / App",
    "App ID": "App ID",
    "Leader": "负责人",
    "Access (接入)": "接入信息",
    "Service number": "备案服务号",
    "Access provider": "接入商",
    "Server IP addresses": "服务器 IP 地址",
    "History": "办理记录",
    "When": "时间",
    "Who": "操作人",
    "Action": "操作",
    "From": "原阶段",
    "To": "新阶段",
    "Draft": "草稿",
    # the order form
    "Edit order {id}": "修改订单 {id}",
    "A first filing (首次备案) for a subject that has no filing yet. The order is saved as a draft; you submit it "
    "for the provider's first review on the order page.": "首次备案：适用于尚未备案的主体。订单先保存为草稿，"
    "然后在订单页面提交接入商初审。",
    "Please correct the marked fields": "请修改标出的内容",
    "Save draft": "保存草稿",
    "Save changes": "保存修改",
    "Cancel": "取消",
    "Choose": "请选择",
    "Choose a service number": "请选择备案服务号",
    "Your access provider issues one with each server; it binds the server to this order.": (
        "接入商随每台服务器提供备案服务号，用于将服务器与本订单关联。"
    ),
    "You have no free service number. Ask your access provider for one (it comes with a server bought for 3 "
    "months or more).": "您没有空闲的备案服务号。请向接入商申请（购买 3 个月以上的服务器时随附）。",
    "Service number (备案服务号)": "备案服务号",
    "Subject kind": "主办单位性质",
    "Document type": "证件类型",
    "Document number": "证件号码",
    "Leader's name": "负责人姓名",
    "Leader's document type": "负责人证件类型",
    "Leader's document number": "负责人证件号码",
    "Leader's mobile": "负责人手机号码",
    "Leader's e-mail": "负责人电子邮箱",
    "Site type": "服务类型",
    "App ID or package name": "App ID 或包名",
    "Site leader's name": "网站负责人姓名",
    "Site leader's document type": "网站负责人证件类型",
    "Site leader's document number": "网站负责人证件号码",
    "Site leader's mobile": "网站负责人手机号码",
    "Site leader's e-mail": "网站负责人电子邮箱",
    "Where the subject is registered; it decides the regulator.": "主体所在省份，决定由哪个管局审核。",
    "The full name on the document. An individual may leave it blank: the leader's name is used.": (
        "与证件一致的全称。个人可不填，将使用负责人姓名。"
    ),
    "An individual uses a personal document; an enterprise its business licence.": (
        "个人使用个人证件，企业使用营业执照。"
    ),
    "For a business licence: the 18-character unified social credit code.": "营业执照请填写 18 位统一社会信用代码。",
    "Full mailing address, as on the document.": "完整的通信地址，与证件一致。",
    "An individual gives the same document as for the subject.": "个人主体请填写与主体相同的证件。",
    "A mainland China mobile number: it receives the MIIT SMS check.": "中国大陆手机号码，用于接收工信部核验短信。",
    "Site {n}": "网站 {n}",
    "2 to 60 characters; it must match what the site is about.": "2 到 60 个字符，须与网站内容相符。",
    "One per line, without http:// (for example example.cn). Apps may have none.": (
        "每行一个，不带 http://（例如 example.cn）。App 可以不填。"
    ),
    "Only for an app, mini program or quick app.": "仅 App、小程序、快应用需要填写。",
    "Site leader, if not the subject's leader": "网站负责人（与主体负责人不同时填写）",
    "Remove site {n}": "删除网站 {n}",
    "Add another site": "再添加一个网站",
    # the provider's footer-compliance console (web/scan_pages.py)
    "Footer compliance": "页脚备案合规检查",
    "Scan all filed domains now": "立即扫描全部备案域名",
    "Each active website filed through {provider}: its footer numbers, their links, registry and DNS.": (
        "经 {provider} 接入的每个有效网站：页脚号码、链接、备案记录与域名解析。"
    ),
    "Last run: {when}": "最近一次扫描：{when}",
    "{n} compliant": "{n} 个合规",
    "{n} not compliant": "{n} 个不合规",
    "{n} unreachable": "{n} 个无法访问",
    "Scan result": "扫描结论",
    "Home page fetch": "首页访问",
    "DNS check": "DNS 检查",
    "Scan findings": "发现的问题",
    "Compliant": "合规",
    "Not compliant": "不合规",
    "Unreachable": "无法访问",
    "No compliance run yet.": "尚未进行合规扫描。",
}
