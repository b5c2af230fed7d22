"""The web app's CSS: chat, badges, the clause panel (scrolls inside itself), a 390 px layout."""
CSS = """
.pqa-chat {display:flex; flex-direction:column; gap:10px; max-height:65vh; overflow-y:auto; padding:4px;}
.pqa-empty {color:#666;}
.pqa-turn-q {align-self:flex-end; background:#eef6ff; border-radius:10px; padding:8px 12px; max-width:90%;
  overflow-wrap:anywhere; white-space:pre-wrap;}
.pqa-who {font-weight:bold; margin-right:6px; color:#1d4ed8;}
.pqa-turn-a {border:1px solid #e5e7eb; border-radius:10px; padding:8px 12px; overflow-wrap:anywhere;}
.pqa-head {display:flex; gap:8px; align-items:center; margin-bottom:4px;}
.pqa-tier {font-size:0.8em; border-radius:999px; padding:1px 8px; white-space:nowrap;}
.pqa-tier-answer {background:#dcfce7; color:#166534;}
.pqa-tier-possible {background:#fef9c3; color:#854d0e;}
.pqa-tier-none {background:#f3f4f6; color:#4b5563;}
.pqa-tier-help {background:#e0f2fe; color:#075985;}
.pqa-kind {font-size:0.85em; color:#555;}
.pqa-ref {text-decoration:none; cursor:pointer;}
.pqa-actions {display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin-top:6px; font-size:0.85em;}
.pqa-actions button {border:1px solid #d1d5db; border-radius:6px; padding:1px 8px; background:#fff; cursor:pointer;}
.pqa-comment {flex:1 1 120px; min-width:100px; border:1px solid #d1d5db; border-radius:6px; padding:1px 6px;}
.pqa-fb-status {color:#166534;}
.pqa-notice {color:#b91c1c; margin:4px 0;}
.pqa-disclaimer {color:#666; font-size:0.85em;}
.pqa-panel {max-height:70vh; overflow-y:auto; overscroll-behavior:contain; padding-right:4px;}
.pqa-clause {border:1px solid #ddd; border-radius:8px; padding:10px 12px; margin:8px 0; overflow-wrap:anywhere;}
.pqa-clause.pqa-active {border-color:#2563eb; box-shadow:0 0 0 2px #93c5fd; background:#f8fbff;}
.pqa-clause h4 {margin:0 0 6px 0;}
.pqa-units {color:#555; font-size:0.9em; margin-top:6px;}
.pqa-clause mark {background:#ffe58f; padding:0 1px;}
.pqa-quote {background:#e6f4ff;}
.pqa-xref {color:#1d4ed8; cursor:pointer; text-decoration:underline dotted;}
.pqa-xref-box {border-left:3px solid #93c5fd; margin-top:8px; padding:4px 8px; background:#f8fafc; font-size:0.9em;}
.pqa-xref-box h5 {margin:0 0 4px 0;}
.pqa-jump {position:fixed; right:12px; bottom:16px; z-index:1000; border:none; border-radius:999px;
  padding:8px 14px; background:#1d4ed8; color:#fff; box-shadow:0 2px 8px rgba(0,0,0,.25);}
.pqa-docs {border-collapse:collapse; width:100%;}
.pqa-docs td, .pqa-docs th {border-bottom:1px solid #e5e7eb; padding:6px 8px; text-align:left; vertical-align:top;}
.pqa-nowrap {white-space:nowrap; word-break:keep-all;}
.pqa-parsed {max-height:40vh; overflow-y:auto;}
@media (max-width: 600px) {
  .pqa-panel {max-height:55vh;}
  .pqa-chat {max-height:none;}
  .pqa-docs thead {display:none;}
  .pqa-docs tr {display:block; border-bottom:1px solid #e5e7eb; padding:6px 0;}
  .pqa-docs td {display:block; border:none; padding:2px 4px;}
  .pqa-docs td.pqa-nowrap {display:inline-block;}
  .pqa-docs td[data-th]::before {content:attr(data-th) "："; color:#666;}
}
"""
