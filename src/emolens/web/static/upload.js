// Upload page: several images or one video -> annotated results, stored as a session.
"use strict";
const form = document.getElementById("upload-form"), statusEl = document.getElementById("status");

// One result's caption: its error, or each face as its emotion icon, name and confidence.
function caption(r) {
  if (r.error) return el("figcaption", { class: "error" }, `${r.name}: ${r.error}`);
  const faces = r.faces.flatMap((f, i) => [i ? ", " : "", emotionLabel(f.label), ` ${Math.round(f.confidence * 100)}%`]);
  return el("figcaption", {}, `${r.name}: `, ...(faces.length ? faces : ["no face"]));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  statusEl.textContent = "Analysing…"; statusEl.classList.remove("error");
  try {
    const out = await api("POST", "/api/uploads", new FormData(form));
    const faces = out.results.reduce((n, r) => n + r.faces.length, 0);
    const failed = out.results.filter((r) => r.error).length;
    const summary = `${out.results.length - failed} of ${out.results.length} item(s) analysed, ${faces} face(s)` +
      (failed ? `; ${failed} could not be read (see below)` : "");
    statusEl.classList.toggle("error", failed > 0);
    statusEl.replaceChildren(summary, ...(out.session ? [" · ",
      el("a", { href: `/advice?session=${out.session.id}` }, "advice"), " · ",
      el("a", { href: `/analytics?session_id=${out.session.id}` }, "analytics")] : [" · nothing was stored"]));
    document.getElementById("results").replaceChildren(...out.results.filter((r) => r.annotated || r.error).map((r) => el("figure", {},
      r.annotated ? el("img", { src: r.annotated, alt: r.name }) : "",
      caption(r))));
  } catch (err) {
    statusEl.textContent = err.message; statusEl.classList.add("error");
  }
});
