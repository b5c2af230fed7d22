"""Who issued a document and at which level of government, read from its own text.

Used when a document is added without --issuer / --level (a bulk add of a folder of laws):
  issuer  the body named in the title (国务院关于…的意见 → 国务院; 柳州市人民政府办公室关于印发…
          → 柳州市人民政府办公室), else the body on the first adoption / promulgation line of the
          head (2023年1月6日 东莞市第十七届人民代表大会常务委员会第九次会议通过 →
          东莞市人民代表大会常务委员会; 中华人民共和国国务院令第472号公布 → 国务院)
  level   national (全国人大, 国务院, 最高人民法院/检察院, a ministry, a title beginning
          中华人民共和国), region (an autonomous region: 广西壮族自治区…), province (a province or
          a municipality directly under the central government: 浙江省, 上海市), city (any other)
Only the head is read (the lines before the first article), so a body cited in an article never
counts. What the text does not show stays empty / city, as before.
"""
from __future__ import annotations

import re

_CN_NUM = "〇零一二三四五六七八九十百"
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
_BODY_END = ("人民代表大会常务委员会", "人民代表大会", "人民政府办公厅", "人民政府办公室",
             "人民政府", "办公厅", "办公室", "委员会", "最高人民法院", "最高人民检察院", "国务院")
_UNIT = r"(?:国务院|[\u4e00-\u9fff]{1,20}?(?:部|局|厅|署|委员会|办公室|办公厅))"
_TITLE_BODY = re.compile(r"^(?P<body>(?:中共中央|中共中央办公厅|国务院|国务院办公厅|最高人民法院|最高人民检察院|"
                         r"[\u4e00-\u9fff]{2,40}?(?:" + "|".join(_BODY_END) + r"|[部局厅署]))"
                         r"(?:[ 　、]+" + _UNIT + r")*)[ 　]*关于")
_CONGRESS = re.compile(r"(?P<place>[\u4e00-\u9fff]{0,12}?)第[" + _CN_NUM + r"]+届"
                       r"(?P<body>全国人民代表大会(?:常务委员会)?|人民代表大会(?:常务委员会)?|全国人大常委会|人大常委会)")
_STATE_COUNCIL = re.compile(r"(?:国务院|政务院)(?:第[" + _CN_NUM + r"\d]+次常务会议|令|发布|批准|公布)")
_MINISTRY = re.compile(r"(?:中华人民共和国)?(?P<body>[\u4e00-\u9fff]{2,16}?(?:部|委员会|总局|局|署|行))"
                       r"(?:令|公告)第?[\d" + _CN_NUM + r"]+号")
_COURT = re.compile(r"最高人民(?:法院|检察院)")
_ACT = re.compile(r"(通过|公布|发布|批准|施行|印发)")
_ARTICLE = re.compile(r"^\s*(第[" + _CN_NUM + r"\d]+[条章]|[（(][" + _CN_NUM + r"]+[）)])")


def head_lines(text: str, limit: int = 12) -> list[str]:
    """The non-empty lines before the first article / chapter / （一） heading (at most `limit`)."""
    out = []
    for ln in text.splitlines():
        ln = ln.strip(" 　\t")
        if not ln:
            continue
        if _ARTICLE.match(ln) or len(out) >= limit:
            break
        out.append(ln)
    return out


def read_issuer(title: str, text: str) -> str:
    """The issuing body the title or the head names; '' when neither does."""
    m = _TITLE_BODY.match(title or "")
    if m:
        return m.group("body")
    for ln in head_lines(text)[1:]:
        if not _ACT.search(ln):
            continue
        m = _CONGRESS.search(ln)
        if m:
            place = m.group("place").strip("（(")
            body = m.group("body").replace("人大常委会", "人民代表大会常务委员会")
            return body if body.startswith("全国") else place + body
        m = _STATE_COUNCIL.search(ln)
        if m:
            return m.group(0)[:3]
        m = _COURT.search(ln)
        if m:
            return m.group(0)
        m = _MINISTRY.search(ln)
        if m:
            return m.group("body")
    return ""


def _place_level(name: str) -> str | None:
    if "自治区" in name or name.startswith("广西"):
        return "region"
    if name.startswith(MUNICIPALITIES) or re.match(r"^[\u4e00-\u9fff]{2,3}省", name):
        return "province"
    return None


def guess_level(title: str, issuer: str) -> str:
    """national / region / province / city from the issuer (first) and the title."""
    title = title or ""
    issuer = re.split(r"[ 　、]+", (issuer or "").strip())[0]     # the first of joint issuers
    national = ("全国人民代表大会", "国务院", "最高人民法院", "最高人民检察院", "中共中央", "国家",
                "中央军事委员会", "中央军委", "政务院")
    if issuer.startswith(national) or issuer.startswith("中华人民共和国"):
        return "national"
    if issuer:
        level = _place_level(issuer)
        if level:
            return level
        if re.fullmatch(r"[\u4e00-\u9fff]{1,12}(部|总局|署)", issuer):   # 财政部, 海关总署
            return "national"
        if re.match(r"^[\u4e00-\u9fff]{1,8}(市|州|盟|县|区)", issuer):
            return "city"
    if title.startswith(("中华人民共和国", "国务院", "最高人民法院", "最高人民检察院", "全国人民代表大会",
                         "中共中央")):
        return "national"
    if title.startswith(tuple(m[:2] for m in MUNICIPALITIES)):   # 上海港口条例: no 市 in the title
        return "province"
    return _place_level(title) or "city"
