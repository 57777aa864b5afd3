// Advice page: a session's dominant and trending emotions, its chart and the scenario's tips.
"use strict";
const picker = document.getElementById("session"), personPicker = document.getElementById("person");

async function show(id) {
  const person = personPicker.value ? `?person=${encodeURIComponent(personPicker.value)}` : "";
  const s = await api("GET", `/api/sessions/${id}/summary${person}`);
  document.getElementById("dominant").replaceChildren(s.dominant ? emotionLabel(s.dominant) : "none");
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
  const { people } = await api("GET", "/api/observations/stats?limit=1");
  personPicker.append(...people.map((p) => el("option", { value: p }, p)));
  await show(picker.value);
}

picker.addEventListener("change", () => show(picker.value));
personPicker.addEventListener("change", () => show(picker.value));
init().catch((err) => document.getElementById("tips").replaceChildren(el("li", { class: "error" }, err.message)));
