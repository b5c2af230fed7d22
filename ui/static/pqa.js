// policyqa web app: citation markers, copy, feedback. Reads only data the server rendered;
// writes text with textContent / value, never as HTML.
(function () {
  if (window.__pqa) return;
  window.__pqa = true;

  function openRef(turn, n) {
    var panel = document.getElementById("pqa-panel");
    if (!panel) return;
    panel.querySelectorAll("section.pqa-cites").forEach(function (s) {
      s.hidden = s.getAttribute("data-turn") !== String(turn);
    });
    panel.querySelectorAll(".pqa-active").forEach(function (e) { e.classList.remove("pqa-active"); });
    var el = document.getElementById("pqa-" + turn + "-" + n);
    if (!el) return;
    el.classList.add("pqa-active");
    // scroll the panel itself; never the page (no scrollIntoView)
    panel.scrollTop += el.getBoundingClientRect().top - panel.getBoundingClientRect().top - 8;
    // on a narrow screen the panel sits below the chat: offer a jump, do not take it
    var r = panel.getBoundingClientRect();
    if (r.top > window.innerHeight || r.bottom < 0) showJump(panel);
  }

  var jump = null, jumpTimer = null;
  function showJump(panel) {
    if (!jump) {
      jump = document.createElement("button");
      jump.type = "button";
      jump.className = "pqa-jump";
      jump.textContent = "查看引用条款 ↓";
      jump.addEventListener("click", function () {
        jump.hidden = true;
        window.scrollTo({top: window.scrollY + panel.getBoundingClientRect().top - 8});
      });
      document.body.appendChild(jump);
    }
    jump.hidden = false;
    clearTimeout(jumpTimer);
    jumpTimer = setTimeout(function () { jump.hidden = true; }, 5000);
  }

  function status(box, text) {
    var s = box.querySelector(".pqa-fb-status");
    if (s) s.textContent = text;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var t = document.createElement("textarea");
      t.value = text;
      t.setAttribute("readonly", "");
      t.style.position = "fixed";
      t.style.opacity = "0";
      document.body.appendChild(t);
      t.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(t);
      ok ? resolve() : reject();
    });
  }

  function feedback(box, rating) {
    var meta;
    try { meta = JSON.parse(box.getAttribute("data-meta")); } catch (e) { return; }
    var input = box.querySelector(".pqa-comment");
    meta.rating = rating;
    meta.comment = input ? input.value.slice(0, 500) : "";
    status(box, "正在提交…");
    fetch("/api/feedback", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(meta)
    }).then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
      .then(function (x) { status(box, x[0] ? "已记录，谢谢！" : ("未能记录：" + (x[1].error || ""))); })
      .catch(function () { status(box, "未能记录：网络错误"); });
  }

  // a clause that names another (按照第二条…): show the named clause under it, as text
  function openXref(link) {
    var clause = link.closest(".pqa-clause");
    if (!clause) return;
    fetch("/api/clauses/" + encodeURIComponent(link.getAttribute("data-key")))
      .then(function (r) { return r.json(); })
      .then(function (c) {
        var old = clause.querySelector(".pqa-xref-box");
        if (old) old.remove();
        var div = document.createElement("div");
        div.className = "pqa-xref-box";
        var h = document.createElement("h5");
        h.textContent = c.error ? "无法打开所引条款" : (c.citation + (c.heading || ""));
        var body = document.createElement("p");
        body.textContent = c.error || c.text;
        div.appendChild(h);
        div.appendChild(body);
        clause.appendChild(div);
      });
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t || !t.closest) return;
    var a = t.closest("a.pqa-ref");
    if (a) {
      ev.preventDefault();
      ev.stopPropagation();
      openRef(a.getAttribute("data-turn"), a.getAttribute("data-n"));
      return;
    }
    var x = t.closest("a.pqa-xref");
    if (x) {
      ev.preventDefault();
      openXref(x);
      return;
    }
    var box = t.closest(".pqa-turn-a");
    if (!box) return;
    if (t.closest("button.pqa-copy")) {
      var plain = box.querySelector("textarea.pqa-plain");
      copyText(plain ? plain.value : "").then(function () { status(box, "已复制"); },
                                               function () { status(box, "复制失败，请手动选择文字"); });
    } else if (t.closest("button.pqa-fb")) {
      feedback(box, parseInt(t.closest("button.pqa-fb").getAttribute("data-rating"), 10));
    }
  }, true);
})();

// keep the newest turn in view inside the chat box (the page itself does not move)
(function () {
  function follow() {
    var chat = document.getElementById("pqa-chat");
    if (chat && chat.getAttribute("data-n") !== String(chat.children.length)) {
      chat.setAttribute("data-n", String(chat.children.length));
      chat.scrollTop = chat.scrollHeight;
    }
  }
  new MutationObserver(follow).observe(document.documentElement, {childList: true, subtree: true});
})();
