"""Questions that ask where the text uses a word: 哪几条措施提到了“一事一议”？, 提到科技支行的条款
有哪些, “飞地”出现在哪几条. They are answered by looking the word up, not by ranking: every
clause in scope whose text holds it verbatim, each with the sentence that holds it. When no
clause holds the word the question goes on to retrieval (a paraphrase may still match)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.dense import split_sentences

_LIST = r"(?:哪(?:几|些|一)?(?:条|项|处|个)?(?:措施|条款|条|项|部分|地方|内容)?|哪里|哪儿|什么地方|几处|几条)"
_VERB = r"(?:提到|提及|涉及|写到|写了|说到|讲到|出现|包含|含有|用到)(?:了|过)?"
# 哪几条写明（给予）“X”: verbs of what a clause states, before a quoted word only
_STATE = r"(?:写明|明确|规定|载明|表述)(?:了|为)?"
_OPEN, _CLOSE = "“\"「『‘'", "”\"」』’'"
_TERM = r"[\u4e00-\u9fffA-Za-z0-9%％·]{2,16}"
_QUOTED = re.compile(f"[{_OPEN}]([^{_OPEN}{_CLOSE}]{{1,20}})[{_CLOSE}]")
_FORMS = (
    # 哪几条措施提到了 X / 文件里哪里提到 X
    re.compile(_LIST + r"(?:中|里)?(?:都|还)?" + _VERB + r"(?P<term>" + _TERM + ")"),
    # 提到 X 的条款有哪些 / 涉及 X 的措施是哪几条
    re.compile(_VERB + r"(?P<term>" + _TERM + r"?)的(?:措施|条款|条|内容|地方|规定)(?:有|是|都有)?" + _LIST),
)
_LISTING = re.compile(_LIST)
_AFTER_QUOTE = re.compile(r"^(?:一词|这个词|字样|这几个字)?(?:出现在|在|见于|写在)" + _LIST)
_TRAIL = re.compile(r"(?:的)?(?:措施|条款|内容|规定|问题|事情|事)?(?:吗|呢|啊)?$")


def mention_term(question: str) -> str | None:
    """The word a question asks the text's uses of, or None when it asks something else."""
    q = question.strip().rstrip("？?。！! ")
    quoted = _QUOTED.search(q)
    if quoted and (_AFTER_QUOTE.match(q[quoted.end():]) or
                   re.search(f"(?:{_VERB}|{_STATE})" + r"[^，。；？?]{0,4}$", q[:quoted.start()])
                   and _LISTING.search(q)):
        return quoted.group(1).strip() or None
    for form in _FORMS:
        m = form.search(q)
        if m:
            term = _TRAIL.sub("", m.group("term"))
            return term if len(term) >= 2 else None
    return None


@dataclass(frozen=True)
class Mention:
    clause: object            # corpus.model.Clause
    sentence: str             # the first sentence of the clause that holds the word


def find_mentions(term: str, clauses) -> list[Mention]:
    """The numbered ones of `clauses` (in their order) whose text holds `term`."""
    out = []
    for c in clauses:
        if c.no == 0 or term not in c.text:
            continue
        sent = next((s for s in split_sentences(c.text) if term in s), c.heading)
        out.append(Mention(c, sent))
    return out
