"""Test-only fixture documents (invented text, clearly marked). Written into tmp dirs by tests."""
from __future__ import annotations

import io

# a Guangxi-style parent in half-width punctuation (the city measures implement it)
GX = """关于促进广西高新技术产业开发区高质量发展的若干措施(测试用虚构文本)

为贯彻落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》(国发〔2020〕7号),制定以下措施。
一、优化高新区布局
(一)加快创建国家高新区。对新获批的国家高新区,给予一次性财政资金支持。(牵头单位:自治区科技厅)
(二)布局建设一批自治区级高新区。对新获批的自治区级高新区,择优给予资金支持。(牵头单位:自治区科技厅)
二、提升自主创新能力
(三)促进创新资源集聚。支持高新区骨干企业联合高校、科研院所建设自治区新型研发机构,对新认定的自治区新型研发机构给予资金支持。(牵头单位:自治区科技厅)
"""

ARTICLES = """测试市孵化器管理办法(测试用虚构文本)
测政发〔2099〕1号
第一章 总则
第一条 为了规范蓝鲸孵化器的管理，制定本办法。
第二条 本办法适用于测试市行政区域内的孵化器。
第二章 扶持措施
第三条 对认定的蓝鲸孵化器给予一次性奖励。（牵头单位：市科技局；配合单位：财政局）
2099年1月2日
"""

TRADITIONAL = """測試市關於支持數字經濟發展的若干措施（測試用虛構文本）
一、總體要求
（一）加快數字經濟發展。對新認定的數字經濟示範企業給予獎勵。
（二）支持雲計算平台建設。
"""


def docx_bytes() -> bytes:
    import docx
    d = docx.Document()
    d.add_paragraph("测试市人才公寓管理办法（测试用虚构文本）")
    d.add_paragraph("第一条 为了保障人才公寓供应，制定本办法。")
    d.add_paragraph("第二条 人才公寓租金标准见下表。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "户型", "月租金"
    t.cell(1, 0).text, t.cell(1, 1).text = "一居室", "八百元"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def pdf_bytes(text_lines: list[str] | None) -> bytes:
    """A PDF with the lines as a text layer, or (None) only a drawing: no text layer."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    if text_lines is None:
        c.rect(72, 600, 300, 100, fill=1)
    else:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(text_lines):
            c.drawString(72, 760 - 20 * i, line)
    c.save()
    return buf.getvalue()


HTML = """<!doctype html><html><head><meta charset="utf-8"><title>测试市创新券办法（测试用虚构文本）_测试市政府</title></head>
<body><nav>首页 | 政务公开 | 联系我们</nav>
<div class="article"><h1>测试市创新券办法（测试用虚构文本）</h1>
<p>第一条 为了鼓励中小企业购买科技服务，发放紫藤创新券，制定本办法。</p>
<p>第二条 紫藤创新券可用于检验检测、技术咨询等科技服务，每家企业每年最多申领一次。</p>
<p>第三条 本办法自发布之日起施行。</p></div>
<footer>版权所有 测试市人民政府</footer></body></html>"""
