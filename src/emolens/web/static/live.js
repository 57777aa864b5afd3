// Live page: webcam frames go to /ws/live one at a time (the next leaves when the reply arrives, so the
// frame rate follows the server's speed and no queue builds up); replies are drawn over the video.
"use strict";
const $ = (id) => document.getElementById(id);
const video = $("video"), overlay = $("overlay"), capture = document.createElement("canvas");
const MAX_SIDE = 480, MIN_INTERVAL_MS = 33;
const stats = { sessionId: null, frames: 0, boxesDrawn: 0, latenciesMs: [], serverMs: [], startedAt: 0, fps: 0, summary: null };
window.emolensLive = stats;
let ws = null, stream = null, running = false, nextId = 1, lastSent = 0;
const sentAt = new Map();

$("scenario").addEventListener("change", () => { $("custom").hidden = $("scenario").value !== ""; });

function scenario() { return ($("scenario").value || $("custom").value || "").trim(); }
function status(text, isError = false) { $("status").textContent = text; $("status").classList.toggle("error", isError); }

async function start() {
  if (!scenario()) { status("Name your scenario first.", true); return; }
  $("start").disabled = true; $("summary").hidden = true;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (err) {
    status(`No camera: ${err.message}. Allow camera access and try again.`, true); $("start").disabled = false; return;
  }
  video.srcObject = stream; await video.play();
  const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
  capture.width = Math.round(video.videoWidth * scale); capture.height = Math.round(video.videoHeight * scale);
  overlay.width = video.videoWidth; overlay.height = video.videoHeight;
  Object.assign(stats, { frames: 0, boxesDrawn: 0, latenciesMs: [], serverMs: [], summary: null });
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/live`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => ws.send(JSON.stringify({ type: "start", scenario: scenario() }));
  ws.onmessage = (event) => onMessage(JSON.parse(event.data));
  ws.onclose = () => { if (running) { status("Connection lost; the session was saved.", true); teardown(); } };
}

function onMessage(msg) {
  if (msg.type === "started") {
    stats.sessionId = msg.session.id; stats.startedAt = performance.now(); running = true;
    $("stop").disabled = false; status(`Session ${msg.session.id.slice(0, 8)} · ${msg.session.scenario}`);
    sendFrame();
  } else if (msg.type === "result") {
    draw(msg); showStats(msg); scheduleNext();
  } else if (msg.type === "drift") {
    showDrift(msg);
  } else if (msg.type === "summary") {
    stats.summary = msg.summary; showSummary(msg.summary); teardown();
  } else if (msg.type === "error") {
    status(msg.detail, true); if (running) scheduleNext();
  }
}

// A drift alarm of the server's monitor: which features moved, and a link to the Monitoring page.
function showDrift(msg) {
  stats.drift = msg;
  const banner = $("drift-banner"); banner.hidden = false;
  banner.classList.toggle("drift", msg.verdict === "drift");
  banner.replaceChildren(el("strong", {}, msg.verdict === "drift" ? "Drift detected: " : "Drift warning: "),
    `${msg.features.join(", ")} moved away from what the model was validated on. `,
    el("a", { href: msg.link, "data-testid": "drift-link" }, "See Monitoring"));
}

function scheduleNext() {
  const wait = Math.max(0, MIN_INTERVAL_MS - (performance.now() - lastSent));
  setTimeout(sendFrame, wait);
}

function sendFrame() {
  if (!running || ws.readyState !== WebSocket.OPEN) return;
  const ctx = capture.getContext("2d");
  ctx.drawImage(video, 0, 0, capture.width, capture.height);
  const id = nextId++; const capturedAt = performance.now(); lastSent = capturedAt;
  capture.toBlob(async (blob) => {
    const bytes = new Uint8Array(4 + blob.size);
    new DataView(bytes.buffer).setUint32(0, id);
    bytes.set(new Uint8Array(await blob.arrayBuffer()), 4);
    sentAt.set(id, capturedAt);
    if (running) ws.send(bytes);
  }, "image/jpeg", 0.75);
}

function draw(msg) {
  const ctx = overlay.getContext("2d"), k = overlay.width / msg.width;
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  for (const face of msg.faces) {
    const { x1, y1, x2, y2 } = face.bbox, color = colorOf(face.label);
    const [x, y, w, h] = [x1 * k, y1 * k, (x2 - x1) * k, (y2 - y1) * k];
    ctx.lineWidth = 3; ctx.strokeStyle = color; ctx.strokeRect(x, y, w, h);
    const who = face.person ? `${face.person}: ` : "";
    const label = `${who}${face.label} ${Math.round(face.confidence * 100)}%`;
    ctx.font = "bold 18px system-ui"; const tw = ctx.measureText(label).width, top = Math.max(0, y - 26);
    ctx.fillStyle = color; ctx.fillRect(x, top, tw + 36, 24);
    drawEmotionIcon(ctx, face.label, x + 4, top + 2, 20);
    ctx.fillStyle = "#000"; ctx.fillText(label, x + 30, top + 18);
    ctx.fillStyle = "rgba(0,0,0,.55)"; ctx.fillRect(x, y + h + 4, w, 8);
    ctx.fillStyle = color; ctx.fillRect(x, y + h + 4, w * face.confidence, 8);
    stats.boxesDrawn++;
  }
  const capturedAt = sentAt.get(msg.frame_id); sentAt.delete(msg.frame_id);
  if (capturedAt !== undefined) stats.latenciesMs.push(performance.now() - capturedAt);
  stats.serverMs.push(msg.server_ms); stats.frames++;
  stats.fps = stats.frames / ((performance.now() - stats.startedAt) / 1000);
}

function showStats(msg) {
  bars($("dist"), msg.counts, true);
  $("score").textContent = msg.confidence_score ?? "–";
  const recent = stats.latenciesMs.slice(-30), mean = recent.reduce((a, b) => a + b, 0) / (recent.length || 1);
  $("perf").textContent = `${stats.fps.toFixed(1)} FPS · ${mean.toFixed(0)} ms capture→overlay · ${msg.faces.length} face(s)`;
}

function stop() {
  $("stop").disabled = true;
  running = false;
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "stop" }));
  status("Stopping…");
}

function teardown() {
  running = false;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  $("start").disabled = false; $("stop").disabled = true;
}

function showSummary(s) {
  if (!s.session.observation_count) { status("No face was seen, so nothing was stored."); return; }
  const box = $("summary"); box.hidden = false;
  const tips = el("ul", {}, ...s.advice.tips.map((t) => el("li", {}, t)));
  const chart = el("div");
  bars(chart, s.counts);
  box.replaceChildren(
    el("h2", {}, `Session summary · ${s.session.scenario}`),
    el("p", { "data-testid": "summary-line" }, `${s.session.observation_count} observations · dominant: ${s.dominant ?? "none"} · final confidence score: ${s.confidence_score ?? "–"}/100`),
    chart, tips,
    el("p", {}, el("a", { href: `/advice?session=${s.session.id}` }, "Advice for this session"), " · ",
      el("a", { href: `/analytics?session_id=${s.session.id}` }, "Analytics")),
  );
  status("Session saved.");
}

$("start").addEventListener("click", start);
$("stop").addEventListener("click", stop);
bars($("dist"), Object.fromEntries(EMOTIONS.map((e) => [e, 0])), true);
