"""The served app in headless Chromium (Debian `chromium`, driven by Playwright).

Skipped when Playwright or /usr/bin/chromium is missing, unless POLICYQA_REQUIRE_BROWSER=1
(set by .ci/run, which installs both): then a missing browser is a failure.
"""
import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("POLICYQA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "test-admin-token"
HOSTILE = ['<img src=x onerror=alert(1)>', "<img src=x onerror=\"document.title='PWNED'\">",
           '<svg onload=alert(2)>', '<a href="javascript:alert(3)">点我</a>', '![图](javascript:alert(4))',
           '[链接](javascript:alert(5))', '<iframe src="javascript:alert(6)"></iframe>', '${alert(7)}{{alert(8)}}']
DOC = """测试市鲸落园区扶持办法（测试用虚构文本）
第一条 为了扶持鲸落园区企业，制定本办法。<script>alert('doc')</script>
第二条 对入驻鲸落园区的企业给予每年十万元琥珀补贴。<img src=x onerror=alert('doc2')>
第三条 琥珀补贴按照第二条的标准发放，本办法自2099年1月1日起施行。
"""



def _require():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    else:
        reason = None if Path(CHROMIUM).exists() else f"{CHROMIUM} not found (apt-get install chromium)"
    if reason:
        if os.environ.get("POLICYQA_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def served(tmp_path_factory, encoder, seed_embeddings):
    _require()
    from corpus.library import effective_manifest
    from indexer import store
    from indexer.settings import Settings
    from qa import PolicyQA
    from ui.web import serve
    home = tmp_path_factory.mktemp("browser-home")
    old = os.environ.get("POLICYQA_HOME")
    os.environ["POLICYQA_HOME"] = str(home)
    store.build(effective_manifest(home), Settings(), seed_embeddings(home / "index"), encoder=encoder)
    qa = PolicyQA.open(home / "index", manifest=effective_manifest(home), encoder=encoder)
    server = serve(qa, host="127.0.0.1", port=_free_port(), block=False, admin_token=TOKEN,
                   feedback_path=home / "fb.sqlite3")
    server.home = home
    yield server
    server.close()
    if old is None:
        os.environ.pop("POLICYQA_HOME", None)
    else:
        os.environ["POLICYQA_HOME"] = old


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser(served):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page on the app that records dialogs and console errors."""

    def __init__(self, browser, url, width=1280, height=900):
        self.ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        self.ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        self.p = self.ctx.new_page()
        self.dialogs, self.errors = [], []
        self.p.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.p.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.p.on("pageerror", lambda e: self.errors.append(str(e)))
        self.p.goto(url, wait_until="networkidle")
        self.p.wait_for_selector("#pqa-box textarea")

    def ask(self, q):
        n = self.p.locator(".pqa-turn-a").count()
        self.p.locator("#pqa-box textarea").fill(q)
        self.p.click("#pqa-send")
        self.p.wait_for_function("n => document.querySelectorAll('.pqa-turn-a').length > n", arg=n,
                                 timeout=30_000)
        return self.p.locator(".pqa-turn-a").nth(n)

    def shot(self, name):
        d = os.environ.get("POLICYQA_SHOTS")
        if d:
            Path(d).mkdir(parents=True, exist_ok=True)
            self.p.screenshot(path=str(Path(d) / f"{name}.png"), full_page=True)

    def close(self):
        self.ctx.close()


@pytest.fixture()
def page(browser, served):
    pg = Page(browser, served.url)
    yield pg
    pg.close()


def test_first_screen(page):
    p = page.p
    assert p.title() == "高新区政策问答助手"
    head = p.locator("#pqa-header").inner_text()
    assert "柳州市关于促进高新技术产业开发区高质量发展的若干措施" in head and "右侧" not in head
    assert p.get_by_text("高新技术企业研发费用能加计扣除多少？").count() >= 1     # examples
    assert "以原文为准" in p.content()
    page.shot("first-screen")
    assert page.errors == [] and page.dialogs == []


def test_answer_with_citations_opens_the_clause_in_the_panel(page):
    a = page.ask("新办企业被认定为高企后，研发经费税前加计扣除按多少比例？")
    assert "75%" in a.inner_text() and a.locator(".pqa-tier").inner_text() == "答复"
    y = page.p.evaluate("window.scrollY")
    a.locator("a.pqa-ref[data-n='1']").first.click()
    active = page.p.locator("#pqa-panel .pqa-active")
    assert active.get_attribute("id") == "pqa-1-1" and "发展壮大科技企业群" in active.inner_text()
    assert page.p.evaluate("window.scrollY") == y
    page.shot("answer")


def test_small_talk_and_a_which_clauses_mention_question(page):
    hello = page.ask("你好，你是谁")
    assert hello.locator(".pqa-tier").inner_text() == "助手"
    assert "政策问答助手" in hello.inner_text() and hello.locator("a.pqa-ref").count() == 0
    a = page.ask("哪几条措施提到了“一事一议”？")
    assert a.locator(".pqa-tier").inner_text() == "答复" and "共3条" in a.inner_text()
    a.locator("a.pqa-ref[data-n='3']").first.click()
    active = page.p.locator("#pqa-panel .pqa-active")
    assert "加强组织领导保障" in active.inner_text() and "一事一议" in active.inner_text()
    page.shot("mentions")


def test_two_clauses_named_open_each_in_the_panel(page):
    a = page.ask("第十九条和第二十一条分别说了什么？")
    assert a.locator(".pqa-tier").inner_text() == "答复"
    assert a.locator("a.pqa-ref[data-n='2']").count() >= 1
    a.locator("a.pqa-ref[data-n='2']").first.click()
    active = page.p.locator("#pqa-panel .pqa-active")
    assert active.get_attribute("id") == "pqa-1-2" and "（二十一）" in active.inner_text()
    page.shot("two-clauses")


def test_old_turn_markers_and_the_panel_scrolls_inside_itself(page):
    page.ask("（十七）讲什么")
    big = page.ask("市科技局牵头哪些措施")
    n = big.locator("a.pqa-ref").count()
    assert n >= 10
    page.p.evaluate("window.scrollTo(0, 0)")
    big.locator(f"a.pqa-ref[data-n='{n}']").click()
    assert page.p.evaluate("window.scrollY") == 0                 # the chat stays where it was
    panel = page.p.locator("#pqa-panel")
    assert panel.evaluate("e => e.scrollTop") > 0
    inside = page.p.evaluate(f"""() => {{ const p = document.getElementById('pqa-panel').getBoundingClientRect();
        const c = document.getElementById('pqa-2-{n}').getBoundingClientRect();
        return c.top >= p.top - 1 && c.top < p.bottom; }}""")
    assert inside
    # the first turn's marker still opens the first turn's clause
    page.p.locator(".pqa-turn-a").nth(0).locator("a.pqa-ref").first.click()
    assert page.p.locator("#pqa-panel .pqa-active").get_attribute("id") == "pqa-1-1"
    assert "创新开展科技金融服务" in page.p.locator("#pqa-1-1").inner_text()
    assert page.p.locator("section.pqa-cites[data-turn='2']").is_hidden()
    page.shot("old-turn")


def test_followups_survive_a_reload_and_clear_resets_both(page):
    page.ask("（十七）讲什么")
    lead = page.ask("牵头单位是谁？")
    assert "市财政局（金融办）" in lead.inner_text()
    partner = page.ask("那配合单位呢")
    assert "配合单位：市发展改革委" in partner.inner_text()
    page.p.reload(wait_until="networkidle")
    page.p.wait_for_function("document.querySelectorAll('.pqa-turn-a').length == 3", timeout=20_000)
    assert page.p.locator("section.pqa-cites").count() == 3
    page.p.click("#pqa-clear")
    page.p.wait_for_function("document.querySelectorAll('.pqa-turn-a').length == 0", timeout=20_000)
    assert page.p.locator("section.pqa-cites").count() == 0
    page.p.reload(wait_until="networkidle")
    page.p.wait_for_selector("#pqa-box textarea")
    page.p.wait_for_timeout(500)
    assert page.p.locator(".pqa-turn-a").count() == 0


def test_copy_gives_plain_text_with_citations(page):
    a = page.ask("想设立科技支行找哪个部门？")
    a.locator("button.pqa-copy").click()
    page.p.wait_for_function("document.querySelector('.pqa-fb-status').textContent == '已复制'")
    text = page.p.evaluate("navigator.clipboard.readText()")
    assert "<" not in text and "【1】《柳州市关于促进高新技术产业开发区高质量发展的若干措施》（十七）" in text


def test_followups_that_point_further_back(page):
    page.ask("（三）讲什么")
    page.ask("（九）讲什么")
    pair = page.ask("这两条的牵头单位一样吗")
    assert "两条的牵头单位不完全相同" in pair.inner_text()
    back = page.ask("回到人才那条，配合单位有哪些")
    text = back.inner_text()
    assert "引进培育高层次创新人才" in text and "市委组织部" in text


def test_feedback_is_stored(page, served):
    from qa.feedback import FeedbackStore
    a = page.ask("园区里能建员工宿舍吗？")
    # the buttons say what they do in words too (a machine without an emoji font shows boxes)
    assert [b.inner_text().strip() for b in a.locator("button.pqa-fb").all()] == ["👍 有帮助", "👎 没帮助"]
    a.locator(".pqa-comment").fill("想知道面积比例")
    a.locator("button.pqa-fb[data-rating='-1']").click()
    page.p.wait_for_function("document.querySelector('.pqa-fb-status').textContent.startsWith('已记录')")
    rows = FeedbackStore(served.home / "fb.sqlite3").rows()
    assert rows[-1]["question"] == "园区里能建员工宿舍吗？" and rows[-1]["rating"] == -1
    assert rows[-1]["comment"] == "想知道面积比例" and rows[-1]["citations"]


def test_hostile_payloads_stay_inert(page):
    for payload in HOSTILE:
        page.ask(payload)
    page.p.wait_for_timeout(500)
    assert page.dialogs == [] and page.p.title() == "高新区政策问答助手"
    conv = page.p.locator("#pqa-conv")
    assert conv.locator("img, svg, iframe, script").count() == 0
    assert page.p.locator("a[href^='javascript' i], iframe[src^='javascript' i]").count() == 0
    texts = conv.locator(".pqa-turn-q").all_inner_texts()
    assert [t.replace("问", "", 1) for t in texts] == HOSTILE           # shown as typed, as text
    page.shot("hostile")
    # second line of defence: markup that got into the page anyway cannot run script (CSP)
    page.p.evaluate("""document.body.insertAdjacentHTML('beforeend',
        '<img src=x onerror="document.title=\\'PWNED\\'"><a id=js href="javascript:document.title=\\'PWNED2\\'">x</a>')""")
    page.p.click("#js")
    page.p.wait_for_timeout(500)
    assert page.p.title() == "高新区政策问答助手" and page.dialogs == []


def test_upload_a_document_and_ask_it(browser, served):
    pg = Page(browser, served.url)
    p = pg.p
    try:
        p.get_by_role("tab", name="文件").click()
        p.get_by_text("添加或移除文件（工作人员）").click()
        src = served.home / "jingluo.txt"
        src.write_text(DOC, encoding="utf-8")
        p.locator("#pqa-file input[type=file]").set_input_files(str(src))
        p.locator("#pqa-docid input, #pqa-docid textarea").first.fill("test-jingluo")
        p.locator("#pqa-token input").fill("wrong")
        p.click("#pqa-add")
        p.wait_for_function("document.querySelector('#pqa-admin-status').innerText.includes('管理口令不正确')",
                            timeout=20_000)
        p.locator("#pqa-token input").fill(TOKEN)
        p.click("#pqa-add")
        p.wait_for_function("document.querySelector('#pqa-admin-status').innerText.includes('✅')",
                            timeout=120_000)
        assert "第二条" in p.locator("#pqa-parsed").inner_text()
        p.wait_for_function("document.querySelector('#pqa-docs').innerText.includes('鲸落园区扶持办法')")
        pg.shot("uploaded")
        p.get_by_role("tab", name="问答").click()
        a = pg.ask("琥珀补贴每年多少钱？")
        assert "十万元" in a.inner_text()
        a.locator("a.pqa-ref").first.click()
        assert "琥珀补贴" in p.locator("#pqa-panel .pqa-active").inner_text()
        third = pg.ask("琥珀补贴按照什么标准发放？")
        third.locator("a.pqa-ref").first.click()
        p.locator("#pqa-panel .pqa-active a.pqa-xref").click()
        p.wait_for_selector("#pqa-panel .pqa-active .pqa-xref-box")
        assert "每年十万元琥珀补贴" in p.locator("#pqa-panel .pqa-active .pqa-xref-box").inner_text()
        p.get_by_role("tab", name="条款浏览").click()
        assert "鲸落园区" in p.locator("#pqa-browse").inner_text()
        p.wait_for_timeout(300)
        assert pg.dialogs == [] and p.locator("#pqa-browse script, #pqa-panel img").count() == 0
        # a bad file: Chinese error, nothing added
        bad = served.home / "empty.txt"
        bad.write_text("", encoding="utf-8")
        p.get_by_role("tab", name="文件").click()
        p.locator("#pqa-file input[type=file]").set_input_files(str(bad))
        p.locator("#pqa-docid input, #pqa-docid textarea").first.fill("test-empty")
        p.click("#pqa-add")
        p.wait_for_function("document.querySelector('#pqa-admin-status').innerText.includes('❌')",
                            timeout=60_000)
        assert re.search(r"空|解析", p.locator("#pqa-admin-status").inner_text())
        assert "test-empty" not in p.locator("#pqa-docs").inner_text()
    finally:
        pg.close()


def test_phone_width_390(browser, served):
    pg = Page(browser, served.url, width=390, height=844)
    p = pg.p
    try:
        a = pg.ask("想设立科技支行找哪个部门？")
        y = p.evaluate("window.scrollY")
        a.locator("a.pqa-ref").first.click()
        assert p.evaluate("window.scrollY") == y                      # the chat stays
        p.click("button.pqa-jump")                                     # the offered jump to the panel
        p.wait_for_timeout(300)
        top = p.evaluate("document.getElementById('pqa-panel').getBoundingClientRect().top")
        assert 0 <= top < 844 - 300                                    # the panel is now in view
        assert p.evaluate("document.documentElement.scrollWidth") <= 392
        pg.shot("phone-390-chat")
        p.get_by_role("tab", name="文件").click()
        cell = p.locator("#pqa-docs td[data-th='发布日期']").first
        box = cell.bounding_box()
        assert box and box["height"] < 40 and box["width"] > 60      # 2021-12-29 on one line
        assert "市级" in p.locator("#pqa-docs").inner_text()
        pg.shot("phone-390")
    finally:
        pg.close()
