// mandategraph charts: legend toggles, jurisdiction filter, sortable heat table.
(function () {
  "use strict";
  document.querySelectorAll(".mg-chart").forEach(function (fig) {
    fig.querySelectorAll(".mg-leg").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var on = btn.getAttribute("aria-pressed") !== "true";
        btn.setAttribute("aria-pressed", on ? "true" : "false");
        var name = btn.getAttribute("data-series");
        fig.querySelectorAll("rect.bar").forEach(function (r) {
          if (r.getAttribute("data-series") === name) r.style.display = on ? "" : "none";
        });
      });
    });
    var table = fig.querySelector("table.mg-heat");
    if (!table) return;
    var select = fig.querySelector("select");
    select.addEventListener("change", function () {
      var j = select.value;
      table.querySelectorAll("[data-j]").forEach(function (cell) {
        cell.style.display = !j || cell.getAttribute("data-j") === j ? "" : "none";
      });
    });
    table.querySelectorAll("thead th").forEach(function (th) {
      th.addEventListener("click", function () {
        var col = Number(th.getAttribute("data-col"));
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var desc = th.getAttribute("data-desc") !== "true";
        th.setAttribute("data-desc", desc ? "true" : "false");
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
          var cmp = col === 0 ? x.localeCompare(y, "zh") : Number(x) - Number(y);
          return desc ? -cmp : cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  window.mandategraphCharts = {ready: true};
})();
