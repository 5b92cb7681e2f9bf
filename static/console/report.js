// The report page's charts (Chart.js), drawn from the report embedded in the page as JSON.
(function () {
  "use strict";
  var report = JSON.parse(document.getElementById("report-data").textContent);
  var L = JSON.parse(document.getElementById("report-labels").textContent);
  var RED = "#e8452c", BLUE = "#2c7be8", GREY = "#9aa5b1";
  Chart.defaults.animation = false;

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }

  var funnelKeys = ["page_views", "players", "plays", "wins", "redeemed"];
  chart("chart-funnel", {
    type: "bar",
    data: {
      labels: funnelKeys.map(function (k) { return L[k]; }),
      datasets: [{ data: funnelKeys.map(function (k) { return report.funnel[k]; }), backgroundColor: RED }]
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } } }
  });

  chart("chart-rates", {
    type: "bar",
    data: {
      labels: report.prizes.map(function (p) { return p.name; }),
      datasets: [
        { label: L.configured, data: report.prizes.map(function (p) { return p.probability; }), backgroundColor: GREY },
        { label: L.observed, data: report.prizes.map(function (p) { return p.observed_rate || 0; }), backgroundColor: RED }
      ]
    }
  });

  function playsAndPlayers(id, rows, label) {
    chart(id, {
      type: "bar",
      data: {
        labels: rows.map(label),
        datasets: [
          { label: L.plays, data: rows.map(function (r) { return r.plays; }), backgroundColor: RED },
          { label: L.players, data: rows.map(function (r) { return r.players; }), backgroundColor: BLUE }
        ]
      },
      options: { scales: { y: { beginAtZero: true } } }
    });
  }
  playsAndPlayers("chart-days", report.by_day, function (d) { return d.day + (d.weekend ? " *" : ""); });
  playsAndPlayers("chart-hours", report.by_hour, function (h) { return h.hour + ":00"; });

  var week = report.weekday_weekend;
  playsAndPlayers("chart-week", [week.weekday, week.weekend], function (_r, i) { return i ? L.weekend : L.weekday; });
})();
