// Settings page: retention, face crops, stored samples, score weights; delete a session or everything.
"use strict";
const form = document.getElementById("settings");

async function load() {
  const s = await api("GET", "/api/settings");
  form.retention.value = s.retention ?? 5; form.keep_all.checked = s.retention === null;
  form.save_face_crops.checked = s.save_face_crops; form.crop_every_n_frames.value = s.crop_every_n_frames;
  form.samples_per_second.value = s.samples_per_second;
  const weights = { ...Object.fromEntries(EMOTIONS.map((e) => [e, s.weights[e] ?? s.other_weight])), other: s.other_weight };
  document.getElementById("weights").replaceChildren(...Object.entries(weights).map(([e, w]) =>
    el("label", {}, emotionLabel(e), " ", el("input", { type: "number", step: "0.5", name: `w_${e}`, value: w, style: "width:5rem" }))));
  await loadSessions();
}

async function loadSessions() {
  const sessions = await api("GET", "/api/sessions");
  document.getElementById("sessions").replaceChildren(...sessions.map((s) => {
    const remove = el("button", { class: "danger", "data-testid": "delete-session" }, "Delete");
    remove.addEventListener("click", async () => { await api("DELETE", `/api/sessions/${s.id}`); loadSessions(); });
    return el("tr", {}, el("td", {}, new Date(s.started_at).toLocaleString()), el("td", {}, s.scenario), el("td", {}, s.source),
      el("td", {}, s.observation_count), el("td", {}, remove));
  }));
}

// A retention that would delete sessions is refused (409) until the user confirms how many go.
async function save(body, confirmed = false) {
  try { return await api("PUT", `/api/settings${confirmed ? "?confirm=true" : ""}`, body); }
  catch (err) {
    if (err.status !== 409 || confirmed) throw err;
    const { sessions, observations } = err.body;
    const question = `Keeping only the latest ${body.retention} sessions deletes ${sessions} older session(s) ` +
      `with ${observations} observation(s). This cannot be undone. Delete them?`;
    return confirm(question) ? save(body, true) : null;
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const weights = Object.fromEntries(EMOTIONS.map((e) => [e, Number(form[`w_${e}`].value)]));
  const body = { retention: form.keep_all.checked ? null : Number(form.retention.value), save_face_crops: form.save_face_crops.checked,
    crop_every_n_frames: Number(form.crop_every_n_frames.value), samples_per_second: Number(form.samples_per_second.value), weights, other_weight: Number(form.w_other.value) };
  try {
    const saved = await save(body);
    document.getElementById("saved").textContent = saved ? "Saved." : "Not saved: no session was deleted.";
    await loadSessions();
  }
  catch (err) { document.getElementById("saved").textContent = err.message; }
});

document.getElementById("delete-all").addEventListener("click", async () => {
  if (!confirm("Delete every session and observation? This cannot be undone.")) return;
  await api("DELETE", "/api/data"); loadSessions();
});
load();
