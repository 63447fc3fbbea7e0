// SLA report charts. The numbers come from a json_script block (never inline code); no block, no charts.
(function () {
  function chart(id, option) {
    const holder = document.getElementById(id);
    if (!holder) return;
    const c = echarts.init(holder);
    // Tooltips are drawn on the canvas: the HTML tooltip writes style="…" markup, which the CSP refuses.
    c.setOption(Object.assign({ tooltip: { renderMode: "richText" }, animation: false }, option));
    window.addEventListener("resize", () => c.resize());
  }
  function draw() {
    const source = document.getElementById("sla-chart-data");
    if (!source || typeof echarts === "undefined") return;
    const d = JSON.parse(source.textContent);
    chart("sla-chart-compliance", {
      legend: { bottom: 0 },
      grid: { left: 40, right: 10, top: 10, bottom: 50 },
      xAxis: { type: "category", data: d.compliance.labels },
      yAxis: { type: "value", max: 100 },
      series: d.compliance.series.map((s) => ({ name: s.name, type: "bar", data: s.data })),
    });
    chart("sla-chart-severity", {
      series: [{ type: "pie", radius: ["35%", "65%"], data: d.severity, label: { formatter: "{b}: {c}" } }],
    });
    chart("sla-chart-times", {
      legend: { bottom: 0, data: ["mean", "p90"] },
      grid: { left: 50, right: 10, top: 10, bottom: 50 },
      xAxis: { type: "category", data: d.times.labels },
      yAxis: { type: "value" },
      series: [
        { name: "mean", type: "bar", data: d.times.mean },
        { name: "p90", type: "bar", data: d.times.p90 },
      ],
    });
    chart("sla-chart-satisfaction", {
      grid: { left: 40, right: 10, top: 10, bottom: 30 },
      xAxis: { type: "category", data: ["1", "2", "3", "4", "5"] },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: d.satisfaction, itemStyle: { color: "#2e7d32" } }],
    });
  }
  if (document.readyState === "complete") draw(); else window.addEventListener("load", draw);
})();
