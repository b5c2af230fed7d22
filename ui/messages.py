"""Chinese messages for the web app and the REST API (the library's errors are in English,
for the command line)."""
from __future__ import annotations

import re

from qa.engine import MAX_QUESTION

EXAMPLE = "高新技术企业研发费用能加计扣除多少？"
_RULES = (
    (re.compile(r"no clause matches these filters"), "没有条款符合这些筛选条件，请放宽文件、层级或部门筛选"),
    (re.compile(r"--doc (.+?) is referenced but not loaded"), r"文件 \1 被引用但尚未加载，请先在“文件”页添加"),
    (re.compile(r"--doc (.+?) is not a document id"), r"没有 id 为 \1 的文件（见“文件”页或 GET /api/documents）"),
    (re.compile(r"--dept '?(.+?)'? names no responsible unit"), r"“\1”不是已加载文件中的责任单位，请写成“市科技局”“财政局”这样的名称"),
    (re.compile(r"top-k must be at least 1"), "top_k 至少为 1"),
    (re.compile(r"unsupported file type \.(\w+)"), r"不支持 .\1 文件，请上传 .txt、.docx、.pdf 或 .html 文件，或填写网址"),
    (re.compile(r"old \.doc files are not supported"), "不支持旧版 .doc 文件，请在 Word 中另存为 .docx 后上传"),
    (re.compile(r"this PDF has no text layer"), "这个 PDF 没有文字层（是扫描件），请先做文字识别（OCR）或上传文字版"),
    (re.compile(r"not a readable PDF"), "无法读取这个 PDF 文件，请确认文件完整，或另存为文字版 PDF 后再上传"),
    (re.compile(r"not a readable \.docx"), "无法读取这个 .docx 文件，请在 Word 中重新另存为 .docx 后上传"),
    (re.compile(r"cannot tell the text's encoding"), "无法识别文本编码，请另存为 UTF-8 编码的 .txt 后上传"),
    (re.compile(r"found no main text in the page"), "网页中没有找到正文，请把正文另存为 .txt 后上传"),
    (re.compile(r"answered HTTP (\d+)"), r"网址返回 HTTP \1，请检查网址"),
    (re.compile(r"cannot fetch"), "无法下载该网址（本机可能没有网络），请下载文件后上传"),
    (re.compile(r"is larger than (\d+) MB"), r"文件超过 \1 MB，请拆分或精简后上传"),
    (re.compile(r"is empty$"), "文件是空的，请检查后重新上传"),
    (re.compile(r"cannot tell which document this is"), "无法判断这是哪个文件，请填写文件 id（以及标题、层级）"),
    (re.compile(r"id '(.+?)': use letters"), r"文件 id “\1”只能包含字母、数字、点、下划线或连字符，例如 gx-2021"),
    (re.compile(r"(\S+) is a built-in document"), r"\1 是内置文件，不能替换"),
    (re.compile(r"(\S+) is built in and cannot be removed"), r"\1 是内置文件，不能移除"),
    (re.compile(r"no added document '(.+?)'"), r"没有已添加的文件 “\1”（见“文件”页的列表）"),
    (re.compile(r"--level must be one of"), "层级只能是 国家级、自治区级、省级 或 市级"),
    (re.compile(r"--(date|effective|repealed) must (look like|be a real date)"), "日期请写成 2021-08-04 这样的格式，且是真实存在的日期"),
    (re.compile(r"no loaded document has clauses"), "没有可用的条款：请先添加文件"),
    (re.compile(r"no clauses|no text|found no clause", re.I), "没有从文件中解析出条款，请确认上传的是政策正文"),
)


def question_error(question) -> str | None:
    """A Chinese message when the question cannot be asked, else None."""
    if not isinstance(question, str) or not question.strip():
        return f"请输入问题，例如：{EXAMPLE}"
    if len(question) > MAX_QUESTION:
        return (f"问题太长（{len(question)}字），请控制在{MAX_QUESTION}字以内，"
                "一次只问一件事。")
    return None


def chinese(exc: BaseException) -> str:
    """The Chinese form of a library error; the original text is kept when no rule matches."""
    msg = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    for pat, cn in _RULES:
        m = pat.search(msg)
        if m:
            return m.expand(cn)
    return f"无法完成操作：{msg}"
