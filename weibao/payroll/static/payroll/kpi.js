// KPI dashboard charts (ECharts, vendored). Data from a json_script block; labels from data-* attributes.
(function () {
  function draw() {
    const source = document.getElementById("pay-kpi-data");
    if (!source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const trendBox = document.getElementById("pay-kpi-trend");
    const charts = [];
    if (trendBox) {
      const l = trendBox.dataset;
      const chart = echarts.init(trendBox);
      chart.setOption({
        tooltip: { trigger: "axis", renderMode: "richText" },  // canvas tooltip: no style="" markup under the CSP
        legend: { top: 0 },
        grid: { left: 40, right: 40, top: 30, bottom: 30 },
        xAxis: { type: "category", data: data.trend.months },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100 }],
        series: [
          { name: l.labelServices, type: "bar", data: data.trend.services, itemStyle: { color: "#1565c0" } },
          { name: l.labelComplaints, type: "bar", data: data.trend.complaints, itemStyle: { color: "#c62828" } },
          { name: l.labelFtf, type: "line", yAxisIndex: 1, data: data.trend.ftf, connectNulls: true },
          { name: l.labelSla, type: "line", yAxisIndex: 1, data: data.trend.sla, connectNulls: true },
        ],
      });
      charts.push(chart);
    }
    const branchBox = document.getElementById("pay-kpi-branches");
    if (branchBox && data.branches.labels.length) {
      const chart = echarts.init(branchBox);
      chart.setOption({
        tooltip: { renderMode: "richText" },
        grid: { left: 40, right: 10, top: 10, bottom: 40 },
        xAxis: { type: "category", data: data.branches.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: branchBox.dataset.labelServices, type: "bar", data: data.branches.services }],
      });
      charts.push(chart);
    }
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }
  if (document.readyState === "complete") draw(); else window.addEventListener("load", draw);
  // The board is swapped in by htmx once its figures have been computed (core/partials/_snapshot_poll.html).
  document.addEventListener("htmx:afterSettle", (e) => { if (e.target.id === "snapshot-body") draw(); });
})();
