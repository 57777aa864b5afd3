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
