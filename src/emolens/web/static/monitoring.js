// Monitoring page: each feature of the live window against its reference band, the prediction mix over time,
// and the stored drift events; SVG drawn as on the analytics page (common.js, no libraries).
"use strict";
const LEVEL_COLORS = { ok: "#16a34a", warn: "#d97706", drift: "#dc2626" };
const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

function bandChart(feature) {
  const w = 280, h = 120, pad = 18, points = feature.recent, band = feature.band;
  const values = [band.low, band.high, ...points.map((p) => p.median)];
  const lo = Math.min(...values), hi = Math.max(...values), span = hi - lo || 1;
  const y = (v) => h - pad - (h - 2 * pad) * (v - lo) / span;
  const x = (i) => pad + (w - 2 * pad) * (points.length <= 1 ? 0.5 : i / (points.length - 1));
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", "data-feature": feature.feature });
  root.append(svg("rect", { x: pad, y: y(band.high), width: w - 2 * pad, height: Math.max(1, y(band.low) - y(band.high)), fill: "#64748b", opacity: 0.18 }));
  root.append(svg("line", { x1: pad, x2: w - pad, y1: y(band.median), y2: y(band.median), stroke: "#64748b", "stroke-dasharray": "4 3" }));
  const color = LEVEL_COLORS[feature.level] || "#4f46e5";
  if (points.length) {
    root.append(svg("polyline", { points: points.map((p, i) => `${x(i)},${y(p.median)}`).join(" "), fill: "none", stroke: color, "stroke-width": 2 }));
    points.forEach((p, i) => root.append(svg("circle", { cx: x(i), cy: y(p.median), r: 2.5, fill: color })));
  }
  const top = svg("text", { x: 2, y: 11 }); top.textContent = fmt(hi);
  const bottom = svg("text", { x: 2, y: h - 4 }); bottom.textContent = fmt(lo);
  root.append(top, bottom);
  return root;
}

function featureCard(feature) {
  const level = feature.level ?? "not checked yet";
  const effect = feature.effect === null ? "" : ` · effect ${feature.effect.toFixed(3)}`;
  return el("figure", { class: "panel", "data-testid": `feature-${feature.feature}` },
    el("h2", {}, feature.feature, " ", el("small", { class: "muted", "data-level": level }, `${level}${effect}`)),
    bandChart(feature),
    el("figcaption", { class: "muted" }, `reference 5–95%: ${fmt(feature.band.low)} – ${fmt(feature.band.high)}`));
}

function eventRow(e) {
  const tests = e.features.map((f) => `${f.feature} ${f.level} (${f.effect_name} ${f.effect.toFixed(3)} / ${f.threshold})`).join("; ");
  const session = e.session_id ? el("a", { href: `/analytics?session_id=${e.session_id}` }, e.session_id.slice(0, 8)) : "–";
  return el("tr", { "data-verdict": e.verdict },
    el("td", {}, new Date(e.at).toLocaleString()), el("td", {}, e.source), el("td", {}, session),
    el("td", { class: e.verdict === "drift" ? "error" : "" }, e.verdict), el("td", {}, tests), el("td", {}, String(e.details.faces ?? "")));
}

// The window's time slices as timeline buckets: each slice's shares, ending where the next one starts.
function mixBuckets(slices) {
  return slices.map((slice, i) => {
    const total = Object.values(slice.counts).reduce((a, b) => a + b, 0);
    const shares = Object.fromEntries(Object.entries(slice.counts).map(([e, n]) => [e, total ? n / total : 0]));
    return { start: slice.start, end: (slices[i + 1] || slice).start, total, counts: slice.counts, shares };
  });
}

async function refresh() {
  const state = await api("GET", "/api/monitoring");
  document.getElementById("verdict").textContent = state.enabled ? `· verdict: ${state.verdict}` : "· off on this server";
  document.getElementById("window").textContent = state.enabled
    ? `${state.faces} of ${state.window} faces in the window; tested every ${state.check_every} new faces${state.checked ? "" : " (no check yet)"}.`
    : "Drift monitoring is off (EMOLENS_DRIFT_MONITORING=false).";
  document.getElementById("features").replaceChildren(...state.features.map(featureCard));
  shareTimeline(document.getElementById("mix"), mixBuckets(state.prediction_mix), 1);
  document.getElementById("mix-level").textContent = state.mix_level ? `· ${state.mix_level}` : "";
  const reference = Object.fromEntries(Object.entries(state.reference_mix).map(([k, v]) => [k, Math.round(1000 * v)]));
  bars(document.getElementById("reference-mix"), reference, true);
  const events = await api("GET", "/api/monitoring/events?limit=200");
  document.getElementById("events").replaceChildren(...(events.length ? events.map(eventRow)
    : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No drift event stored."))]));
}

refresh().catch((err) => { document.getElementById("window").textContent = err.message; });
setInterval(() => refresh().catch(() => {}), 5000);
