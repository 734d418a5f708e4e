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

  function themedLayout(layout) {
    var fg = themeColor("--kpi-chart-fg", "#333");
    var bg = themeColor("--kpi-chart-bg", "#fff");
    var grid = themeColor("--kpi-chart-grid", "#ddd");
    var result = Object.assign({}, layout, {
      paper_bgcolor: bg,
      plot_bgcolor: bg,
      font: { color: fg },
      colorway: [themeColor("--kpi-chart-actual", "#1f77b4"), themeColor("--kpi-chart-target", "#d62728"),
                 themeColor("--kpi-chart-rolling", "#7f7f7f"), themeColor("--kpi-chart-benchmark", "#2ca02c")]
    });
    result.xaxis = Object.assign({}, layout.xaxis, { gridcolor: grid, linecolor: grid });
    result.yaxis = Object.assign({}, layout.yaxis, { gridcolor: grid, zerolinecolor: grid });
    return result;
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
    return window.Plotly.relayout(element, themedLayout(element.kpiFigure.layout))
      .then(function () { return themed(element, drawnIn); });
  }

  function draw(element) {
    var figure = JSON.parse(element.getAttribute("data-chart"));
    var drawnIn = scheme();
    element.kpiFigure = figure;
    // No mode bar: its buttons would be focusable controls inside an element that assistive
    // technology announces as one image (role="img"; the monthly table is the text
    // alternative), and its "Share chart" button uploads the data to Plotly Cloud.
    return window.Plotly.react(element, figure.data, themedLayout(figure.layout), {
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

  function onPage() {
    nameSearchDialog();
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
