"""The explorer as HTML: one fragment holding its style, the Vega libraries, the data and a little glue.

Offline by construction: Vega, Vega-Lite and vega-embed are inlined from ``vl-convert``'s bundle
(the one ``altair``'s ``inline=True`` uses); nothing is loaded from the network.  The data travels
as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, and the
glue writes corpus text into the page only through ``textContent``, so a document that contains
``<script>`` shows it as text and never runs it.

The glue (about 120 lines) does what Vega-Lite cannot: it keeps the topic shown in step across
the separate views (each keeps its own PNG/SVG export menu), and shows the evidence panel, whose
passages are wrapped running text with highlighted matches (Vega text marks do not wrap).
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from typing import Any

from textlab._errors import OutputError

__all__ = ["vega_bundle", "safe_json", "render_fragment", "render_document"]

_CSS = """
.tlx{font-family:Helvetica,Arial,sans-serif;color:#222;font-size:14px;line-height:1.4}
.tlx h2{font-size:1.3rem;margin:.2rem 0 .4rem} .tlx h3{font-size:1rem;margin:.2rem 0 .3rem}
.tlx .tlx-note{color:#555;font-size:.85rem;margin:.2rem 0 .6rem} .tlx .tlx-panel .tlx-note{max-width:34rem}
.tlx .tlx-grid{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
.tlx .tlx-panel{flex:0 0 auto;border:1px solid #ddd;border-radius:4px;padding:.5rem .7rem;background:#fff}
.tlx .tlx-controls{margin:.3rem 0 .6rem} .tlx select{font-size:.9rem;max-width:28rem}
.tlx .tlx-evidence{flex:1 1 26rem;max-width:60rem;max-height:44rem;overflow:auto}
.tlx .tlx-passage{border-bottom:1px solid #eee;padding:.35rem 0}
.tlx .tlx-meta{color:#555;font-size:.8rem} .tlx .tlx-text{margin:.15rem 0;white-space:pre-wrap}
.tlx table.tlx-kwic{border-collapse:collapse;font-size:.85rem;width:100%}
.tlx table.tlx-kwic td{padding:.15rem .3rem;border-bottom:1px solid #eee;vertical-align:top;text-align:left}
.tlx table.tlx-kwic td.tlx-left{text-align:right;color:#333} .tlx td.tlx-match{font-weight:bold;color:#A33A00;white-space:nowrap}
.tlx .tlx-unstable{color:#A33A00;font-weight:bold}
.tlx .vega-embed{display:inline-block} .tlx .vega-embed details{position:relative}
"""

_GLUE = r"""
(function () {
  const root = document.getElementById(ROOT_ID);
  const data = JSON.parse(root.querySelector('script.tlx-data').textContent);
  const views = {};
  const options = {renderer: 'svg', actions: {export: true, source: false, compiled: false, editor: false},
                   downloadFileName: 'textlab-explorer'};
  const evidence = root.querySelector('.tlx-evidence-body');
  const select = root.querySelector('select.tlx-topic');
  function node(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function topicName(k) {
    const t = data.topics[String(k)];
    return t ? t.name + ': ' + t.label : 'Topic ' + k;
  }
  function meta(p, extra) {
    const bits = ['doc ' + p[0], p[1]];
    if (p[2]) bits.push(p[2]);
    if (extra) bits.push(extra);
    return node('div', 'tlx-meta', bits.join(' · '));
  }
  function showPassages(title, note, rows, scoreText) {
    evidence.replaceChildren(node('h3', null, title), node('div', 'tlx-note', note));
    if (!rows || !rows.length) { evidence.append(node('p', null, 'No passage to show.')); return; }
    for (const [pid, score] of rows) {
      const p = data.passages[pid];
      const box = node('div', 'tlx-passage');
      box.dataset.passage = pid;
      box.append(meta(p, 'passage ' + pid + ' · ' + scoreText(score)), node('p', 'tlx-text', p[3]));
      evidence.append(box);
    }
  }
  function showTerm(term) {
    const entry = data.kwic[term];
    const label = entry ? entry.label : term;
    if (!entry || !entry.lines.length) {
      evidence.replaceChildren(node('h3', null, 'Term: ' + label),
        node('p', null, 'No keyword-in-context line is stored for this term.'));
      return;
    }
    const note = entry.lines.length + ' of the ' + entry.n + ' passages containing it, drawn at random' +
                 ' (random_state ' + data.random_state + '); ' + data.window + ' words either side.';
    const table = node('table', 'tlx-kwic');
    for (const line of entry.lines) {
      const tr = node('tr');
      tr.dataset.passage = line[0];
      tr.append(node('td', 'tlx-left', line[3]), node('td', 'tlx-match', line[4]), node('td', null, line[5]),
                node('td', 'tlx-meta', 'doc ' + line[1] + ' · ' + line[2]));
      table.append(tr);
    }
    evidence.replaceChildren(node('h3', null, 'Term: ' + label), node('div', 'tlx-note', note), table);
  }
  function showFrame(frame) {
    const drivers = data.frame_drivers[frame] || '';
    showPassages('Frame: ' + frame, 'Passages with the most frame tokens' +
                 (drivers ? '; terms that drive it: ' + drivers : '') + '.', data.frame_passages[frame],
                 score => Number(score) + ' frame token' + (Number(score) === 1 ? '' : 's'));
  }
  function showTopic(k) {
    k = Number(k);
    root.dataset.topic = String(k);
    if (select) select.value = String(k);
    for (const name of ['map', 'terms', 'prevalence', 'difference']) {
      if (views[name]) views[name].signal('topic', k).runAsync();
    }
    const heading = root.querySelector('.tlx-terms-title');
    if (heading) heading.textContent = 'Top ' + data.n_terms + ' terms of ' + topicName(k);
    const t = data.topics[String(k)];
    showPassages(topicName(k), 'The passages with the highest share of this topic' +
                 (t && !t.stable ? ' (unstable topic: it did not reappear reliably across seeds)' : '') + '.',
                 data.topic_passages[String(k)], score => 'share of topic ' + Number(score).toFixed(3));
  }
  const onClick = {
    map: d => d.topic !== undefined && showTopic(d.topic),
    prevalence: d => d.topic !== undefined && showTopic(d.topic),
    difference: d => d.topic !== undefined && showTopic(d.topic),
    terms: d => d.term !== undefined && showTerm(d.term),
    keyness: d => d.term !== undefined && showTerm(d.term),
    frames: d => d.frame !== undefined && showFrame(d.frame)
  };
  if (select) select.addEventListener('change', () => showTopic(select.value));
  const names = Object.keys(data.specs);
  Promise.all(names.map(name => vegaEmbed(root.querySelector('.tlx-view-' + name), data.specs[name], options)
    .then(result => {
      views[name] = result.view;
      result.view.addEventListener('click', (event, item) => {
        const d = item && item.datum;
        if (d && onClick[name]) onClick[name](d);
      });
    }))).then(() => {
      if (data.first_topic !== null) showTopic(data.first_topic);
      root.dataset.ready = '1';
    }).catch(error => { root.dataset.ready = 'error'; console.error(error); });
  root.textlabViews = views;
})();
"""


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (from ``vl-convert``, as altair's ``inline=True``)."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    bundle = vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())
    if re.search(r"</script|<!--", bundle, re.IGNORECASE):  # would end the inline <script> early
        raise OutputError("the vl-convert JavaScript bundle holds '</script' or '<!--' and cannot be inlined; "
                          "install the vl-convert-python version in requirements.lock")
    return bundle


def safe_json(value: Any) -> str:
    """JSON that can sit inside ``<script>``: ``<``, ``>``, ``&`` and line separators escaped.

    Examples
    --------
    >>> safe_json({"text": "</script><script>alert(1)</script>"})
    '{"text": "\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _view(name: str, title: str, hint: str, *, extra: str = "") -> str:
    return (f"<div class='tlx-panel'><h3>{html.escape(title)}</h3>{extra}<div class='tlx-note'>{html.escape(hint)}"
            f"</div><div class='tlx-view tlx-view-{name}'></div></div>")


def render_fragment(payload: dict[str, Any], *, root_id: str, heading: str, notes: list[str],
                    topic_options: list[tuple[int, str]]) -> str:
    """The explorer as an HTML fragment (style, libraries, data, views); ids are prefixed by ``root_id``."""
    specs = payload["specs"]
    options = "".join(f"<option value='{k}'>{html.escape(text)}</option>" for k, text in topic_options)
    panels = []
    if "map" in specs:
        panels.append(_view("map", "Intertopic map", "Topics placed by classical scaling of Jensen–Shannon "
                            "distances; area = share of tokens; colour = group the topic leans towards; dashed = "
                            "unstable. Click a topic; wheel to zoom, drag to pan, double-click to reset."))
        panels.append(_view("terms", "Top terms", "Grey: count in the corpus; orange: the part the model assigns to the topic. "
                            "Move the λ slider (1 = probability, 0 = lift); click a term for its contexts.",
                            extra="<div class='tlx-terms-title tlx-note'></div>"))
    panels.append("<div class='tlx-panel tlx-evidence'><h3>Evidence</h3><div class='tlx-evidence-body'>"
                  "<p>Click a topic, a term or a frame.</p></div></div>")
    if "prevalence" in specs:
        panels.append(_view("prevalence", "Topic prevalence by group", "Click a topic."))
    if "difference" in specs:
        panels.append(_view("difference", "Prevalence difference", "Group a minus group b; dashed line at zero."))
    if "frames" in specs:
        panels.append(_view("frames", "Frames by group", "Click a frame for its passages."))
    if "keyness" in specs:
        panels.append(_view("keyness", "Key terms", "Click a term for its contexts."))
    control = (f"<div class='tlx-controls'><label>Topic shown: <select class='tlx-topic'>{options}</select>"
               "</label></div>" if topic_options else "")
    note_html = "".join(f"<p class='tlx-note'>{n}</p>" for n in notes)  # notes are escaped by the caller
    return "\n".join([
        f"<div class='tlx' id='{html.escape(root_id)}'>",
        f"<style>{_CSS}</style>",
        f"<h2>{html.escape(heading)}</h2>", note_html, control,
        "<div class='tlx-grid'>", *panels,
        "</div>",
        f"<script type='application/json' class='tlx-data'>{safe_json(payload)}</script>",
        f"<script>{vega_bundle()}</script>",
        f"<script>{_GLUE.replace('ROOT_ID', json.dumps(root_id))}</script>",
        "</div>",
    ])


def render_document(fragment: str, *, title: str) -> str:
    """A complete HTML page around :func:`render_fragment`'s output."""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title>"
            "<style>body{margin:1rem 1.5rem;background:#fafafa}</style></head><body>\n"
            f"{fragment}\n</body></html>\n")
