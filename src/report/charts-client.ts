// The browser half of the report: reads the chart specs (plain JSON, see chart-spec.ts) from the
// data block and draws each with ECharts, as SVG (crisp in print and at any zoom, and its text
// can be selected and measured). It is plain ES2017 kept as a string because it runs in the
// page, not in Node, and must not pull DOM types into the project's type checking.
// It never writes user strings as HTML: tooltips (the one place ECharts renders HTML) go through
// esc(); axis labels, legends and titles are drawn as SVG text.
//
// Heatmaps are laid out here, from their class count and the width they get: square cells no
// smaller than MIN_CELL (the box scrolls rather than squeezing them), axis names shortened with
// an ellipsis to a fixed width (full names in the tooltips), x labels turned 45° when they do
// not fit under their cell, and a cell's number drawn only when it fits inside the cell.

export const DATA_ELEMENT_ID = 'adaptlab-report-data';

export const CHARTS_CLIENT_JS = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('${DATA_ELEMENT_ID}').textContent);
  var FONT = 'sans-serif';
  var MUTED = '#59636e';
  var ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }
  // 2.9e11 -> "290G" (axis labels), or "290 G" with a separator (tooltips).
  function si(v, sep) {
    var units = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
    var u = 0;
    while (Math.abs(v) >= 1000 && u < units.length - 1) { v /= 1000; u++; }
    return (Math.round(v * 100) / 100) + (sep || '') + units[u];
  }
  function countText(v) {
    return Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : v.toFixed(1);
  }
  // A change in examples, with a real minus sign: "+3", "\u22122.7"; "0" when it rounds to nothing.
  function signed(v, digits) {
    var a = Math.abs(v);
    var s = digits === 0 || Math.abs(a - Math.round(a)) < 1e-9 ? String(Math.round(a)) : a.toFixed(digits || 1);
    if (Number(s) === 0) return '0';
    return (v < 0 ? '\u2212' : '+') + s;
  }
  function pText(p) {
    return p < 0.001 ? '< 0.001' : p.toFixed(3);
  }

  var measure = document.createElement('canvas').getContext('2d');
  function textWidth(s, size, weight) {
    measure.font = (weight || 'normal') + ' ' + size + 'px ' + FONT;
    return measure.measureText(String(s)).width;
  }

  // ---- heatmaps -------------------------------------------------------------------------
  var MIN_CELL = 34;   // fits "\u221213.3" at 11px with room to spare
  var MAX_CELL = 88;
  var AXIS_FONT = 11;
  var NAME_MAX = 120;  // axis names longer than this are shortened with an ellipsis

  function heatLayout(spec, avail) {
    var n = spec.classNames.length;
    var widest = 0;
    spec.classNames.forEach(function (s) { widest = Math.max(widest, textWidth(s, AXIS_FONT)); });
    var yLabel = Math.ceil(Math.min(widest, NAME_MAX));
    var left = yLabel + 38;
    var right = 14;
    var top = 36;
    var cell = Math.floor((avail - left - right) / n);
    cell = Math.max(MIN_CELL, Math.min(MAX_CELL, cell));
    var rotate = widest <= cell - 8 ? 0 : 45;
    var xLabel = rotate === 0 ? cell - 8 : Math.ceil(Math.min(widest, NAME_MAX));
    var xDepth = rotate === 0 ? AXIS_FONT + 4 : Math.ceil((xLabel + AXIS_FONT + 4) * Math.SQRT1_2);
    var bottom = 8 + xDepth + 12 + 14 + 8;
    var fontSize = cell >= 56 ? 12 : 11;
    return {
      n: n, cell: cell, left: left, top: top, right: right, bottom: bottom, rotate: rotate, xLabel: xLabel, xDepth: xDepth, yLabel: yLabel,
      fontSize: fontSize, width: left + n * cell + right, height: top + n * cell + bottom
    };
  }

  // Whether a cell's number fits inside it (with a margin), at the chart's label size.
  function fits(L, text, weight) {
    return L.fontSize + 6 <= L.cell && textWidth(text, L.fontSize, weight) <= L.cell - 8;
  }

  // One precision per chart: one decimal when every number to draw fits with it, else whole
  // examples for all (the tooltip and the table keep the exact value). A number that still does
  // not fit is left out rather than clipped.
  function labelTexts(L, wanted, format) {
    var digits = wanted.every(function (w) { return fits(L, format(w.v, 1), w.weight); }) ? 1 : 0;
    return wanted.map(function (w) {
      var text = format(w.v, digits);
      if (text === '0' && w.v !== 0) return null; // rounds to nothing: the colour and tooltip tell
      return fits(L, text, w.weight) ? text : null;
    });
  }

  function heatmap(spec, L, cells, visualMap, tooltip) {
    var axisLabel = { interval: 0, fontSize: AXIS_FONT, overflow: 'truncate', ellipsis: '\u2026', margin: 8, color: '#333333' };
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      title: {
        text: spec.title, left: 'center', top: 8,
        textStyle: { fontSize: 13, fontWeight: 600, width: L.width - 16, overflow: 'truncate', ellipsis: '\u2026' }
      },
      tooltip: { confine: true, formatter: tooltip },
      grid: { left: L.left, top: L.top, width: L.n * L.cell, height: L.n * L.cell },
      xAxis: {
        type: 'category', data: spec.classNames, name: 'predicted', nameLocation: 'middle', nameGap: 8 + L.xDepth + 12,
        nameTextStyle: { fontSize: 12, color: MUTED },
        axisLabel: Object.assign({}, axisLabel, { rotate: L.rotate, width: L.xLabel }), axisTick: { show: false }, splitArea: { show: false }
      },
      yAxis: {
        type: 'category', data: spec.classNames, inverse: true, name: 'actual', nameLocation: 'middle', nameGap: L.yLabel + 22,
        nameTextStyle: { fontSize: 12, color: MUTED },
        axisLabel: Object.assign({}, axisLabel, { width: L.yLabel }), axisTick: { show: false }
      },
      visualMap: visualMap,
      series: [{
        type: 'heatmap', data: cells,
        label: { show: true, fontSize: L.fontSize, formatter: function (p) { return p.data.text || ''; } },
        itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: '#222222', borderWidth: 1 } }
      }]
    };
  }

  function names(spec, v) {
    return 'actual <b>' + esc(spec.classNames[v[1]]) + '</b><br>predicted <b>' + esc(spec.classNames[v[0]]) + '</b>' +
      (v[0] === v[1] ? ' (correct)' : '');
  }

  function confusion(spec, L) {
    // Shade by share of the actual class (row), so rare classes show their pattern too;
    // the label is the mean count over seeds.
    var cells = [];
    var wanted = [];
    spec.matrix.forEach(function (row, r) {
      var total = row.reduce(function (s, v) { return s + v; }, 0);
      row.forEach(function (v, c) {
        var share = total > 0 ? v / total : 0;
        cells.push({ value: [c, r, v, share], text: null, label: { show: false, color: share > 0.55 ? '#ffffff' : '#222222' } });
        // Zeros are written out only in small matrices; in large ones an empty cell reads as none.
        if (v !== 0 || L.n <= 6) wanted.push({ i: cells.length - 1, v: v, weight: 'normal' });
      });
    });
    labelTexts(L, wanted, function (v, digits) { return digits === 0 ? String(Math.round(v)) : countText(v); }).forEach(function (text, k) {
      var cell = cells[wanted[k].i];
      cell.text = text;
      cell.label.show = text !== null;
    });
    return heatmap(spec, L, cells,
      { show: false, type: 'continuous', dimension: 3, min: 0, max: 1, inRange: { color: ['#ffffff', '#08306b'] } },
      function (p) {
        var v = p.value;
        return names(spec, v) + '<br>' + countText(v[2]) + ' examples (mean over seeds), ' + (v[3] * 100).toFixed(1) + '% of the class';
      });
  }

  function confusionDiff(spec, L) {
    // Colour by effect, not by sign: more examples on the diagonal (correct) and fewer off it
    // (mistakes) are both improvements, blue; the opposite is red; no change is white.
    var largest = 0;
    spec.diff.forEach(function (row) { row.forEach(function (v) { largest = Math.max(largest, Math.abs(v)); }); });
    var bound = largest > 0 ? largest : 1;
    var labelled = {};
    spec.labelled.forEach(function (rc) { labelled[rc[0] + ',' + rc[1]] = true; });
    var tests = {};
    (spec.tests || []).forEach(function (t) { tests[t.actual + ',' + t.predicted] = t; });
    var cells = [];
    var wanted = [];
    spec.diff.forEach(function (row, r) {
      row.forEach(function (v, c) {
        var benefit = r === c ? v : -v;
        var test = tests[r + ',' + c];
        var weight = test && test.significant ? 'bold' : 'normal';
        cells.push({
          value: [c, r, v, benefit], text: null,
          label: { show: false, fontWeight: weight, color: Math.abs(benefit) / bound > 0.6 ? '#ffffff' : '#222222' }
        });
        if (labelled[r + ',' + c]) wanted.push({ i: cells.length - 1, v: v, weight: weight });
      });
    });
    labelTexts(L, wanted, signed).forEach(function (text, k) {
      var cell = cells[wanted[k].i];
      cell.text = text;
      cell.label.show = text !== null;
    });
    return heatmap(spec, L, cells,
      { show: false, type: 'continuous', dimension: 3, min: -bound, max: bound,
        inRange: { color: ['#b2182b', '#ef8a62', '#ffffff', '#67a9cf', '#2166ac'] } },
      function (p) {
        var v = p.value;
        var r = v[1], c = v[0];
        var effect = v[3] > 0 ? 'better' : v[3] < 0 ? 'worse' : 'no change';
        var test = tests[r + ',' + c];
        var counts = spec.counts
          ? esc(spec.baseline) + ' ' + countText(spec.counts.baseline[r][c]) + ' \u2192 ' + esc(spec.strategy) + ' ' + countText(spec.counts.strategy[r][c]) + ' examples<br>'
          : test ? esc(spec.baseline) + ' ' + countText(test.countA) + ' \u2192 ' + esc(spec.strategy) + ' ' + countText(test.countB) + ' examples<br>' : '';
        return names(spec, v) + '<br>' + counts + 'change ' + signed(v[2], 2) + ' (' + effect + ')' +
          (test ? '<br>paired test: p = ' + pText(test.adjustedP) + ' (Holm)' + (test.significant ? ', significant' : ', within noise') : '');
      });
  }

  // ---- accuracy and cost ----------------------------------------------------------------
  // Accuracy axes never leave [0, 100]: the data's range (values already inside it), padded and
  // rounded out to a tick step that is also the axis interval, so no odd end label crowds a tick.
  function accuracyAxis(name, values) {
    var lo = Math.min.apply(null, values);
    var hi = Math.max.apply(null, values);
    if (!(isFinite(lo) && isFinite(hi))) { lo = 0; hi = 100; }
    var span = Math.max(hi - lo, 4);
    var step = [1, 2, 5, 10, 20].filter(function (s) { return span / s <= 7; })[0] || 20;
    var min = Math.max(0, Math.floor((lo - span * 0.05) / step) * step);
    var max = Math.min(100, Math.ceil((hi + span * 0.05) / step) * step);
    return {
      type: 'value', name: name, nameLocation: 'middle', nameGap: 44, min: min, max: max, interval: step,
      axisLabel: { formatter: function (v) { return String(Number(v.toFixed(2))); } }
    };
  }

  function errorBar(params, api) {
    var x = api.value(0);
    var a = api.coord([x, api.value(2)]);
    var b = api.coord([x, api.value(3)]);
    var color = api.visual('color');
    var style = { stroke: color, lineWidth: 1.5 };
    // A plain cap at an end inside [0, 100]; where the interval runs past the bound, an arrow
    // that starts at the bound and points out of the plot, towards where the interval goes on.
    function end(p, beyond, up) {
      if (!beyond) return { type: 'line', shape: { x1: p[0] - 6, y1: p[1], x2: p[0] + 6, y2: p[1] }, style: style };
      var d = up ? -10 : 10;
      return { type: 'polygon', shape: { points: [[p[0] - 5, p[1]], [p[0] + 5, p[1]], [p[0], p[1] + d]] }, style: { fill: color } };
    }
    return {
      type: 'group',
      children: [
        { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style: style },
        end(a, api.value(4) === 1, false),
        end(b, api.value(5) === 1, true)
      ]
    };
  }

  function intervalText(ci) {
    if (!ci) return ' (no interval: one seed)';
    var range = ci.lo.toFixed(1) + '\u2013' + ci.hi.toFixed(1) + '%';
    if (!ci.beyond) return ' (95% interval ' + range + ')';
    return ' (95% t interval ' + range + ': symmetric over few seeds, it runs past what an accuracy can be; drawn to ' +
      (ci.hi > 100 ? '100%' : '0%') + ' with an arrow)';
  }

  function scoreCost(spec) {
    var byName = {};
    var series = [];
    spec.points.forEach(function (p) {
      byName[p.strategy] = p;
      var ci = p.ci95;
      series.push({
        type: 'custom', name: p.strategy, renderItem: errorBar, itemStyle: { color: p.color }, clip: false,
        data: ci ? [[p.flops, p.mean, Math.max(0, ci.lo), Math.min(100, ci.hi), ci.lo < 0 ? 1 : 0, ci.hi > 100 ? 1 : 0]] : [],
        encode: { x: 0, y: [2, 3] }, z: 2
      });
      series.push({
        type: 'scatter', name: p.strategy, symbolSize: 6, itemStyle: { color: p.color, opacity: 0.35 },
        data: p.seeds.map(function (v) { return [p.flops, v]; }), z: 3
      });
      series.push({
        type: 'scatter', name: p.strategy, symbolSize: 13, itemStyle: { color: p.color, borderColor: '#ffffff', borderWidth: 1 },
        data: [[p.flops, p.mean]], z: 4,
        label: { show: true, position: 'right', formatter: p.strategy, color: '#333333', fontSize: 12 }
      });
    });
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      legend: { top: 6, data: spec.points.map(function (p) { return p.strategy; }) },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (item) {
          var p = byName[item.seriesName];
          if (!p) return '';
          return '<b>' + esc(p.strategy) + '</b><br>validation accuracy ' + p.mean.toFixed(2) + '%' + esc(intervalText(p.ci95)) +
            '<br>seeds: ' + p.seeds.map(function (v) { return v.toFixed(1); }).join(', ') +
            '<br>training ' + si(p.flops, ' ') + 'FLOP';
        }
      },
      grid: { left: 64, right: 120, top: 44, bottom: 52 },
      xAxis: {
        type: 'log', logBase: 10, name: 'training FLOPs (log scale)', nameLocation: 'middle', nameGap: 30,
        axisLabel: { formatter: function (v) { return si(v); } }
      },
      yAxis: accuracyAxis('validation accuracy (%)', [].concat.apply([], spec.points.map(function (p) {
        return [p.mean].concat(p.seeds, p.ci95 ? [Math.max(0, p.ci95.lo), Math.min(100, p.ci95.hi)] : []);
      }))),
      series: series
    };
  }

  function curves(spec) {
    var accuracy = spec.metric === 'accuracy';
    var format = function (v) { return accuracy ? Number(v).toFixed(2) + '%' : Number(v).toFixed(3); };
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      legend: { top: 6, data: spec.series.map(function (s) { return s.strategy; }) },
      tooltip: {
        trigger: 'axis', confine: true,
        formatter: function (items) {
          if (!items.length) return '';
          return 'epoch ' + esc(items[0].value[0]) + items.map(function (it) {
            var seeds = it.value[2];
            return '<br>' + it.marker + esc(it.seriesName) + ' ' + format(it.value[1]) + ' <span style="color:#59636e">(' + seeds + ' seed' + (seeds === 1 ? '' : 's') + ')</span>';
          }).join('');
        }
      },
      grid: { left: 64, right: 24, top: 44, bottom: 52 },
      xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 30, minInterval: 1, min: 'dataMin', max: 'dataMax' },
      yAxis: accuracy
        ? accuracyAxis('validation accuracy (%)', [].concat.apply([], spec.series.map(function (s) { return s.points.map(function (p) { return p[1]; }); })))
        : { type: 'value', name: 'training loss', nameLocation: 'middle', nameGap: 44, min: 0 },
      series: spec.series.map(function (s) {
        return { type: 'line', name: s.strategy, data: s.points, itemStyle: { color: s.color }, lineStyle: { width: 2 }, symbolSize: 6 };
      })
    };
  }

  // ---- drawing --------------------------------------------------------------------------
  var heatBuilders = { 'confusion': confusion, 'confusion-diff': confusionDiff };
  var builders = { 'score-cost': scoreCost, 'curves': curves };
  var drawn = [];

  // A heatmap takes the width of its scroll box and sets its own size from the layout.
  function layOut(item) {
    var avail = item.el.parentNode.clientWidth;
    var L = heatLayout(item.spec, avail);
    item.el.style.width = L.width + 'px';
    item.el.style.height = L.height + 'px';
    return L;
  }

  data.charts.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    var item = { spec: spec, el: el, key: null };
    if (heatBuilders[spec.kind]) {
      var L = layOut(item);
      item.key = L.cell + '/' + L.rotate;
      item.chart = echarts.init(el, null, { renderer: 'svg' });
      item.chart.setOption(heatBuilders[spec.kind](spec, L));
    } else {
      item.chart = echarts.init(el, null, { renderer: 'svg' });
      item.chart.setOption(builders[spec.kind](spec));
    }
    drawn.push(item);
  });

  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      drawn.forEach(function (item) {
        if (!heatBuilders[item.spec.kind]) { item.chart.resize(); return; }
        var L = layOut(item);
        var key = L.cell + '/' + L.rotate;
        item.chart.resize();
        if (key !== item.key) {
          item.key = key;
          item.chart.setOption(heatBuilders[item.spec.kind](item.spec, L), { notMerge: true });
        }
      });
    });
  });
})();
`;
