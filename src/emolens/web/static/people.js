// People page: enrol from photos or webcam captures, remove people, and count emotions per person.
"use strict";
const $ = (id) => document.getElementById(id);
const captures = [];
let stream = null, since = null, until = null, timer = null;

async function loadPeople() {
  const people = await api("GET", "/api/people");
  $("people").replaceChildren(...people.map((p) => {
    const remove = el("button", { class: "danger", "data-person": p.name, "data-person-id": p.id }, "Remove");
    remove.addEventListener("click", () => removePerson(p));
    return el("tr", {}, el("td", {}, p.name), el("td", {}, String(p.embedding_count)),
      el("td", {}, String(p.observation_count)), el("td", {}, new Date(p.created_at).toLocaleString()), el("td", {}, remove));
  }));
}

async function removePerson(p) {
  if (!confirm(`Remove ${p.name}, their face embeddings and their ${p.observation_count} emotion records?`)) return;
  await api("DELETE", `/api/people/${p.id}`);
  await Promise.all([loadPeople(), loadStats()]);
}

async function camera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (err) { $("enrol-status").textContent = `No camera: ${err.message}`; return; }
  $("preview").srcObject = stream; $("preview").hidden = false; $("snap").hidden = false;
  await $("preview").play();
}

function snap() {
  const video = $("preview"), canvas = document.createElement("canvas");
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  canvas.toBlob((blob) => { captures.push(blob); $("captures").textContent = `${captures.length} capture(s)`; }, "image/jpeg", 0.92);
}

async function enrol(event) {
  event.preventDefault();
  const form = new FormData();
  form.set("name", $("enrol").elements.name.value);
  for (const file of $("enrol").elements.photos.files) form.append("photos", file, file.name);
  captures.forEach((blob, i) => form.append("photos", blob, `webcam-${i + 1}.jpg`));
  $("enrol-status").textContent = "Enrolling…";
  try {
    const person = await api("POST", "/api/people", form);
    $("enrol-status").textContent = `Enrolled ${person.name} (${person.embedding_count} embedding(s)).`;
    captures.length = 0; $("captures").textContent = ""; $("enrol").reset();
    await loadPeople();
  } catch (err) { $("enrol-status").textContent = err.message; }
}

async function loadStats() {
  const params = new URLSearchParams();
  if (since) params.set("since", since);
  if (until) params.set("until", until);
  const rows = await api("GET", `/api/people/stats?${params}`);
  $("stats").replaceChildren(...rows.map((r) => el("tr", { "data-person": r.person ?? "" },
    el("td", {}, r.person ?? "unknown"), ...EMOTIONS.map((e) => el("td", {}, String(r.counts[e] ?? 0))),
    el("td", {}, String(r.total)), el("td", {}, r.confidence_score === null ? "–" : String(r.confidence_score)))));
}

function startCounting() {
  since = new Date().toISOString(); until = null;
  $("count-start").disabled = true; $("count-stop").disabled = false;
  $("count-status").textContent = `Counting since ${new Date(since).toLocaleTimeString()}…`;
  loadStats(); timer = setInterval(loadStats, 1000);
}

async function stopCounting() {
  clearInterval(timer); until = new Date().toISOString();
  $("count-start").disabled = false; $("count-stop").disabled = true;
  await loadStats();
  $("count-status").textContent = `Final counts and confidence scores, ${new Date(since).toLocaleTimeString()} to ${new Date(until).toLocaleTimeString()}.`;
}

async function deleteRecords() {
  if (!confirm("Delete every session and emotion record? Enrolled people stay.")) return;
  await api("DELETE", "/api/data");
  await Promise.all([loadPeople(), loadStats()]);
}

$("enrol").addEventListener("submit", enrol);
$("camera").addEventListener("click", camera);
$("snap").addEventListener("click", snap);
$("count-start").addEventListener("click", startCounting);
$("count-stop").addEventListener("click", stopCounting);
$("delete-records").addEventListener("click", deleteRecords);
Promise.all([loadPeople(), loadStats()]).catch((err) => { $("enrol-status").textContent = err.message; });
