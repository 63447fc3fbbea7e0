// Satisfaction trend on the customer service archive. Data comes from a json_script block; no data, no chart.
(function () {
  function draw() {
    const holder = document.getElementById("fb-trend");
    const source = document.getElementById("fb-trend-data");
    if (!holder || !source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(holder);
    chart.setOption({
      grid: { left: 36, right: 12, top: 12, bottom: 28 },
      tooltip: { trigger: "axis", renderMode: "richText" },  // richText: no HTML tooltip (CSP)
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", min: 1, max: 5, interval: 1 },
      series: [{ type: "line", data: data.values, smooth: false, symbolSize: 8, itemStyle: { color: "#2e7d32" } }],
    });
    holder.dataset.drawn = "true";
    window.addEventListener("resize", () => chart.resize());
  }
  if (document.readyState === "complete") draw(); else window.addEventListener("load", draw);
})();
