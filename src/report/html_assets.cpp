#include "report/html_assets.hpp"

namespace leakscope::report::html {

const char* const kPageStyle = R"css(
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --panel:#f6f8fa;
  --rss:#2563eb; --pss:#7c3aed; --heap:#ea580c; --mapped:#0d9488; --events:#6b7280; --retained:#94a3b8;
  --leak:#b91c1c; --leak-bg:#fef2f2; --ok:#15803d; --ok-bg:#f0fdf4; --warn:#b45309; --warn-bg:#fffbeb;
  --unknown:#475569; --unknown-bg:#f8fafc; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color:var(--ink); background:var(--bg); line-height:1.45; }
main { max-width:1120px; margin:0 auto; padding:20px 24px 48px; }
h1 { font-size:15px; font-weight:600; color:var(--muted); margin:0 0 10px; }
h1 code { color:var(--ink); }
h2 { font-size:20px; margin:36px 0 8px; padding-bottom:4px; border-bottom:1px solid var(--line); }
h3 { font-size:16px; margin:24px 0 6px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size:13px; }
.verdict { border:2px solid var(--unknown); background:var(--unknown-bg); border-radius:10px; padding:18px 22px; }
.verdict.leak { border-color:var(--leak); background:var(--leak-bg); }
.verdict.ok { border-color:var(--ok); background:var(--ok-bg); }
.verdict.warn { border-color:var(--warn); background:var(--warn-bg); }
.verdict-line { display:flex; align-items:baseline; gap:14px; flex-wrap:wrap; }
.verdict-word { font-size:34px; font-weight:800; letter-spacing:0.5px; color:var(--unknown); }
.verdict.leak .verdict-word { color:var(--leak); }
.verdict.ok .verdict-word { color:var(--ok); }
.verdict.warn .verdict-word { color:var(--warn); }
.headline { font-size:21px; font-weight:600; }
.summary { font-size:16px; margin:8px 0 14px; max-width:880px; }
.tiles { display:grid; grid-template-columns:repeat(auto-fit, minmax(128px, 1fr)); gap:8px; }
.tile.muted .value { color:var(--muted); }
.tile { background:#fff; border:1px solid var(--line); border-radius:8px; padding:8px 12px; }
.tile .label { font-size:12px; text-transform:uppercase; letter-spacing:0.4px; color:var(--muted); }
.tile .value { font-size:18px; font-weight:700; overflow-wrap:break-word; }
.tile .sub { font-size:12px; color:var(--muted); }
.badge { display:inline-block; font-size:13px; font-weight:700; padding:2px 9px; border-radius:999px;
  background:#e5e7eb; color:#374151; text-transform:uppercase; letter-spacing:0.4px; }
.badge.critical, .badge.high { background:var(--leak); color:#fff; }
.badge.medium { background:#f59e0b; color:#111; }
.badge.low { background:#fde68a; color:#111; }
.legend { display:flex; flex-wrap:wrap; gap:6px 18px; font-size:13px; margin:6px 0 2px; color:var(--muted); }
.key { display:inline-flex; align-items:center; gap:6px; }
.swatch { display:inline-block; width:18px; height:4px; border-radius:2px; background:currentColor; }
.swatch.dashed { height:0; border-top:3px dashed; background:none; }
.swatch.warmup-key { height:12px; background:#fde68a; }
svg.chart, svg.flame { width:100%; height:auto; display:block; overflow:visible; }
/* The charts scale with the page (viewBox 960 wide), and their text with them: in narrow windows the
   text is set larger in chart units so ticks stay about 11 px on screen. */
@media (max-width: 980px) { svg.chart text { font-size:14px; } }
@media (max-width: 760px) { svg.chart text { font-size:17px; }
  /* Ticks this large reach where the rotated axis captions stand; the ticks carry the unit (MB), the
     section's title says what is drawn. */
  svg.chart .caption.y, svg.chart .caption.y2 { display:none; } }
@media (max-width: 560px) { svg.chart text { font-size:22px; } }
svg text { font-family: system-ui, "DejaVu Sans", sans-serif; font-size:11px; fill:var(--muted); }
svg .tick.y { text-anchor:end; dominant-baseline:middle; }
svg .tick.y2 { text-anchor:start; dominant-baseline:middle; }
svg .tick.x { text-anchor:middle; }
svg .caption.x { text-anchor:end; }
svg .caption.y, svg .caption.y2 { text-anchor:middle; }
svg .grid { stroke:#eaeef2; stroke-width:1; }
svg .axis, svg .tickmark { stroke:#8c959f; stroke-width:1; }
svg .line { fill:none; stroke-width:1.6; stroke-linejoin:round; }
.rss { color:var(--rss); stroke:var(--rss); } .pss { color:var(--pss); stroke:var(--pss); }
.heap { color:var(--heap); stroke:var(--heap); } .mapped { color:var(--mapped); stroke:var(--mapped); }
.events { color:var(--events); stroke:var(--events); } .retained { color:var(--retained); }
.fit { color:#111827; } .limit { color:var(--leak); }
svg .line.events { stroke-dasharray:2 3; stroke-width:1.2; }
svg .envelope { fill:var(--rss); fill-opacity:0.12; stroke:none; }
svg .warmup { fill:#fde68a; fill-opacity:0.45; }
svg .region-label { fill:#92400e; font-weight:600; }
svg .fit-band { fill:#111827; fill-opacity:0.10; stroke:none; }
svg .fit-line { fill:none; stroke:#111827; stroke-width:2; stroke-dasharray:7 4; }
svg .change-point { stroke:#9ca3af; stroke-dasharray:3 3; }
svg line.limit { stroke:var(--leak); stroke-width:1.5; stroke-dasharray:8 4; }
svg .limit-label { fill:var(--leak); text-anchor:end; font-weight:600; }
svg .cursor { stroke:#374151; stroke-width:1; }
svg .layer { stroke:#fff; stroke-width:0.5; }
svg .layer.heap { fill:var(--heap); fill-opacity:0.75; } svg .layer.mapped { fill:var(--mapped); fill-opacity:0.7; }
svg .layer.retained { fill:var(--retained); fill-opacity:0.7; }
.overhead { color:#c2410c; } svg .layer.overhead { fill:#fdba74; fill-opacity:0.8; }
.kept { color:#a16207; } svg .layer.kept { fill:#facc15; fill-opacity:0.75; }
.stacks { color:#be123c; } svg .layer.stacks { fill:#fb7185; fill-opacity:0.75; }
.anon-other { color:#4338ca; } svg .layer.anon-other { fill:#818cf8; fill-opacity:0.7; }
.file-backed { color:#0f766e; } svg .layer.file-backed { fill:#5eead4; fill-opacity:0.7; }
.site0 { color:#dc2626; fill:#dc2626; } .site1 { color:#f59e0b; fill:#f59e0b; } .site2 { color:#2563eb; fill:#2563eb; }
.site3 { color:#16a34a; fill:#16a34a; } .site4 { color:#9333ea; fill:#9333ea; } .site5 { color:#0891b2; fill:#0891b2; }
.site6 { color:#db2777; fill:#db2777; } .site7 { color:#65a30d; fill:#65a30d; } .site-other { color:#9ca3af; fill:#9ca3af; }
svg .layer[class*="site"] { fill-opacity:0.8; }
svg.flame text { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size:11px; fill:#1f2328; pointer-events:none; }
svg.flame .frame:hover rect { stroke:#111; stroke-width:1; }
.note, .empty { font-size:13px; color:var(--muted); }
table { border-collapse:collapse; width:100%; font-size:14px; }
table.sites { font-size:13px; }
table.sites th.fn { width:42%; }
table.sites code { font-size:12.5px; overflow-wrap:break-word; }
table.sites .loc { display:block; color:var(--muted); font-size:12px; margin-left:30px; overflow-wrap:break-word; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:0.3px; color:var(--muted); }
td.num, th.num { text-align:right; white-space:nowrap; }
table.facts th { width:230px; text-transform:none; font-size:14px; color:var(--muted); font-weight:500; }
tr.site.leaking td:first-child { box-shadow: inset 4px 0 0 var(--leak); }
td.yes { color:var(--leak); font-weight:700; }
button.expand { border:1px solid var(--line); background:#fff; border-radius:4px; cursor:pointer; width:24px;
  font-size:12px; padding:0; }
button.expand[aria-expanded="true"] { background:var(--panel); }
tr.stack-row td { background:var(--panel); }
ol.stack { margin:4px 0; padding-left:26px; }
.site-summary { margin:4px 0; }
#tooltip { position:fixed; pointer-events:none; background:#111827; color:#f9fafb; font-size:12px; padding:6px 9px;
  border-radius:6px; box-shadow:0 2px 8px rgba(0,0,0,0.25); z-index:10; white-space:nowrap; }
#tooltip .swatch { margin-right:5px; }
footer { margin-top:40px; font-size:12px; color:var(--muted); }
)css";

// Hover read-outs and stack expansion. It ends by setting data-ready="1" on <body>, which the
// headless-browser test reads to know the script ran to the end without throwing.
const char* const kPageScript = R"js(
(function () {
  'use strict';
  // The hover read-outs follow diagnosis::format_bytes exactly: powers of 1000, three digits.
  var units = ['B', 'kB', 'MB', 'GB', 'TB'];
  function fmtBytes(v) {
    if (v === null || v === undefined) return 'n/a';
    var a = Math.abs(v), i = 0, d = 1;
    if (a < 0.5) return '0 B';
    while (a >= 999.5 * d && i < units.length - 1) { d *= 1000; i++; }
    var x = v / d, ax = Math.abs(x);
    var s = i === 0 || ax >= 100 ? x.toFixed(0) : ax >= 10 ? x.toFixed(1) : x.toFixed(2);
    return s + ' ' + units[i];
  }
  function fmtCount(v) { return v === null ? 'n/a' : Math.round(v).toLocaleString('en-US'); }
  function fmtTime(s) {
    if (s < 120) return s.toFixed(1) + ' s';
    if (s < 7200) return (s / 60).toFixed(1) + ' min';
    if (s < 172800) return (s / 3600).toFixed(2) + ' h';
    return (s / 86400).toFixed(2) + ' days';
  }
  var tip = document.getElementById('tooltip');
  function nearest(ts, t) {
    var lo = 0, hi = ts.length - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (ts[mid] < t) lo = mid; else hi = mid; }
    return Math.abs(ts[lo] - t) <= Math.abs(ts[hi] - t) ? lo : hi;
  }
  function wire(script) {
    var data = JSON.parse(script.textContent);
    var svg = document.getElementById(script.getAttribute('data-for'));
    if (!svg || !data.t.length) return false;
    var cursor = svg.querySelector('.cursor');
    var box = svg.viewBox.baseVal;
    var x = data.x;
    function toPx(t) { return x.px0 + (t - x.t0) / ((x.t1 - x.t0) || 1) * (x.px1 - x.px0); }
    svg.addEventListener('mousemove', function (ev) {
      var r = svg.getBoundingClientRect();
      var px = (ev.clientX - r.left) * box.width / r.width;
      if (px < x.px0 || px > x.px1) { tip.hidden = true; if (cursor) cursor.setAttribute('visibility', 'hidden'); return; }
      var t = x.t0 + (px - x.px0) / (x.px1 - x.px0) * (x.t1 - x.t0);
      var i = nearest(data.t, t);
      // Built from nodes, names set as text: a site's name is the program's text, never markup.
      tip.replaceChildren();
      var when = document.createElement('b');
      when.textContent = fmtTime(data.t[i]);
      tip.appendChild(when);
      data.series.forEach(function (s) {
        var v = s.v[i];
        if (v === null) return;
        tip.appendChild(document.createElement('br'));
        var key = document.createElement('span');
        key.className = String(s.cls);
        key.appendChild(document.createElement('i')).className = 'swatch';
        tip.appendChild(key);
        tip.appendChild(document.createTextNode(s.name + ': ' + (s.bytes ? fmtBytes(v) : fmtCount(v))));
      });
      tip.hidden = false;
      tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + 'px';
      tip.style.top = (ev.clientY + 14) + 'px';
      if (cursor) {
        var cx = toPx(data.t[i]);
        cursor.setAttribute('x1', cx); cursor.setAttribute('x2', cx);
        cursor.setAttribute('visibility', 'visible');
      }
    });
    svg.addEventListener('mouseleave', function () {
      tip.hidden = true;
      if (cursor) cursor.setAttribute('visibility', 'hidden');
    });
    return true;
  }
  var wired = 0;
  document.querySelectorAll('script.chart-data').forEach(function (s) { if (wire(s)) wired++; });
  document.querySelectorAll('button.expand').forEach(function (button) {
    button.addEventListener('click', function () {
      var row = button.closest('tr').nextElementSibling;
      var open = row.hidden;
      row.hidden = !open;
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      button.textContent = open ? '\u25be' : '\u25b8';
    });
  });
  document.body.setAttribute('data-charts', String(wired));
  // Milliseconds from navigation start to here (the whole page parsed): the test's load-time figure.
  document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  document.body.setAttribute('data-ready', '1');
})();
)js";

}  // namespace leakscope::report::html
