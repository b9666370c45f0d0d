/* OpenKAM — draws the charts of the analysis pages with Plotly (served from our static files).
 *
 * A chart is an element <div data-chart="KIND" data-chart-data="ID">, where ID is the id of
 * a <script type="application/json"> written by Django's json_script filter. Every text the
 * chart shows (axis titles, labels) comes translated in that JSON; numbers are formatted
 * with the page's locale through Plotly's `separators`. Charts resize with their container.
 */
(function () {
  "use strict";

  var FONT = {
    family: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
    size: 12,
    color: "#1b2430",
  };
  var PRIMARY = "#1f5fbf";
  var MUTED = "#5f6b7a";
  var GRID = "#e6eaf0";
  var DANGER = "#b42335";
  var QUADRANT_COLORS = {
    carriage_trade: "#1f5fbf",
    passive: "#1c7c4d",
    aggressive: "#c2410c",
    bargain_basement: "#7c3aed",
    "": "#6b7280",
  };
  // Selection-matrix quadrants, the same hues as the tier badges.
  var TIER_COLORS = {
    strategic: "#1f5fbf",
    star: "#1c7c4d",
    status: "#5b3aa5",
    streamline: "#6b7280",
  };
  var CONFIG = {
    responsive: true,
    displaylogo: false,
    displayModeBar: "hover",
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };

  /* Account names go into Plotly's pseudo-HTML labels: escape them. */
  function escapeText(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function axis(title, extra) {
    return Object.assign(
      {
        title: { text: title, font: { size: 12, color: MUTED } },
        gridcolor: GRID,
        zerolinecolor: GRID,
        linecolor: "#c4ccd8",
        tickfont: { color: MUTED },
        automargin: true,
      },
      extra || {}
    );
  }

  function layout(data, extra) {
    return Object.assign(
      {
        font: FONT,
        separators: data.separators || ".,",
        margin: { l: 56, r: 16, t: 16, b: 48 },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        hoverlabel: { font: { family: FONT.family, size: 12 } },
        showlegend: false,
      },
      extra
    );
  }

  function dashedLine(shape) {
    return Object.assign({ type: "line", line: { color: MUTED, width: 1, dash: "dash" } }, shape);
  }

  function pareto(element, data) {
    var xs = data.points.map(function (point) { return point[0]; });
    var ys = data.points.map(function (point) { return point[1]; });
    var crossing = data.points.find(function (point) { return point[1] >= data.threshold; });
    var shapes = [dashedLine({ xref: "paper", x0: 0, x1: 1, y0: data.threshold, y1: data.threshold })];
    if (crossing) {
      shapes.push(dashedLine({ x0: crossing[0], x1: crossing[0], yref: "paper", y0: 0, y1: 1 }));
    }
    var traces = [
      {
        x: [0, 1], y: [0, 1], mode: "lines", hoverinfo: "skip", name: data.labels.equal,
        line: { color: "#c4ccd8", width: 1, dash: "dot" },
      },
      {
        x: xs, y: ys, mode: "lines", name: data.labels.curve, fill: "tozeroy",
        fillcolor: "rgba(31, 95, 191, 0.08)", line: { color: PRIMARY, width: 2.5 },
        hovertemplate: data.labels.hover_x + ": %{x:.1%}<br>" + data.labels.hover_y + ": %{y:.1%}<extra></extra>",
      },
    ];
    Plotly.newPlot(element, traces, layout(data, {
      xaxis: axis(data.labels.x, { tickformat: ".0%", range: [0, 1.015] }),
      yaxis: axis(data.labels.y, { tickformat: ".0%", range: [0, 1.04] }),
      shapes: shapes,
      annotations: [{
        xref: "paper", x: 1, y: data.threshold, xanchor: "right", yanchor: "top", showarrow: false,
        text: data.labels.threshold, font: { size: 11, color: MUTED },
      }],
    }), CONFIG);
  }

  function whale(element, data) {
    var xs = data.points.map(function (point) { return point[0]; });
    var ys = data.points.map(function (point) { return point[1]; });
    var top = Math.max.apply(null, ys.concat([1]));
    var bottom = Math.min.apply(null, ys.concat([0]));
    var traces = [{
      x: xs, y: ys, mode: "lines", name: data.labels.curve, line: { color: PRIMARY, width: 2.5 },
      hovertemplate: data.labels.hover_x + ": %{x:.1%}<br>" + data.labels.hover_y + ": %{y:.1%}<extra></extra>",
    }];
    var annotations = [{
      xref: "paper", x: 0, y: 1, xanchor: "left", yanchor: "bottom", showarrow: false,
      text: data.labels.full, font: { size: 11, color: MUTED },
    }];
    if (data.peak) {
      traces.push({
        x: [data.peak[0]], y: [data.peak[1]], mode: "markers", hoverinfo: "skip",
        marker: { size: 10, color: DANGER, line: { color: "#fff", width: 2 } },
      });
      if (data.labels.peak) {
        annotations.push({
          // The label points away from the nearer edge, so it always stays inside the plot.
          x: data.peak[0], y: data.peak[1], ax: data.peak[0] > 0.45 ? -24 : 24, ay: -30,
          xanchor: data.peak[0] > 0.45 ? "right" : "left", text: escapeText(data.labels.peak),
          font: { size: 11, color: DANGER }, arrowcolor: DANGER, arrowwidth: 1, bgcolor: "rgba(255,255,255,0.85)",
        });
      }
    }
    var pad = (top - bottom) * 0.08;
    Plotly.newPlot(element, traces, layout(data, {
      xaxis: axis(data.labels.x, { tickformat: ".0%", range: [0, 1.015] }),
      yaxis: axis(data.labels.y, { tickformat: ".0%", range: [bottom - pad, top + pad * 2] }),
      shapes: [dashedLine({ xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1 })],
      annotations: annotations,
    }), CONFIG);
  }

  /* A range centred on the cut-off, so the cut-off lines cross in the middle of the matrix.
   * Indices are ratios: a log axis puts 0.5 and 2 at the same distance from 1. */
  function centredRange(values, cutoff, log) {
    var transform = log ? Math.log10 : function (value) { return value; };
    var centre = transform(cutoff);
    var reach = values.reduce(function (most, value) {
      return Math.max(most, Math.abs(transform(value) - centre));
    }, log ? Math.log10(1.5) : 0.5);
    return [centre - reach * 1.15, centre + reach * 1.15];
  }

  /* Ticks of a log axis: a doubling series (0.25, 0.5, 1, 2, 4…) when the range is wide;
   * Plotly's own ticks read well on a narrow range. */
  function logTicks(range) {
    if (range[1] - range[0] < Math.log10(4)) { return {}; }
    var values = [];
    for (var exponent = -10; exponent <= 10; exponent += 1) {
      var value = Math.pow(2, exponent);
      var position = Math.log10(value);
      if (position >= range[0] && position <= range[1]) { values.push(value); }
    }
    return { tickvals: values, tickformat: ".3~f" };
  }

  // Bubble charts (the Shapiro matrix, the selection matrix): one trace per quadrant, area ∝ revenue.
  function bubbleSizeref(groups) {
    var maxRevenue = 0;
    groups.forEach(function (group) {
      group.revenue.forEach(function (value) { maxRevenue = Math.max(maxRevenue, value); });
    });
    return maxRevenue > 0 ? (2 * maxRevenue) / (46 * 46) : 1;
  }

  function bubbleMarker(group, sizeref, color, line) {
    return {
      size: group.revenue.map(function (value) { return Math.max(value, 0); }),
      sizemode: "area", sizeref: sizeref, sizemin: 6, opacity: 0.78, color: color, line: line,
    };
  }

  function quadrantCorner(data, colors, key, x, y) {
    return {
      xref: "paper", yref: "paper", x: x, y: y, xanchor: x < 0.5 ? "left" : "right",
      yanchor: y < 0.5 ? "bottom" : "top", showarrow: false, text: "<b>" + escapeText(data.labels.quadrants[key]) + "</b>",
      font: { size: 13, color: colors[key] }, opacity: 0.75,
    };
  }

  function drawBubbles(element, data, traces, extra) {
    Plotly.newPlot(element, traces, layout(data, Object.assign({
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 12 } },
      margin: { l: 60, r: 16, t: 36, b: 52 },
      hovermode: "closest",
    }, extra)), CONFIG);
    // A click on a bubble opens its account (customdata[1] is the account's URL).
    element.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (point && point.customdata) {
        window.location.assign(point.customdata[1]);
      }
    });
  }

  function shapiro(element, data) {
    var allX = [], allY = [];
    data.groups.forEach(function (group) {
      allX = allX.concat(group.x);
      allY = allY.concat(group.y);
    });
    var log = allX.concat(allY).every(function (value) { return value > 0; })
      && data.cutoffs.cost > 0 && data.cutoffs.price > 0;
    var xRange = centredRange(allX, data.cutoffs.cost, log);
    var yRange = centredRange(allY, data.cutoffs.price, log);
    var sizeref = bubbleSizeref(data.groups);
    var traces = data.groups.map(function (group) {
      return {
        type: "scatter", mode: "markers", name: group.name, x: group.x, y: group.y,
        text: group.names.map(escapeText),
        customdata: group.codes.map(function (code, index) {
          return [escapeText(code), group.urls[index], group.revenue[index]];
        }),
        marker: bubbleMarker(group, sizeref, QUADRANT_COLORS[group.key] || QUADRANT_COLORS[""], { color: "#ffffff", width: 1 }),
        hovertemplate: "<b>%{text}</b> · %{customdata[0]}<br>" + data.labels.revenue + ": %{customdata[2]:,.0f}<br>"
          + data.labels.price + ": %{y:.2f}<br>" + data.labels.cost + ": %{x:.2f}<extra>%{fullData.name}</extra>",
      };
    });
    drawBubbles(element, data, traces, {
      xaxis: axis(data.labels.x, Object.assign({ type: log ? "log" : "linear", range: xRange }, log ? logTicks(xRange) : {})),
      yaxis: axis(data.labels.y, Object.assign({ type: log ? "log" : "linear", range: yRange }, log ? logTicks(yRange) : {})),
      shapes: [
        dashedLine({ xref: "x", x0: data.cutoffs.cost, x1: data.cutoffs.cost, yref: "paper", y0: 0, y1: 1 }),
        dashedLine({ xref: "paper", x0: 0, x1: 1, yref: "y", y0: data.cutoffs.price, y1: data.cutoffs.price }),
      ],
      annotations: [
        quadrantCorner(data, QUADRANT_COLORS, "passive", 0.01, 0.99),
        quadrantCorner(data, QUADRANT_COLORS, "carriage_trade", 0.99, 0.99),
        quadrantCorner(data, QUADRANT_COLORS, "bargain_basement", 0.01, 0.01),
        quadrantCorner(data, QUADRANT_COLORS, "aggressive", 0.99, 0.01),
      ],
    });
  }

  function costs(element, data) {
    Plotly.newPlot(element, [{
      type: "bar", orientation: "h", x: data.values, y: data.labels.map(escapeText),
      // Costs that are not activities (payment terms, rebates) are drawn in grey.
      marker: { color: data.values.map(function (_value, index) { return data.muted[index] ? "#9aa5b5" : PRIMARY; }) }, texttemplate: "%{x:,.0f}", textposition: "auto", cliponaxis: false,
      hovertemplate: "%{y}: %{x:,.2f}<extra></extra>",
    }], layout(data, {
      margin: { l: 8, r: 16, t: 8, b: 36 },
      xaxis: axis(data.axis, { tickformat: ",.0f" }),
      yaxis: axis("", { gridcolor: "rgba(0,0,0,0)" }),
      bargap: 0.35,
    }), CONFIG);
  }

  function monthly(element, data) {
    Plotly.newPlot(element, [{
      type: "bar", x: data.months, y: data.values, marker: { color: PRIMARY },
      hovertemplate: "%{x}: %{y:,.2f}<extra></extra>",
    }], layout(data, {
      margin: { l: 56, r: 8, t: 8, b: 56 },
      xaxis: axis("", { type: "category", tickangle: -45 }),
      yaxis: axis(data.axis, { tickformat: ",.0f" }),
      bargap: 0.25,
    }), CONFIG);
  }


  function matrix(element, data) {
    var sizeref = bubbleSizeref(data.groups);
    var traces = data.groups.map(function (group) {
      return {
        type: "scatter", mode: "markers", name: group.name, x: group.x, y: group.y,
        text: group.names.map(escapeText),
        customdata: group.codes.map(function (code, index) {
          return [escapeText(code), group.urls[index], group.revenue[index], group.selected[index] ? data.labels.selected : ""];
        }),
        // A dark ring marks the accounts the optimiser proposes as key accounts.
        marker: bubbleMarker(group, sizeref, TIER_COLORS[group.key] || "#6b7280", {
          color: group.selected.map(function (selected) { return selected ? "#111827" : "#ffffff"; }),
          width: group.selected.map(function (selected) { return selected ? 2.5 : 1; }),
        }),
        hovertemplate: "<b>%{text}</b> · %{customdata[0]}<br>" + data.labels.revenue + ": %{customdata[2]:,.0f}<br>"
          + data.labels.attractiveness + ": %{y:.2f}<br>" + data.labels.strength + ": %{x:.2f}<br>%{customdata[3]}<extra>%{fullData.name}</extra>",
      };
    });
    drawBubbles(element, data, traces, {
      xaxis: axis(data.labels.x, { range: [-0.3, 10.3], zeroline: false }),
      yaxis: axis(data.labels.y, { range: [-0.3, 10.3], zeroline: false }),
      shapes: [
        dashedLine({ xref: "x", x0: data.cutoffs.strength, x1: data.cutoffs.strength, yref: "paper", y0: 0, y1: 1 }),
        dashedLine({ xref: "paper", x0: 0, x1: 1, yref: "y", y0: data.cutoffs.attractiveness, y1: data.cutoffs.attractiveness }),
      ],
      annotations: [
        quadrantCorner(data, TIER_COLORS, "star", 0.01, 0.99),
        quadrantCorner(data, TIER_COLORS, "strategic", 0.99, 0.99),
        quadrantCorner(data, TIER_COLORS, "streamline", 0.01, 0.01),
        quadrantCorner(data, TIER_COLORS, "status", 0.99, 0.01),
      ],
    });
  }

  // One account's service-level shares (0–1) by snapshot date: a line per figure.
  function trend(element, data) {
    var traces = data.series.map(function (series) {
      return {
        type: "scatter", mode: "lines+markers", name: escapeText(series.name), x: data.dates, y: series.values,
        connectgaps: false, hovertemplate: "%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
      };
    });
    Plotly.newPlot(element, traces, layout(data, {
      margin: { l: 56, r: 8, t: 8, b: 48 },
      xaxis: axis("", { type: "date" }),
      yaxis: axis(data.axis, { tickformat: ".0%", range: [0, 1.05] }),
      showlegend: true, legend: { orientation: "h" },
    }), CONFIG);
  }

  // One KPI of a scorecard by snapshot date (kam.scorecards): its line, and the target dashed.
  function kpiseries(element, data) {
    var traces = [{
      type: "scatter", mode: "lines+markers", name: escapeText(data.name), x: data.dates, y: data.values,
      connectgaps: false, line: { color: PRIMARY, width: 2 },
      hovertemplate: "%{x}: %{y:" + data.format + "}<extra></extra>",
    }];
    var shapes = [];
    if (data.target !== null && data.target !== undefined) {
      shapes.push(dashedLine({ xref: "paper", x0: 0, x1: 1, y0: data.target, y1: data.target }));
    }
    Plotly.newPlot(element, traces, layout(data, {
      margin: { l: 48, r: 8, t: 8, b: 32 },
      xaxis: axis("", { type: "date" }),
      yaxis: axis("", { tickformat: data.format }),
      shapes: shapes,
    }), CONFIG);
  }

  // The relationship health's components (kam.scorecards): points each one gives, as bars.
  function contributions(element, data) {
    Plotly.newPlot(element, [{
      type: "bar", orientation: "h", x: data.values, y: data.labels.map(escapeText), marker: { color: PRIMARY },
      texttemplate: "%{x:.1f}", textposition: "auto", cliponaxis: false,
      hovertemplate: "%{y}: %{x:.1f}<extra></extra>",
    }], layout(data, {
      margin: { l: 8, r: 16, t: 8, b: 36 },
      xaxis: axis(data.axis, { tickformat: ".0f", rangemode: "tozero" }),
      yaxis: axis("", { gridcolor: "rgba(0,0,0,0)", autorange: "reversed" }),
      bargap: 0.35,
    }), CONFIG);
  }

  var DRAW = { pareto: pareto, whale: whale, shapiro: shapiro, costs: costs, monthly: monthly, matrix: matrix, trend: trend,
    kpiseries: kpiseries, contributions: contributions };

  function hasData(kind, data) {
    if (kind === "shapiro" || kind === "matrix") { return data.groups && data.groups.length > 0; }
    if (kind === "costs") { return data.values && data.values.length > 0; }
    if (kind === "monthly") { return data.months && data.months.length > 0; }
    if (kind === "trend" || kind === "kpiseries") { return data.dates && data.dates.length > 0; }
    if (kind === "contributions") { return data.values && data.values.length > 0; }
    return data.points && data.points.length > 0;
  }

  function showEmpty(element) {
    element.classList.add("chart-empty");
    element.removeAttribute("role");
    var message = document.createElement("p");
    message.textContent = element.getAttribute("data-chart-empty");
    element.replaceChildren(message);
  }

  function drawCharts(root) {
    root.querySelectorAll("[data-chart]:not([data-chart-drawn])").forEach(function (element) {
      element.setAttribute("data-chart-drawn", "");
      var kind = element.getAttribute("data-chart");
      var source = document.getElementById(element.getAttribute("data-chart-data"));
      var data = source ? JSON.parse(source.textContent) : null;
      if (!data || !DRAW[kind] || !hasData(kind, data) || typeof window.Plotly === "undefined") {
        showEmpty(element);
        return;
      }
      DRAW[kind](element, data);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  // Fragments swapped in by htmx may carry charts too.
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
})();
