// Shared by every page: CSRF-aware fetch, dark mode, emotion colours and small SVG charts (no libraries).
"use strict";
const EMOTIONS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"];
const COLORS = { angry: "#dc2828", disgust: "#3c8c3c", fear: "#a03ca0", happy: "#f5c518", neutral: "#9ca3af", sad: "#2878c8", surprise: "#fa9f28" };
const colorOf = (e) => COLORS[e] || "#64748b";

// The seven emotion icons, drawn here (Debian's default fonts have no glyph for some emoji, 🤢 among them):
// a face in the emotion's colour, eyes, and strokes for brows and mouth, in a 24 x 24 box. One table
// serves the pages (SVG) and the live overlay (canvas, through Path2D).
const EYES = "M7 10a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0 -3 0M14 10a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0 -3 0";
const ICON_STROKES = {
  angry: "M6 6.5L10 8.5M18 6.5L14 8.5M8 17.5Q12 14 16 17.5",
  disgust: "M6 7.5L10 7.5M14 6L18 7.5M7 16Q9.5 13.5 12 16T17 16",
  fear: "M6 7Q8 4.5 10 6.5M14 6.5Q16 4.5 18 7M9.5 17a2.5 2 0 1 0 5 0a2.5 2 0 1 0 -5 0",
  happy: "M7 14Q12 19.5 17 14",
  neutral: "M8 16L16 16",
  sad: "M6.5 7.5L10 6.5M17.5 7.5L14 6.5M7.5 17.5Q12 13 16.5 17.5",
  surprise: "M6.5 6Q8.5 4 10.5 6M13.5 6Q15.5 4 17.5 6M10 16.5a2 2.5 0 1 0 4 0a2 2.5 0 1 0 -4 0",
};

function emotionIcon(emotion, size = 18) {
  const root = svg("svg", { viewBox: "0 0 24 24", width: size, height: size, class: "emotion-icon", role: "img", "aria-label": emotion });
  root.append(svg("circle", { cx: 12, cy: 12, r: 11, fill: colorOf(emotion), stroke: "#1f2937", "stroke-width": 1 }));
  root.append(svg("path", { d: EYES, fill: "#1f2937" }));
  root.append(svg("path", { d: ICON_STROKES[emotion] || ICON_STROKES.neutral, fill: "none", stroke: "#1f2937", "stroke-width": 1.6, "stroke-linecap": "round" }));
  return root;
}

function drawEmotionIcon(ctx, emotion, x, y, size) {
  ctx.save(); ctx.translate(x, y); ctx.scale(size / 24, size / 24);
  ctx.beginPath(); ctx.arc(12, 12, 11, 0, 2 * Math.PI); ctx.fillStyle = colorOf(emotion); ctx.fill();
  ctx.lineWidth = 1; ctx.strokeStyle = "#1f2937"; ctx.stroke();
  ctx.fillStyle = "#1f2937"; ctx.fill(new Path2D(EYES));
  ctx.lineWidth = 1.6; ctx.lineCap = "round"; ctx.stroke(new Path2D(ICON_STROKES[emotion] || ICON_STROKES.neutral));
  ctx.restore();
}

// An emotion as its icon and its name, for any place on a page that names one.
function emotionLabel(emotion) { return el("span", { class: "emotion", "data-emotion": emotion }, emotionIcon(emotion), ` ${emotion}`); }

function csrfToken() { return document.querySelector('meta[name="csrf-token"]').content; }

async function api(method, url, body) {
  const options = { method, headers: { "X-CSRF-Token": csrfToken() } };
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) { options.body = JSON.stringify(body); options.headers["Content-Type"] = "application/json"; }
  const response = await fetch(url, options);
  if (!response.ok) {
    const detail = await response.json().catch(() => ({}));
    const error = new Error(typeof detail.detail === "string" ? detail.detail : `${response.status} ${response.statusText}`);
    throw Object.assign(error, { status: response.status, body: detail });
  }
  return response.status === 204 ? null : response.json();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function bars(target, counts, asShare = false) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0) || 1;
  const max = asShare ? total : Math.max(1, ...Object.values(counts));
  target.replaceChildren(el("div", { class: "bars" }, ...Object.entries(counts).map(([e, n]) => {
    const fill = el("div", { class: "fill", style: `width:${(100 * n / max).toFixed(1)}%;background:${colorOf(e)}` });
    const value = asShare ? `${Math.round(100 * n / total)}%` : String(n);
    return el("div", { class: "b", "data-emotion": e }, emotionLabel(e), el("div", { class: "track" }, fill), value);
  })));
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) { const n = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); return n; }

function donut(target, counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const root = svg("svg", { viewBox: "0 0 220 120", width: "100%" });
  let angle = -Math.PI / 2;
  for (const [e, n] of Object.entries(counts)) {
    if (!n) continue;
    const step = 2 * Math.PI * n / total, large = step > Math.PI ? 1 : 0;
    const p = (a, r) => `${60 + r * Math.cos(a)} ${60 + r * Math.sin(a)}`;
    const d = step >= 2 * Math.PI - 1e-6
      ? `M ${p(0, 50)} A 50 50 0 1 1 ${p(Math.PI, 50)} A 50 50 0 1 1 ${p(0, 50)}`
      : `M ${p(angle, 50)} A 50 50 0 ${large} 1 ${p(angle + step, 50)} L 60 60 Z`;
    root.append(svg("path", { d, fill: colorOf(e) }));
    angle += step;
  }
  root.append(svg("circle", { cx: 60, cy: 60, r: 28, fill: "var(--panel)" }));
  Object.entries(counts).filter(([, n]) => n).forEach(([e, n], i) => {
    root.append(svg("rect", { x: 125, y: 8 + i * 15, width: 10, height: 10, fill: colorOf(e) }));
    const t = svg("text", { x: 140, y: 17 + i * 15 }); t.textContent = `${e} ${Math.round(100 * n / total)}%`; root.append(t);
  });
  target.replaceChildren(total ? root : "No observations.");
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

document.getElementById("theme").addEventListener("click", () => {
  const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  localStorage.setItem("emolens-theme", next);
});
