// The dashboard's only script of its own: a filter change reloads the page with the filters in the URL, and the
// charts (Vega-Lite specs in the page) are drawn by vega-embed, served by the dashboard itself.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (!el.form || el.form.id !== "f") return;
  for (const name of (el.dataset.reset || "").split(",").filter(Boolean)) {
    for (const other of document.querySelectorAll(`[form="f"][name="${name}"]`)) other.disabled = true;
  }
  // empty filters stay out of the URL
  for (const other of document.querySelectorAll('[form="f"]')) {
    if (other.value === "" && other.tagName === "SELECT") other.disabled = true;
  }
  el.form.submit();
});

async function drawCharts() {
  const jobs = [];
  for (const script of document.querySelectorAll("script[data-chart]")) {
    const spec = JSON.parse(script.textContent);
    jobs.push(
      vegaEmbed("#" + script.dataset.chart, spec, {
        actions: false,
        renderer: "canvas",
        loader: { target: "_self" },
      }),
    );
  }
  const images = [...document.images].map((img) => (img.complete ? Promise.resolve() : img.decode().catch(() => {})));
  await Promise.all([...jobs, ...images]);
  document.documentElement.dataset.ready = "1";
  // slow frames (the GX Data Docs page is built on demand) load after the page has loaded: set before the
  // window's load event, they would hold it
  const frames = () => {
    for (const frame of document.querySelectorAll("iframe[data-src]")) frame.src = frame.dataset.src;
  };
  if (document.readyState === "complete") frames();
  else window.addEventListener("load", frames);
}

drawCharts().catch((error) => {
  document.documentElement.dataset.ready = "error";
  const box = document.createElement("div");
  box.className = "note error";
  box.dataset.testid = "chart-error";
  box.textContent = "图表无法绘制：" + error;
  document.querySelector("main").prepend(box);
});
