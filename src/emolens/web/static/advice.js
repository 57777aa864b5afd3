// Advice page: a session's dominant and trending emotions, its chart and the scenario's tips.
"use strict";
const picker = document.getElementById("session");

async function show(id) {
  const s = await api("GET", `/api/sessions/${id}/summary`);
  document.getElementById("dominant").textContent = s.dominant ? `${EMOJI[s.dominant] || ""} ${s.dominant}` : "none";
  document.getElementById("trending").textContent = s.trending.map(([e, d]) => `${e} (+${Math.round(d * 100)}%)`).join(", ") || "steady";
  document.getElementById("score").textContent = s.confidence_score === null ? "–" : `${s.confidence_score}/100`;
  bars(document.getElementById("chart"), s.counts, true);
  document.getElementById("tips").replaceChildren(...s.advice.tips.map((t) => el("li", {}, t)));
}

async function init() {
  const sessions = await api("GET", "/api/sessions");
  if (!sessions.length) { document.getElementById("tips").replaceChildren(el("li", {}, "No sessions yet: start one on the Live page.")); return; }
  picker.replaceChildren(...sessions.map((s) => el("option", { value: s.id }, `${new Date(s.started_at).toLocaleString()} · ${s.scenario} (${s.source})`)));
  picker.value = new URLSearchParams(location.search).get("session") || sessions[0].id;
  await show(picker.value);
}

picker.addEventListener("change", () => show(picker.value));
init().catch((err) => document.getElementById("tips").replaceChildren(el("li", { class: "error" }, err.message)));
