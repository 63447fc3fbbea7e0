// Work-order dashboard chart. Data comes from a json_script block (never inline HTML); no data, no chart.
// Drawn wherever the dashboard appears: its own page, or the home page's panel loaded later by htmx (issue 18).
(function () {
  function draw() {
    const holder = document.getElementById("wo-chart-states");
    const source = document.getElementById("wo-chart-data");
    if (!holder || !source || typeof echarts === "undefined") return;
    if (holder.dataset.drawn === "1" && echarts.getInstanceByDom(holder)) return;
    const old = echarts.getInstanceByDom(holder);
    if (old) old.dispose();
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(holder);
    holder.dataset.drawn = "1";
    chart.setOption({
      grid: { left: 40, right: 10, top: 10, bottom: 60 },
      // Drawn on the canvas: the HTML tooltip writes style="…" markup, which the Content-Security-Policy refuses.
      tooltip: { renderMode: "richText" },
      xAxis: { type: "category", data: data.states.labels, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.states.values, itemStyle: { color: "#1565c0" } }],
    });
    window.addEventListener("resize", () => chart.resize());
  }
  if (document.readyState === "complete") draw(); else window.addEventListener("load", draw);
  // New content from htmx (the home page's panel, the fragment swapped after marking alerts read): a new container
  // has no chart yet, whatever element the swap targeted.
  document.addEventListener("htmx:afterSettle", draw);
})();
