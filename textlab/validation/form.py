"""The coders' form: one self-contained HTML file (inline CSS and JavaScript, no CDN, no server).

The items travel inside the page as JSON in a ``<script type="application/json">`` block, with
``<``, ``>`` and ``&`` written as ``\\u003c`` ``\\u003e`` ``\\u0026`` so corpus text can never close
the block; the script puts every text on the page with ``textContent`` (never as HTML).  A
Content-Security-Policy forbids any network access (``default-src 'none'``).  The coder answers
and presses *Export*: the CSV (``coder,item_id,answer``) appears in a text box to copy and as a
download.  The page holds no answer key.
"""

from __future__ import annotations

import html
import json

__all__ = ["render_form"]

_CSS = """
body{font-family:Georgia,serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1,h2{font-family:Helvetica,Arial,sans-serif}
.item{border-top:1px solid #ccc;padding:.8rem 0}
.passage{background:#f6f6f6;padding:.6rem;white-space:pre-wrap}
label{display:block;margin:.15rem 0}
.done{color:#0072B2} textarea{width:100%;height:8rem}
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("items-data").textContent);
  var tasks = {
    word_intrusion: "Which word does not belong with the others?",
    topic_intrusion: "Which topic does not fit this passage?",
    frame_coding: "Which frames does this passage use? Tick every one that applies, or 'none'."
  };
  var root = document.getElementById("items");
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  data.items.forEach(function (item, i) {
    var box = el("div", undefined, "item");
    box.setAttribute("data-item", item.item_id);
    box.appendChild(el("h2", (i + 1) + ". " + tasks[item.task]));
    if (item.text) { box.appendChild(el("div", item.text, "passage")); }
    var multiple = item.task === "frame_coding";
    var options = multiple ? item.options.concat([["none", "none of these frames"]]) : item.options;
    options.forEach(function (option) {
      var label = el("label");
      var input = document.createElement("input");
      input.type = multiple ? "checkbox" : "radio";
      input.name = item.item_id;
      input.value = option[0];
      input.addEventListener("change", update);
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + option[1]));
      box.appendChild(label);
    });
    root.appendChild(box);
  });
  function answers() {
    return data.items.map(function (item) {
      var chosen = Array.prototype.slice.call(document.querySelectorAll("input[name='" + item.item_id + "']"))
        .filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
      if (chosen.indexOf("none") >= 0) { chosen = ["none"]; }
      return [item.item_id, chosen.join(";")];
    });
  }
  function update() {
    var n = answers().filter(function (a) { return a[1] !== ""; }).length;
    document.getElementById("progress").textContent = n + " of " + data.items.length + " items answered";
  }
  function quote(value) { return /[",\n\r]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value; }
  document.getElementById("export").addEventListener("click", function () {
    var coder = document.getElementById("coder").value.trim();
    if (!coder) { alert("Please enter your name or coder id first."); return; }
    var lines = ["coder,item_id,answer"].concat(answers().map(function (a) {
      return [coder, a[0], a[1]].map(quote).join(",");
    }));
    var csv = lines.join("\n") + "\n";
    document.getElementById("csv").value = csv;
    var link = document.getElementById("download");
    link.href = "data:text/csv;charset=utf-8," + encodeURIComponent(csv);
    link.setAttribute("download", "answers_" + coder.replace(/[^A-Za-z0-9_-]/g, "_") + ".csv");
    link.style.display = "inline";
  });
  update();
})();
"""


def _json_for_script(data: object) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` escaped as unicode escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_form(items: list[dict], *, title: str = "textlab validation") -> str:
    """The HTML form for ``items`` (``item_id, task, text, options``; any ``answer`` key is left out).

    Examples
    --------
    >>> page = render_form([{"item_id": "W001", "task": "word_intrusion", "text": "",
    ...                      "options": [["a", "a"], ["b", "b"]], "answer": "b"}])
    >>> '"answer"' in page, page.count("<script")
    (False, 2)
    """
    shown = [{k: item[k] for k in ("item_id", "task", "text", "options")} for item in items]
    csp = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
           "form-action 'none'; base-uri 'none'")
    return "\n".join([
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{csp}\">",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>Read each item and choose as asked. Nothing is sent anywhere: when you are done, enter your name, "
        "press <b>Export</b> and send the CSV file (or the text in the box) to the researcher.</p>",
        "<p><label>Your name or coder id: <input id='coder' autocomplete='off'></label></p>",
        "<p id='progress' class='done'></p>",
        "<div id='items'></div>",
        "<p><button id='export' type='button'>Export</button> "
        "<a id='download' style='display:none' href='#'>download the CSV</a></p>",
        "<textarea id='csv' readonly></textarea>",
        f"<script type='application/json' id='items-data'>{_json_for_script({'items': shown})}</script>",
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ])
