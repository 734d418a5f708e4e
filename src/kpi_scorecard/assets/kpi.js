/* Charts of kpi-scorecard: drawn from each .kpi-chart element's data-chart attribute.
 *
 * plotly.js (its basic bundle) is loaded from beside this file on the first page that has a chart
 * (the site works offline). Charts are drawn on the first load and after every instant navigation of
 * mkdocs-material (document$), and follow the light/dark palette toggle. */
(function () {
  "use strict";

  var here = document.currentScript ? document.currentScript.src : "";
  var plotlyUrl = here.replace(/kpi\.js(\?.*)?$/, "plotly-basic.min.js");
  var loading = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = plotlyUrl;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function themeColor(name, fallback) {
    var value = getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
  }

  // The segment palette, also plotly's colorway for a trace that names no role: never the
  // target's red.
  var SEGMENT_COLOURS = 6;

  function segmentColours() {
    var colours = [];
    for (var i = 0; i < SEGMENT_COLOURS; i++) {
      colours.push(themeColor("--kpi-chart-segment-" + i, "#1f77b4"));
    }
    return colours;
  }

  function themedLayout(layout) {
    var fg = themeColor("--kpi-chart-fg", "#333");
    var bg = themeColor("--kpi-chart-bg", "#fff");
    var grid = themeColor("--kpi-chart-grid", "#ddd");
    var result = Object.assign({}, layout, {
      paper_bgcolor: bg,
      plot_bgcolor: bg,
      font: { color: fg },
      colorway: segmentColours(),
      // The hover on the page's own colours: readable in both palettes, whatever the trace.
      hoverlabel: Object.assign({}, layout.hoverlabel, {
        bgcolor: bg, bordercolor: fg, font: { color: fg }
      })
    });
    result.xaxis = Object.assign({}, layout.xaxis, { gridcolor: grid, linecolor: grid });
    result.yaxis = Object.assign({}, layout.yaxis, { gridcolor: grid, zerolinecolor: grid });
    return result;
  }

  // Each trace names its role in meta (render/chart.py); its colour is the palette's
  // --kpi-chart-<role>, so a colour means the same everywhere, in both palettes.
  function themedTrace(trace) {
    if (typeof trace.meta !== "string") return trace;
    var colour = themeColor("--kpi-chart-" + trace.meta, "");
    if (!colour) return trace;
    var result = Object.assign({}, trace);
    result.line = Object.assign({}, trace.line, { color: colour });
    result.marker = Object.assign({}, trace.marker, { color: colour });
    if (trace.marker && trace.marker.line) {
      result.marker.line = Object.assign({}, trace.marker.line, { color: colour });
    }
    if (trace.fill) result.fillcolor = colour;
    return result;
  }

  function themedData(data) {
    return data.map(themedTrace);
  }

  function scheme() {
    return document.body.getAttribute("data-md-color-scheme") || "default";
  }

  // data-scheme names the palette a chart was last drawn in (the tests wait for it); a palette
  // toggled while plotly was drawing is caught up with at the end.
  function themed(element, drawnIn) {
    if (drawnIn !== scheme()) return paint(element);
    element.setAttribute("data-scheme", drawnIn);
  }

  function paint(element) {
    var drawnIn = scheme();
    var figure = element.kpiFigure;
    return window.Plotly.react(element, themedData(figure.data), themedLayout(figure.layout))
      .then(function () { return themed(element, drawnIn); });
  }

  /* A list as render/chart.py's chart_json writes it shorter, put back: months in a row
   * ({from, count}) or their labels ({from, count, labels: the twelve months' patterns}),
   * values in runs ({runs: [[value, times]]}), a hover's rows as columns. */
  function expanded(value) {
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    var out = [];
    if (value.runs) {
      value.runs.forEach(function (run) {
        for (var i = 0; i < run[1]; i++) out.push(run[0]);
      });
    } else if (value.from) {
      var start = +value.from.slice(0, 4) * 12 + (+value.from.slice(5, 7) - 1);
      for (var j = 0; j < value.count; j++) {
        var year = Math.floor((start + j) / 12), month = (start + j) % 12;
        out.push(value.labels
          ? value.labels[month].replace("{y}", year)
          : year + "-" + (month < 9 ? "0" : "") + (month + 1));
      }
    } else if (value.columns) {
      var columns = value.columns.map(expanded);
      out = columns[0].map(function (_, row) {
        return columns.map(function (column) { return column[row]; });
      });
    }
    return out;
  }

  function withLists(figure) {
    figure.data = figure.data.map(function (trace) {
      var copy = Object.assign({}, trace);
      ["x", "y", "customdata"].forEach(function (key) {
        if (key in copy) copy[key] = expanded(copy[key]);
      });
      return copy;
    });
    return figure;
  }

  function draw(element) {
    var figure = withLists(JSON.parse(element.getAttribute("data-chart")));
    var drawnIn = scheme();
    element.kpiFigure = figure;
    // No mode bar: its buttons would be focusable controls inside an element that assistive
    // technology announces as one image (role="img"; the monthly table is the text
    // alternative), and its "Share chart" button uploads the data to Plotly Cloud.
    return window.Plotly.react(element, themedData(figure.data), themedLayout(figure.layout), {
      responsive: true,
      displaylogo: false,
      displayModeBar: false
    }).then(function () {
      element.setAttribute("data-drawn", "true");
      return themed(element, drawnIn);
    });
  }

  function drawAll() {
    var charts = document.querySelectorAll(".kpi-chart[data-chart]");
    if (!charts.length) return;
    loadPlotly().then(function () { charts.forEach(draw); });
  }

  function retheme() {
    document.querySelectorAll(".kpi-chart[data-drawn]").forEach(paint);
  }

  // mkdocs-material's search is a role="dialog" without a name; screen readers announce the
  // dialog by its name, so it takes the name of its search box ("Search").
  function nameSearchDialog() {
    document.querySelectorAll(".md-search[role=dialog]:not([aria-label])").forEach(function (dialog) {
      var input = dialog.querySelector(".md-search__input");
      dialog.setAttribute("aria-label", (input && input.getAttribute("aria-label")) || "Search");
    });
  }

  // The overview's filters (owner, tag, status) and sortable columns; without scripts every
  // row shows in name order.
  function setUpOverview() {
    var form = document.querySelector("form.kpi-filters");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    form.hidden = false;
    var rows = function () { return document.querySelectorAll("table.kpi-overview tbody tr"); };
    form.addEventListener("change", function () {
      var value = function (name) {
        var select = form.querySelector("[data-kpi-filter=" + name + "]");
        return select ? select.value : "";
      };
      var owner = value("owner"), tag = value("tag"), status = value("status");
      rows().forEach(function (row) {
        var tags = " " + (row.dataset.tags || "") + " ";
        row.hidden = !((!owner || row.dataset.owner === owner) &&
          (!tag || tags.indexOf(" " + tag + " ") >= 0) &&
          (!status || row.dataset.status === status));
      });
    });
    var keys = [[0, function (row) { return row.cells[0].textContent.toLowerCase(); }],
      [1, function (row) { return Number(row.dataset.rank); }],
      [4, function (row) { return row.dataset.change === "" ? -Infinity : Number(row.dataset.change); }]];
    document.querySelectorAll("table.kpi-overview").forEach(function (table) {
      var headers = table.querySelectorAll("thead th");
      keys.forEach(function (pair) {
        var th = headers[pair[0]], key = pair[1];
        var button = document.createElement("button");
        button.type = "button";
        button.className = "kpi-sort";
        button.textContent = th.textContent;
        th.textContent = "";
        th.appendChild(button);
        th.setAttribute("aria-sort", "none");
        button.addEventListener("click", function () {
          var ascending = th.getAttribute("aria-sort") !== "ascending";
          headers.forEach(function (other) { if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none"); });
          th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          var body = table.tBodies[0];
          Array.prototype.slice.call(body.rows).sort(function (a, b) {
            var x = key(a), y = key(b);
            return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
          }).forEach(function (row) { body.appendChild(row); });
        });
      });
    });
  }

  function onPage() {
    nameSearchDialog();
    setUpOverview();
    drawAll();
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(onPage);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onPage);
  } else {
    onPage();
  }
  new MutationObserver(retheme).observe(document.body, {
    attributes: true,
    attributeFilter: ["data-md-color-scheme", "data-md-color-primary"]
  });
})();
