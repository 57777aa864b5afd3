// Analytics page: filters -> stats (charts, timeline of shares, per-person and per-scenario tables), history
// in keyset pages (newest first, "Show older" follows the `next` cursor) and export links.
"use strict";
const form = document.getElementById("filters");
const PAGE = 50;
let nextCursor = null;

function query() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v) params.set(k, v);
  return params;
}

function fillSelect(select, values, labelOf = (v) => v) {
  const chosen = select.value || new URLSearchParams(location.search).get(select.name) || "";
  select.replaceChildren(el("option", { value: "" }, "any"), ...values.map((v) => el("option", { value: v }, labelOf(v))));
  select.value = values.includes(chosen) ? chosen : "";
}

async function loadMenus() {
  const sessions = await api("GET", "/api/sessions");
  const label = new Map(sessions.map((s) => [s.id, `${new Date(s.started_at).toLocaleString()} · ${s.scenario} (${s.source})`]));
  fillSelect(document.getElementById("session-filter"), sessions.map((s) => s.id), (id) => label.get(id));
  const stats = await api("GET", "/api/observations/stats");
  fillSelect(document.getElementById("scenario-filter"), stats.scenarios);
  fillSelect(document.getElementById("person-filter"), stats.people);
}

function duration(seconds) {
  for (const [unit, size] of [["day", 86400], ["h", 3600], ["min", 60]]) if (seconds >= size) return `${seconds / size} ${unit}`;
  return `${seconds} s`;
}

function timeLabel(iso, bucketS) {
  const when = new Date(iso);
  return bucketS >= 86400 ? when.toLocaleDateString() : when.toLocaleString();
}

// Each bucket a column of stacked shares (bottom to top in FER order); an empty bucket stays blank.
function shareTimeline(target, buckets, bucketS) {
  if (!buckets.length) { target.replaceChildren("No observations."); return; }
  const w = 800, h = 200, left = 36, bottom = 22, top = 6, plotH = h - bottom - top;
  const step = (w - left) / buckets.length;
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", role: "img", "aria-label": "share of each emotion over time" });
  for (const share of [0, 0.5, 1]) {
    const y = top + plotH * (1 - share);
    root.append(svg("line", { x1: left, x2: w, y1: y, y2: y, stroke: "var(--line)", "stroke-width": 1 }));
    const t = svg("text", { x: left - 4, y: y + 4, "text-anchor": "end", "font-size": 11 }); t.textContent = `${share * 100}%`; root.append(t);
  }
  buckets.forEach((b, i) => {
    let y = top + plotH;
    const column = svg("g", { "data-start": b.start });
    const title = svg("title", {});
    title.textContent = `${timeLabel(b.start, bucketS)}: ${b.total} observations` +
      Object.entries(b.shares).filter(([, s]) => s > 0).map(([e, s]) => `, ${e} ${Math.round(100 * s)}%`).join("");
    column.append(title);
    for (const [e, s] of Object.entries(b.shares)) {
      if (!s) continue;
      y -= s * plotH;
      column.append(svg("rect", { x: left + i * step, y, width: Math.max(step - 0.5, 0.5), height: s * plotH, fill: colorOf(e), "data-emotion": e }));
    }
    root.append(column);
  });
  const first = svg("text", { x: left, y: h - 6, "font-size": 11 }); first.textContent = timeLabel(buckets[0].start, bucketS);
  const last = svg("text", { x: w, y: h - 6, "text-anchor": "end", "font-size": 11 }); last.textContent = timeLabel(buckets.at(-1).end, bucketS);
  root.append(first, last);
  const seen = EMOTIONS.filter((e) => buckets.some((b) => b.counts[e]));
  const legend = el("div", { class: "legend row wrap", "data-testid": "timeline-legend" },
    ...seen.map((e) => emotionLabel(e)));
  target.replaceChildren(root, legend);
}

function emotionTable(target, rows, heading) {
  if (!rows.length) { target.replaceChildren("No observations."); return; }
  const head = el("tr", {}, el("th", {}, heading), el("th", {}, "Observations"), el("th", {}, "Score"),
    ...EMOTIONS.map((e) => el("th", {}, emotionIcon(e))));
  const body = rows.map((r) => el("tr", {}, el("td", {}, r.name ?? "nobody enrolled"), el("td", {}, String(r.total)),
    el("td", {}, r.confidence_score ?? "–"), ...EMOTIONS.map((e) => el("td", {}, `${Math.round(100 * (r.shares[e] || 0))}%`))));
  target.replaceChildren(el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
}

function historyRow(o) {
  return el("tr", {},
    el("td", {}, new Date(o.timestamp).toLocaleString()), el("td", {}, o.source), el("td", {}, o.scenario),
    el("td", {}, o.session_id.slice(0, 8)), el("td", {}, o.track_id ?? ""), el("td", {}, o.person ?? ""),
    el("td", {}, emotionLabel(o.emotion)), el("td", {}, `${Math.round(o.confidence * 100)}%`));
}

async function loadPage(params, append) {
  const paging = new URLSearchParams(params);
  paging.set("limit", PAGE);
  if (append && nextCursor) paging.set("cursor", nextCursor);
  const page = await api("GET", `/api/observations/page?${paging}`);
  const rows = page.items.map(historyRow);
  if (append) document.getElementById("rows").append(...rows); else document.getElementById("rows").replaceChildren(...rows);
  nextCursor = page.next;
  document.getElementById("older").hidden = !nextCursor;
}

async function refresh() {
  const params = query();
  const stats = await api("GET", `/api/observations/stats?${params}`);
  bars(document.getElementById("freq"), stats.counts);
  donut(document.getElementById("share"), stats.counts);
  shareTimeline(document.getElementById("timeline"), stats.timeline, stats.bucket_s);
  document.getElementById("bucket").textContent = stats.bucket_s ? `share of each emotion per ${duration(stats.bucket_s)}` : "";
  emotionTable(document.getElementById("by-person"), stats.by_person, "Person");
  emotionTable(document.getElementById("by-scenario"), stats.by_scenario, "Scenario");
  document.getElementById("total").textContent = `${stats.total} observations · confidence score ${stats.confidence_score ?? "–"}`;
  await loadPage(params, false);
  for (const format of ["csv", "jsonl"]) document.getElementById(format).href = `/api/observations/export?format=${format}&${params}`;
}

form.addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
document.getElementById("older").addEventListener("click", () => {
  loadPage(query(), true).catch((err) => { document.getElementById("total").textContent = err.message; });
});
loadMenus().then(refresh).catch((err) => { document.getElementById("total").textContent = err.message; });
