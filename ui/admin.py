"""Staff actions from the browser: add a document (file or URL) and remove one.

They go through the same library calls as `policyqa add / remove` (corpus.library, then an
index build), behind the operator's token (env POLICYQA_ADMIN_TOKEN). Without a token set,
the actions are off. One staff action runs at a time in this server.
"""
from __future__ import annotations

import hmac
import os
import threading
import time
from pathlib import Path

from corpus.errors import CorpusError
from corpus.library import add as library_add
from corpus.library import effective_manifest
from corpus.library import remove as library_remove
from corpus.loaders import LoadError
from indexer import store
from indexer.encoders import EncoderError
from indexer.errors import IndexError_

from .messages import chinese
from .render import clause_list_html, esc

EXTENSIONS = (".txt", ".docx", ".pdf", ".html", ".htm")
EXPECTED = (CorpusError, LoadError, IndexError_, EncoderError, ValueError, OSError)
LEVEL_CHOICES = [("自动判断", ""), ("国家级", "national"), ("自治区级", "region"), ("省级", "province"),
                 ("市级", "city")]


class Admin:
    def __init__(self, live, token: str | None = None):
        self.live = live
        self.token = token if token is not None else os.environ.get("POLICYQA_ADMIN_TOKEN", "")
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def _denied(self, token: str | None) -> str | None:
        if not self.enabled:
            return "网页上的文件管理未开启：请运维人员设置环境变量 POLICYQA_ADMIN_TOKEN 后重启服务。"
        if not isinstance(token, str) or not hmac.compare_digest(token.encode(), self.token.encode()):
            time.sleep(0.3)          # slows guessing
            return "管理口令不正确。"
        return None

    def _rebuild(self) -> dict:
        qa = self.live.get()
        store.build(effective_manifest(), qa.settings, self.live.root, encoder=qa.searcher.encoder)
        self.live.refresh(force=True)
        return store.read_params(self.live.root) or {}

    def add(self, token, file_path, url, doc_id, title, level, date, issuer, number):
        """Generator of (status markdown, clause list html) while the document is added."""
        denied = self._denied(token)
        if denied:
            yield f"❌ {denied}", ""
            return
        source = (file_path or "").strip() if isinstance(file_path, str) else ""
        url = (url or "").strip()
        if source and url:
            yield "❌ 请只选择一种来源：上传文件或填写网址。", ""
            return
        if url and not url.lower().startswith(("http://", "https://")):
            yield "❌ 网址须以 http:// 或 https:// 开头。", ""
            return
        if not source and not url:
            yield "❌ 请上传 .txt、.docx、.pdf 或 .html 文件，或填写网址。", ""
            return
        if source and not source.lower().endswith(EXTENSIONS):
            yield f"❌ 不支持 {esc(Path(source).suffix or '无扩展名')} 文件，请上传 .txt、.docx、.pdf 或 .html 文件。", ""
            return
        if not self._lock.acquire(blocking=False):
            yield "⏳ 另一位工作人员正在添加或移除文件，请稍后再试。", ""
            return
        try:
            yield "⏳ ① 正在读取并解析文件…", ""
            t = time.perf_counter()
            r = library_add(source or url, doc_id=(doc_id or "").strip() or None,
                            title=(title or "").strip() or None, level=level or None,
                            issuer=(issuer or "").strip() or None, date=(date or "").strip() or None,
                            number=(number or "").strip() or None)
            if r.status == "unchanged":
                yield f"ℹ️ {esc(r.doc.id)}：内容与已加载的版本相同，无需更新。", ""
                return
            yield (f"⏳ ② 已解析《{esc(r.doc.title)}》{r.clauses}条，正在建立索引（只嵌入新文件）…", "")
            self._rebuild()
            qa = self.live.get()
            parsed = next((p for p in qa.documents if p.doc.id == r.doc.id), None)
            verb = "已替换" if r.status == "replaced" else "已添加"
            filled = "（补全了被引用的文件）" if r.filled else ""
            yield (f"✅ ③ {verb}《{esc(r.doc.title)}》（id：{esc(r.doc.id)}，{r.clauses}条）{filled}，"
                   f"用时{time.perf_counter() - t:.1f}秒；现在即可提问。",
                   clause_list_html(parsed) if parsed else "")
        except EXPECTED as exc:
            yield f"❌ {esc(chinese(exc))}", ""
        finally:
            self._lock.release()

    def remove(self, token, doc_id) -> str:
        denied = self._denied(token)
        if denied:
            return f"❌ {denied}"
        doc_id = (doc_id or "").strip()
        if not doc_id:
            return "❌ 请填写要移除的文件 id。"
        if not self._lock.acquire(blocking=False):
            return "⏳ 另一位工作人员正在添加或移除文件，请稍后再试。"
        try:
            d = library_remove(doc_id)
            self._rebuild()
            return f"✅ 已移除《{esc(d.title)}》（{esc(d.id)}），其条款已从索引中删除。"
        except EXPECTED as exc:
            return f"❌ {esc(chinese(exc))}"
        finally:
            self._lock.release()
