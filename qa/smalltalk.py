"""Greetings, thanks and questions about the assistant itself (你好 / 你是谁 / 谢谢，辛苦了).

They are not policy questions: answering them with 未找到 and the nearest clauses reads as
broken. A message is small talk only when every part of it (split at punctuation) is one of
these phrases, so "你好，研发费用能加计扣除多少" is still a policy question."""
from __future__ import annotations

import re

_GREETING = r"(?:你好|您好|你们好|大家好|hi|hello|hey|嗨|哈喽|哈罗|早上好|上午好|中午好|下午好|晚上好|早|在吗|在不在)"
_ABOUT = (r"(?:你是谁|你是什么|您是谁|你叫什么(?:名字)?|你是(?:机器人|人工智能|AI|ai)吗|你能做什么|你会什么|"
          r"你可以做什么|你能干什么|能帮我做什么|有什么功能|怎么用|如何使用|怎么提问|怎么问|帮助|help|使用说明|"
          r"你是谁(?:开发|做|研发|制作)的|谁(?:开发|做|研发|制作)了?你|你(?:都|还)?(?:会|能|可以)(?:做|干)?(?:些)?什么)")
_THANKS = r"(?:谢谢|多谢|感谢|谢了|谢啦|辛苦了|辛苦|好的|明白了|知道了|懂了|收到|ok|OK)"
_FILL = r"(?:你|您|啊|呀|吗|呢|哈|了|啦|哦|喔|哟|的|~|～)*"
_PART = re.compile(rf"(?:(?:请问)?{_FILL}(?:{_GREETING}|{_ABOUT}|{_THANKS}){_FILL})+", re.I)
_SPLIT = re.compile(r"[\s，,。.！!？?、；;：:~～…]+")
_ONLY_THANKS = re.compile(rf"(?:{_FILL}{_THANKS}{_FILL})+", re.I)


def small_talk(question: str) -> str | None:
    """'thanks', 'hello' (greeting or a question about the assistant) or None."""
    parts = [p for p in _SPLIT.split(question.strip()) if p]
    if not parts or len(question) > 40 or not all(_PART.fullmatch(p) for p in parts):
        return None
    return "thanks" if all(_ONLY_THANKS.fullmatch(p) for p in parts) else "hello"


def reply(kind: str, loaded: list[str]) -> str:
    if kind == "thanks":
        return "不客气！还有关于政策条款的问题，随时可以问我。"
    holds = "、".join(loaded) or "（暂无文件）"
    return ("您好！我是高新区政策问答助手：回答已收录政策文件里的规定，每个回答都引用条款原文并注明出处"
            "（以原文为准），知识库没有的内容会直接说明。\n"
            f"知识库目前收录：{holds}。\n"
            "可以这样问：\n- 高新技术企业研发费用能加计扣除多少？\n- （十七）讲什么\n- 市科技局牵头哪些措施\n"
            "- 哪几条措施提到了“一事一议”？")
