// Draws every [data-chart] element with uPlot: {"labels": [...], "series": {name: [numbers]}}.
// Labels are category strings (hours or days), so X is the row index.
(function () {
  "use strict";
  var colors = { clicks: "#2463eb", conversions: "#17803d", revenue: "#b45309", cost: "#c02626" };
  function draw(el) {
    var data;
    try { data = JSON.parse(el.dataset.chart); } catch (e) { return; }
    if (!data || !data.labels || !data.labels.length) return;
    var names = Object.keys(data.series || {});
    var xs = data.labels.map(function (_, i) { return i; });
    var series = [{ label: "", value: function (u, v) { return v == null ? "" : data.labels[v]; } }];
    names.forEach(function (n) {
      series.push({ label: el.dataset["label" + n.charAt(0).toUpperCase() + n.slice(1)] || n,
        stroke: colors[n] || "#888", width: 2, scale: (n === "revenue" || n === "cost") ? "money" : "count" });
    });
    var opts = {
      width: el.clientWidth - 16, height: 240, series: series,
      scales: { x: { time: false } },
      axes: [
        { values: function (u, vals) { return vals.map(function (v) { return data.labels[v] || ""; }); }, stroke: getComputedStyle(el).color },
        { scale: "count", stroke: getComputedStyle(el).color },
        { scale: "money", side: 1, stroke: getComputedStyle(el).color, grid: { show: false } }
      ]
    };
    el.textContent = "";
    new uPlot(opts, [xs].concat(names.map(function (n) { return data.series[n]; })), el);
  }
  function drawAll() { document.querySelectorAll("[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
