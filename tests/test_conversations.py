"""eval/conversations.py: turns asked with their history, checks per turn, summary shares."""
import json

import pytest

from eval.conversations import (ConversationError, load_conversations, run_conversation,
                                summarise, turn_checks)


def test_turn_checks_by_hand():
    answer = {"confidence": "possible", "answer": "牵头单位：市科技局",
              "citations": [{"key": "d:3"}, {"key": "d:17"}]}
    turn = {"question": "q", "gold": ["d:17"], "must": ["市科技局"]}
    assert turn_checks(turn, answer) == {"first_gold": False, "gold_cited": True, "must": True,
                                         "not_refused": True}
    assert turn_checks({"question": "q", "gold": []}, answer) == {"not_confident": True}
    assert turn_checks({"question": "q", "gold": []}, dict(answer, confidence="answer")) == \
        {"not_confident": False}


def test_summary_shares_by_group():
    convs = [{"turns": [{"question": "a", "gold": ["d:1"]}, {"question": "b", "gold": ["d:1"], "followup": True}]},
             {"turns": [{"question": "c", "gold": ["d:2"]}, {"question": "d", "gold": []}]}]
    hit = {"confidence": "answer", "answer": "", "citations": [{"key": "d:1"}]}
    answers = [[hit, hit], [hit, dict(hit, confidence="possible")]]
    s = summarise(convs, answers)
    assert s["standalone"]["turns"] == 2 and s["standalone"]["first_gold"] == 0.5   # d:2 missed
    assert s["followup"] == {"turns": 1, "first_gold": 1.0, "gold_cited": 1.0, "must": 1.0,
                             "not_refused": 1.0}
    assert s["out_of_scope"] == {"turns": 1, "not_confident": 1.0}


def test_a_followup_is_asked_with_the_turns_before_it(qa):
    conv = {"turns": [{"question": "（十七）讲什么", "gold": ["liuzhou-2021:17"]},
                      {"question": "牵头单位是谁？", "gold": ["liuzhou-2021:17"], "must": ["市财政局（金融办）"],
                       "followup": True}]}
    first, second = run_conversation(qa, conv)
    assert second["kind"] == "department" and second["citations"][0]["key"] == "liuzhou-2021:17"
    assert all(turn_checks(conv["turns"][1], second).values())


def test_bad_conversation_files_say_which_line(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text(json.dumps({"turns": [{"question": "x"}]}) + "\n{bad\n", encoding="utf-8")
    with pytest.raises(ConversationError, match=r"c.jsonl:2: not JSON"):
        load_conversations(f)
    f.write_text(json.dumps({"turns": []}) + "\n", encoding="utf-8")
    with pytest.raises(ConversationError, match="needs"):
        load_conversations(f)
    with pytest.raises(ConversationError, match="not found"):
        load_conversations(tmp_path / "none.jsonl")
