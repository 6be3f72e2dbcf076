"""Names of the facts' enumerated values in English and Chinese, for messages."""

from __future__ import annotations

from openbeian.errors import Text

CONTENT = {
    "company": Text("a company site", "企业官网"),
    "blog": Text("a blog", "个人博客"),
    "news": Text("news", "新闻"),
    "forum": Text("a forum (electronic bulletin service)", "论坛（电子公告服务）"),
    "publishing": Text("publishing", "网络出版"),
    "education": Text("education", "教育"),
    "medical": Text("medical and health information", "医疗保健"),
    "drugs": Text("drugs and medical devices", "药品和医疗器械"),
    "culture": Text("internet culture", "网络文化"),
    "audiovisual": Text("radio, film and TV programmes", "广播电影电视节目"),
    "games": Text("online games", "网络游戏"),
    "finance": Text("finance", "互联网金融"),
    "ecommerce": Text("e-commerce", "电子商务"),
    "other": Text("other content", "其他"),
}

SUBJECT_KIND = {
    "individual": Text("an individual", "个人"),
    "enterprise": Text("an enterprise", "企业"),
    "government": Text("a government body", "政府机关"),
    "public_institution": Text("a public institution", "事业单位"),
    "social_organization": Text("a social organisation", "社会团体"),
}

DOCUMENT = {
    "resident_id": Text("resident ID card", "居民身份证"),
    "passport": Text("passport", "护照"),
    "residence_permit": Text("residence permit", "居住证 / 外国人居留许可"),
    "hk_macao_pass": Text("Mainland Travel Permit for Hong Kong and Macao Residents", "港澳居民来往内地通行证"),
    "taiwan_pass": Text("Mainland Travel Permit for Taiwan Residents", "台湾居民来往大陆通行证"),
    "foreign_permanent_residence": Text("Foreign Permanent Resident ID Card", "外国人永久居留身份证"),
    "business_license": Text("business licence", "营业执照"),
    "representative_office_certificate": Text(
        "Registration Certificate of a Foreign Enterprise's Representative Office", "外国企业常驻代表机构登记证"
    ),
    "institution_certificate": Text("public institution legal person certificate", "事业单位法人证书"),
    "social_org_certificate": Text("social organisation registration certificate", "社会团体法人登记证书"),
    "government_code": Text("unified social credit code certificate", "统一社会信用代码证书"),
    "foreign_company_registration": Text("foreign company registration", "境外公司注册文件"),
}

REGION = {
    "mainland": Text("mainland China", "中国大陆"),
    "hong_kong": Text("Hong Kong", "香港"),
    "macao": Text("Macao", "澳门"),
    "taiwan": Text("Taiwan", "台湾"),
    "overseas": Text("outside China", "海外"),
}
