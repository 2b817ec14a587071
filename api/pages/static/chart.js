// The unit chart: the highest and lowest reading of each period (uPlot), the unit's allowed
// range as a green band, excursions shaded red, door (orange) and power (black) events as
// lines on short ranges and as bars counting them per period on long ones. Without
// JavaScript the tables below it show the same figures. htmx re-fetches the chart's
// fragment every minute (#unit-chart); each new fragment is drawn again here.
(function () {
  "use strict";
  var plot = null;

  function draw() {
    if (plot) { plot.destroy(); plot = null; }
    var holder = document.getElementById("chart");
    var source = document.getElementById("chart-data");
    if (!holder || !source || typeof uPlot === "undefined") return;
    var d = JSON.parse(source.textContent);
    if (!d.x.length) return;
    function shade(u) {
      var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height, left = u.bbox.left, width = u.bbox.width;
      ctx.save();
      ctx.fillStyle = "rgba(11,107,43,0.18)";
      var yHigh = u.valToPos(d.high, "y", true), yLow = u.valToPos(d.low, "y", true);
      ctx.fillRect(left, yHigh, width, yLow - yHigh);
      ctx.fillStyle = "rgba(176,0,32,0.22)";
      d.excursions.forEach(function (e) {
        var x0 = u.valToPos(e[0], "x", true), x1 = u.valToPos(e[1], "x", true);
        ctx.fillRect(x0, top, Math.max(x1 - x0, 2), height);
      });
      (d.events || []).forEach(function (e) {
        var x = u.valToPos(e[0], "x", true);
        ctx.strokeStyle = e[1].indexOf("door") === 0 ? "#c25e00" : "#111";
        ctx.lineWidth = 2;
        ctx.setLineDash(e[1] === "door_closed" || e[1] === "power_back" ? [2, 3] : []);
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
      });
      ctx.setLineDash([]);
      // Long ranges: per period, door openings as a bar down from the top, power cuts up
      // from the bottom, their height by count (the busiest period the tallest).
      var counts = d.counts || [];
      var most = counts.reduce(function (m, c) { return Math.max(m, c[1], c[2]); }, 1);
      var dpr = window.devicePixelRatio || 1, tallest = 36 * dpr;
      counts.forEach(function (c) {
        var x0 = u.valToPos(c[0], "x", true), x1 = u.valToPos(c[0] + d.every, "x", true);
        var w = Math.max(x1 - x0 - dpr, 4 * dpr);
        ctx.font = "bold " + 11 * dpr + "px sans-serif";
        ctx.textBaseline = "middle";
        if (c[1]) {
          var hd = 6 * dpr + (tallest - 6 * dpr) * c[1] / most;
          ctx.fillStyle = "#c25e00";
          ctx.fillRect(x0, top, w, hd);
          if (c[1] > 1) ctx.fillText(String(c[1]), x0 + w + 2 * dpr, top + hd - 5 * dpr);
        }
        if (c[2]) {
          var hp = 6 * dpr + (tallest - 6 * dpr) * c[2] / most;
          ctx.fillStyle = "#111";
          ctx.fillRect(x0, top + height - hp, w, hp);
          if (c[2] > 1) ctx.fillText(String(c[2]), x0 + w + 2 * dpr, top + height - hp + 5 * dpr);
        }
      });
      ctx.restore();
    }
    var lo = Math.min(d.low, Math.min.apply(null, d.min)) - 1;
    var hi = Math.max(d.high, Math.max.apply(null, d.max)) + 1;
    var lang = d.language === "zh_Hans" ? "zh-Hans-CN" : "en-GB";
    var zone = d.zone || "UTC";
    var longRange = d.end - d.start > 2 * 86400;
    // English days by the month's name (24 Feb, never 24/02 nor 2/24); Chinese as 2/24
    var stamp = new Intl.DateTimeFormat(lang, longRange
      ? { timeZone: zone, month: lang === "en-GB" ? "short" : "numeric", day: "numeric" }
      : { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    // Points: all of them on a sparse chart; on a dense one only the periods between two
    // gaps, which no line would show.
    var points = {
      show: true,
      filter: function (u, si) {
        var ys = u.data[si], kept = [], known = 0;
        for (var i = 0; i < ys.length; i++) {
          if (ys[i] == null) continue;
          known++;
          if ((i === 0 || ys[i - 1] == null) && (i === ys.length - 1 || ys[i + 1] == null)) kept.push(i);
        }
        return known <= 60 ? null : kept;
      }
    };
    var opts = {
      width: holder.clientWidth || 340,
      height: 260,
      scales: { x: { time: true, range: [d.start, d.end] }, y: { range: [lo, hi] } },
      series: [
        {},
        { label: holder.dataset.maxLabel || "max", stroke: "#b00020", width: 2, points: points },
        { label: holder.dataset.minLabel || "min", stroke: "#0645ad", width: 2, points: points }
      ],
      // a day named once: ticks every 12 hours on a wide 7-day chart would read 24 Feb, 24 Feb
      axes: [{ values: function (u, vals) { var last = null; return vals.map(function (v) { var text = stamp.format(new Date(v * 1000)); if (text === last) return ""; last = text; return text; }); } }, { values: function (u, vals) { return vals.map(function (v) { return v + "°"; }); } }],
      legend: { show: false },
      hooks: { drawClear: [shade] }
    };
    // A period without readings breaks the lines (uPlot leaves a gap at null): a gap in the
    // record must not read as a steady temperature.
    var xs = [], highs = [], lows = [];
    d.x.forEach(function (x, i) {
      if (i && x - d.x[i - 1] > d.every) { xs.push(d.x[i - 1] + d.every); highs.push(null); lows.push(null); }
      xs.push(x); highs.push(d.max[i]); lows.push(d.min[i]);
    });
    plot = new uPlot(opts, [xs, highs, lows], holder);
  }

  draw();
  window.addEventListener("resize", function () {
    var holder = document.getElementById("chart");
    if (plot && holder) plot.setSize({ width: holder.clientWidth || 340, height: 260 });
  });
  // A refreshed fragment: keep the tables open that were open, then draw the new chart.
  var opened = [];
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.target.id !== "unit-chart") return;
    opened = Array.prototype.map.call(event.target.querySelectorAll("details"), function (el) { return el.open; });
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "unit-chart") return;
    event.target.querySelectorAll("details").forEach(function (el, i) { if (opened[i]) el.open = true; });
    draw();
  });
})();
