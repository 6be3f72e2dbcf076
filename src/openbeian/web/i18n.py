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
    "Page {page}: records {first} to {last}": "第 {page} 页：第 {first} 至 {last} 条",
    "Result pages": "结果分页",
    "Previous page": "上一页",
    "Next page": "下一页",
    "Batch query": "批量查询",
    "Domains or filing numbers, one a line (at most {n})": "域名或备案号，每行一个（最多 {n} 个）",
    "Check the list": "核对列表",
    "Paste at least one domain or filing number.": "请至少粘贴一个域名或备案号。",
    "At most {n} lines at once.": "一次最多查询 {n} 行。",
    "Results: {filed} filed, {unfiled} not filed, {invalid} invalid": (
        "结果：已备案 {filed} 个，未备案 {unfiled} 个，无效 {invalid} 个"
    ),
    "Line": "行",
    "Domain or filing number": "域名或备案号",
    "Result": "结果",
    "Details": "详情",
    "Filed": "已备案",
    "Not filed": "未备案",
    "Invalid": "无效",
    " and {n} more": " 等另外 {n} 个",
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
    "The kind of order follows from the registry: a first filing (首次备案) for a subject not filed yet, a new site "
    "(新增网站) for a filed subject, access (接入备案) for a site filed with another provider. The order is saved as "
    "a draft; you submit it for the provider's first review on the order page.": (
        "订单类型由备案库决定：尚未备案的主体为首次备案，已备案主体的新网站为新增网站，已在其他接入商备案的网站为"
        "接入备案。订单先保存为草稿，然后在订单页面提交接入商初审。"
    ),
    "{kind} of {target}: the form holds the filed content. Edit what changes; the order is saved as a draft that "
    "you submit on the order page.": "{target} 的{kind}：表单中为已备案的内容。请修改需要变更的部分；订单保存为"
    "草稿，然后在订单页面提交。",
    "Where the app or mini program is distributed.": "App 或小程序的发布平台。",
    "Not an app": "非 App",
    "Apps only: the MD5, SHA-1 or SHA-256 fingerprint of the signing certificate, in hex.": (
        "仅限 App：签名证书的 MD5、SHA-1 或 SHA-256 指纹（十六进制）。"
    ),
    "Platform": "发布平台",
    "Signing certificate fingerprint": "签名证书指纹",
    "Android": "安卓（Android）",
    "iOS": "iOS",
    "HarmonyOS": "鸿蒙（HarmonyOS）",
    "WeChat mini program": "微信小程序",
    "Alipay mini program": "支付宝小程序",
    "Baidu smart program": "百度智能小程序",
    "Douyin mini program": "抖音小程序",
    "QQ mini program": "QQ 小程序",
    "Quick App Alliance": "快应用联盟",
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
    "A scan is running: reload the page to see its results.": "扫描正在进行：刷新页面即可查看结果。",
    # the lifecycle: navigation, order list
    "My filings": "我的备案",
    "Cleanup": "空壳清理",
    "Overdue only": "仅显示已超期",
    # the order page: kind, targets, hosting credit, SMS resend, verification, findings
    "Concerns the filings": "涉及的备案号",
    "Free hosting during the review": "备案期间免费延期",
    "Your server's expiry moved by {days} day(s), for the time from the first-review submission ({submitted}) to "
    "the approval ({approved}): it now expires on {expires}.": (
        "为补偿从提交初审（{submitted}）到备案通过（{approved}）的时间，您的服务器到期时间已顺延 {days} 天，"
        "现于 {expires} 到期。"
    ),
    "Send a new code": "重新发送验证码",
    "The new code replaces the last one; the wrong tries and the 24 hours still count.": (
        "新验证码将替代上一个；已用的错误次数和 24 小时有效期不变。"
    ),
    "Verification (真实性核验)": "真实性核验",
    "Still missing before the verification can be confirmed:": "确认核验前还缺少：",
    "The material is complete: the provider can confirm the verification.": "核验材料已齐全：接入商可以确认核验。",
    "Backdrop photo": "幕布照片",
    "not uploaded": "未上传",
    "uploaded, the automatic check found problems": "已上传，自动检查发现问题",
    "uploaded, passed the automatic check": "已上传，通过自动检查",
    "Authenticity letter": "真实性核验单",
    "uploaded": "已上传",
    "Face check": "人脸核验",
    "not recorded": "未登记",
    "The automatic photo check found:": "照片自动检查发现：",
    "File": "文件",
    "Purpose": "用途",
    "Size": "大小",
    "Uploaded": "上传时间",
    "{kb} KB": "{kb} KB",
    "What it is": "文件类型",
    "File (PNG, JPEG or PDF)": "文件（PNG、JPEG 或 PDF）",
    "Upload": "上传",
    "Face check reference": "人脸核验记录编号",
    "Record face check": "登记人脸核验",
    "Leader's photo against the backdrop (幕布照片)": "负责人幕布照片",
    "Signed authenticity letter (真实性核验单)": "签字的真实性核验单",
    "Rule findings at submission": "提交时的规则检查结果",
    "Severity": "级别",
    "Field": "字段",
    "Message": "说明",
    "Rule": "规则",
    "Source": "依据",
    "Blocks the order": "阻止提交",
    "Warning": "警告",
    "Site {n}: {field}": "第 {n} 个网站：{field}",
    # My filings
    "The subjects and sites you filed. Changes and cancellations start here as a draft order; record each "
    "website's police filing (公安备案) number within 30 days of the approval.": (
        "您已备案的主体和网站。变更和注销从这里开始，先生成草稿订单；请在备案通过后 30 日内登记每个网站的公安备案号。"
    ),
    "Change the subject": "变更主体",
    "Cancel the subject": "注销主体",
    "Access providers": "接入商",
    "Police filing": "公安备案",
    "Requests": "办理",
    "none: an empty shell": "无：空壳网站",
    "Due by {date}": "须于 {date} 前登记",
    "Police filing number for {site}": "{site} 的公安备案号",
    "e.g. 京公网安备11010802020134号": "如 京公网安备11010802020134号",
    "Record": "登记",
    "Change the site": "变更网站",
    "Cancel the site": "注销网站",
    "Cancel the access": "取消接入",
    "You have no filed sites yet: an approved order puts its sites here.": (
        "您还没有已备案的网站：订单通过后网站会显示在这里。"
    ),
    # change and cancel requests
    "Change or cancel a filing": "变更或注销备案",
    "Order kind": "订单类型",
    "Create the draft": "生成草稿",
    "Back to my filings": "返回我的备案",
    "Change the subject {target}": "变更主体 {target}",
    "Change the site {target}": "变更网站 {target}",
    "Change the access of {target}": "变更 {target} 的接入",
    "Cancel the subject {target}": "注销主体 {target}",
    "Cancel the site {target}": "注销网站 {target}",
    "Cancel this provider's access to {target}": "取消本接入商对 {target} 的接入",
    "A draft with the filed subject is created; edit what changed, then submit it. An individual may become an "
    "organisation, not the other way round; the province never changes.": (
        "将以已备案的主体信息生成草稿；修改变更的内容后提交。个人可变更为单位，反之不可；省份不能变更。"
    ),
    "A draft with the filed site is created; edit what changed, then submit it. A site change may only remove "
    "domains: a new domain needs an add-site order.": (
        "将以已备案的网站信息生成草稿；修改变更的内容后提交。网站变更只能删除域名：新域名须通过新增网站备案。"
    ),
    "A draft with the filed site is created; choose the new service number in it.": (
        "将以已备案的网站信息生成草稿；请在其中选择新的备案服务号。"
    ),
    "The subject and every site under it leave the registry once the regulator approves. A cancelled number is "
    "never restored, and the request cannot be withdrawn once it is at the regulator.": (
        "管局审核通过后，该主体及其下所有网站将从备案库注销。注销的备案号不会恢复，申请提交管局后不能撤回。"
    ),
    "The site leaves the registry once the regulator approves; its domains may then be filed again. A cancelled "
    "number is never restored, and the request cannot be withdrawn once it is at the regulator.": (
        "管局审核通过后，该网站将从备案库注销，其域名可重新备案。注销的备案号不会恢复，申请提交管局后不能撤回。"
    ),
    "This provider stops serving the site; a site left with no access becomes an empty shell that the regulator "
    "cancels after a notice. The request cannot be withdrawn once it is at the regulator.": (
        "本接入商将停止为该网站提供接入；没有任何接入的网站成为空壳网站，管局公示后将予以注销。申请提交管局后不能撤回。"
    ),
    # the regulator's cleanup
    "Cleanup of empty shells": "空壳清理",
    "Empty shells (空壳): filed subjects without an active site and sites that no provider serves any more. A "
    "notice gives the owner time to restore them; what is still empty when it runs out is cancelled.": (
        "空壳：没有有效网站的已备案主体，以及没有任何接入商接入的网站。公示给予备案人恢复的时间；公示期满仍为空壳的"
        "将被注销。"
    ),
    "Empty shells: {n}": "空壳：{n} 个",
    "Publish notices ({n})": "发布公示（{n} 条）",
    "Reason": "原因",
    "Notice": "公示",
    "no notice yet": "尚未公示",
    "noticed {noticed}; cancelled after {due} if still empty": "已于 {noticed} 公示；{due} 后仍为空壳将被注销",
    "Cured: it has a site or access again": "已恢复：重新有了网站或接入",
    "No empty shells in your province.": "本省没有空壳。",
    "Subject without sites": "没有网站的主体",
    "Site without access": "没有接入的网站",
    "Blacklist": "黑名单",
    "A blacklisted subject or domain cannot start a new order.": "列入黑名单的主体或域名不能发起新的备案订单。",
    "Value": "内容",
    "Added": "加入时间",
    "The blacklist is empty.": "黑名单为空。",
    "Add to the blacklist": "加入黑名单",
    "Subject (by its document)": "主体（按证件）",
    "Document type (subjects only)": "证件类型（仅限主体）",
    "Domain or document number": "域名或证件号码",
    # the enforcement gate (provider_gate.html, gate_enforcement.html)
    "Enforcement": "访问拦截",
    "Enforcement gate": "备案拦截",
    "Served": "放行",
    "Blocked while in review": "审核期间拦截",
    "Blocked: suspended": "已暂停，拦截",
    "Blocked: not filed here": "未在此备案，拦截",
    "filed with this provider": "已在本接入商备案",
    "access filing past the first review": "接入备案已通过初审",
    "an order for it is in review": "其备案订单正在审核",
    "the filing was cancelled": "备案已注销",
    "on the blacklist": "已列入黑名单",
    "an empty-shell notice ran out": "空壳公示期已满",
    "filed with another provider": "已在其他接入商备案",
    "served from an address not in the access record": "访问地址不在接入信息中",
    "not filed": "未备案",
    "What the gate at {provider}'s edge does with each domain filed through it or in its orders now: served, or"
    " blocked with the reason.": "{provider} 边缘的备案拦截对经其备案或在其订单中的每个域名的当前处理："
    "放行，或拦截及原因。",
    "The first {n} domains.": "前 {n} 个域名。",
    "None.": "无。",
}
