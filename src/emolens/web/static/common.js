// Shared by every page: CSRF-aware fetch, dark mode, emotion colours and small SVG charts (no libraries).
"use strict";
const EMOTIONS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"];
const COLORS = { angry: "#dc2828", disgust: "#3c8c3c", fear: "#a03ca0", happy: "#f5c518", neutral: "#9ca3af", sad: "#2878c8", surprise: "#fa9f28" };
const EMOJI = { angry: "😠", disgust: "🤢", fear: "😨", happy: "😄", neutral: "😐", sad: "😢", surprise: "😲" };
const colorOf = (e) => COLORS[e] || "#64748b";

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
    return el("div", { class: "b", "data-emotion": e }, `${EMOJI[e] || ""} ${e}`, el("div", { class: "track" }, fill), value);
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

function lineChart(target, buckets) {
  if (!buckets.length) { target.replaceChildren("No observations."); return; }
  const w = 800, h = 180, pad = 24, max = Math.max(1, ...buckets.flatMap((b) => Object.values(b.counts)));
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%" });
  const x = (i) => pad + (w - 2 * pad) * (buckets.length === 1 ? 0.5 : i / (buckets.length - 1));
  const y = (n) => h - pad - (h - 2 * pad) * n / max;
  for (const e of Object.keys(buckets[0].counts)) {
    if (!buckets.some((b) => b.counts[e])) continue;
    const points = buckets.map((b, i) => `${x(i)},${y(b.counts[e] || 0)}`).join(" ");
    root.append(svg("polyline", { points, fill: "none", stroke: colorOf(e), "stroke-width": 2, "data-emotion": e }));
  }
  const first = svg("text", { x: pad, y: h - 4 }); first.textContent = new Date(buckets[0].start).toLocaleTimeString();
  const last = svg("text", { x: w - pad, y: h - 4, "text-anchor": "end" }); last.textContent = new Date(buckets.at(-1).start).toLocaleTimeString();
  root.append(first, last);
  target.replaceChildren(root);
}

document.getElementById("theme").addEventListener("click", () => {
  const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  localStorage.setItem("emolens-theme", next);
});
