// Draws each management information chart from the figures the page embeds (the same numbers
// as the table beside it), in GOV.UK colours; without JavaScript the tables stand alone.
(function () {
  "use strict";
  var data = document.getElementById("chart-data");
  if (!data || typeof window.Chart !== "function") {
    return;
  }
  var colours = ["#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#28a197", "#912b88", "#505a5f"];
  var charts = JSON.parse(data.textContent);
  window.Chart.defaults.font.family = "\"GDS Transport\", arial, sans-serif";
  window.Chart.defaults.color = "#0b0c0c";
  window.Chart.defaults.animation = false;
  Object.keys(charts).forEach(function (key) {
    var canvas = document.getElementById(key + "-chart");
    var figure = charts[key];
    if (!canvas || !figure.labels.length) {
      return;
    }
    canvas.parentElement.hidden = false;
    var stacked = Boolean(figure.stacked);
    new window.Chart(canvas, {
      type: figure.type,
      data: {
        labels: figure.labels,
        datasets: figure.datasets.map(function (dataset, index) {
          return { label: dataset.label, data: dataset.data, backgroundColor: colours[index % colours.length] };
        })
      },
      options: {
        indexAxis: figure.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: true,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { stacked: stacked, beginAtZero: true },
          y: { stacked: stacked, beginAtZero: true }
        }
      }
    });
  });
}());
