// Analytics page: filters -> stats (charts), observations (history table) and export links.
"use strict";
const form = document.getElementById("filters");

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

async function refresh() {
  const params = query();
  const stats = await api("GET", `/api/observations/stats?${params}`);
  bars(document.getElementById("freq"), stats.counts);
  donut(document.getElementById("share"), stats.counts);
  lineChart(document.getElementById("timeline"), stats.timeline);
  document.getElementById("total").textContent = `${stats.total} observations · confidence score ${stats.confidence_score ?? "–"}`;
  const rows = await api("GET", `/api/observations?${params}&limit=200&offset=${Math.max(0, stats.total - 200)}`);
  document.getElementById("rows").replaceChildren(...rows.reverse().map((o) => el("tr", {},
    el("td", {}, new Date(o.timestamp).toLocaleString()), el("td", {}, o.source), el("td", {}, o.scenario),
    el("td", {}, o.session_id.slice(0, 8)), el("td", {}, o.track_id ?? ""), el("td", {}, o.person ?? ""),
    el("td", {}, emotionLabel(o.emotion)), el("td", {}, `${Math.round(o.confidence * 100)}%`))));
  for (const format of ["csv", "jsonl"]) document.getElementById(format).href = `/api/observations/export?format=${format}&${params}`;
}

form.addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
loadMenus().then(refresh).catch((err) => { document.getElementById("total").textContent = err.message; });
