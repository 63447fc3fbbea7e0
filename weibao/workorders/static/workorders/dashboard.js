// Work-order dashboard chart. Data comes from a json_script block (never inline HTML); no data, no chart.
(function () {
  function draw() {
    const holder = document.getElementById("wo-chart-states");
    const source = document.getElementById("wo-chart-data");
    if (!holder || !source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(holder);
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
  // The dashboard fragment is swapped by htmx (e.g. after marking alerts read): draw into the new container.
  document.addEventListener("htmx:afterSwap", (e) => { if (e.target.id === "wo-dashboard" || e.detail.target?.id === "wo-dashboard") draw(); });
})();
