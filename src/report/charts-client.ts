// The browser half of the report: reads the chart specs (plain JSON, see chart-spec.ts) from the
// data block and draws each with ECharts. It is plain ES2017 kept as a string because it runs in
// the page, not in Node, and must not pull DOM types into the project's type checking.
// It never writes user strings as HTML: tooltips (the one place ECharts renders HTML) go through
// esc(); axis labels, legends and titles are drawn on the canvas as text.

export const DATA_ELEMENT_ID = 'adaptlab-report-data';

export const CHARTS_CLIENT_JS = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('${DATA_ELEMENT_ID}').textContent);
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
  function signed(v, digits) {
    var s = v.toFixed(digits);
    if (Number(s) === 0) return '0';
    return v > 0 ? '+' + s : s;
  }
  function countText(v) {
    return Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : v.toFixed(1);
  }
  var AXIS_LABEL = { width: 84, overflow: 'truncate', interval: 0, fontSize: 11 };

  function heatmap(spec, cells, visualMap, label, tooltip) {
    return {
      animation: false,
      title: { text: spec.title, left: 'center', top: 4, textStyle: { fontSize: 13, fontWeight: 600 } },
      tooltip: { confine: true, formatter: tooltip },
      grid: { left: 108, right: 12, top: 34, bottom: 78 },
      xAxis: {
        type: 'category', data: spec.classNames, name: 'predicted', nameLocation: 'middle', nameGap: 62,
        axisLabel: Object.assign({ rotate: 30 }, AXIS_LABEL), splitArea: { show: false }
      },
      yAxis: {
        type: 'category', data: spec.classNames, inverse: true, name: 'actual', nameLocation: 'middle', nameGap: 94,
        axisLabel: AXIS_LABEL
      },
      visualMap: visualMap,
      series: [{
        type: 'heatmap', data: cells,
        label: { show: true, formatter: label, fontSize: 11 },
        itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: '#222222', borderWidth: 1 } }
      }]
    };
  }

  function confusion(spec) {
    // Shade by share of the actual class (row), so rare classes show their pattern too;
    // the label is the mean count over seeds.
    var cells = [];
    spec.matrix.forEach(function (row, r) {
      var total = row.reduce(function (s, v) { return s + v; }, 0);
      row.forEach(function (v, c) {
        var share = total > 0 ? v / total : 0;
        cells.push({ value: [c, r, v, share], label: { color: share > 0.55 ? '#ffffff' : '#222222' } });
      });
    });
    return heatmap(spec, cells,
      { show: false, type: 'continuous', dimension: 3, min: 0, max: 1, inRange: { color: ['#ffffff', '#08306b'] } },
      function (p) { return countText(p.value[2]); },
      function (p) {
        var v = p.value;
        return 'actual <b>' + esc(spec.classNames[v[1]]) + '</b><br>predicted <b>' + esc(spec.classNames[v[0]]) +
          '</b><br>' + countText(v[2]) + ' examples (mean over seeds), ' + (v[3] * 100).toFixed(1) + '% of the class';
      });
  }

  function confusionDiff(spec) {
    // Colour by effect, not by sign: more examples on the diagonal (correct) and fewer off it
    // (mistakes) are both improvements, blue; the opposite is red; no change is white.
    var cells = [];
    var largest = 0;
    spec.diff.forEach(function (row) { row.forEach(function (v) { largest = Math.max(largest, Math.abs(v)); }); });
    var bound = largest > 0 ? largest : 1;
    spec.diff.forEach(function (row, r) {
      row.forEach(function (v, c) {
        var benefit = r === c ? v : -v;
        cells.push({ value: [c, r, v, benefit], label: { color: Math.abs(benefit) / bound > 0.6 ? '#ffffff' : '#222222' } });
      });
    });
    return heatmap(spec, cells,
      { show: false, type: 'continuous', dimension: 3, min: -bound, max: bound,
        inRange: { color: ['#b2182b', '#ef8a62', '#ffffff', '#67a9cf', '#2166ac'] } },
      function (p) { return signed(p.value[2], 1); },
      function (p) {
        var v = p.value;
        var effect = v[3] > 0 ? 'better' : v[3] < 0 ? 'worse' : 'no change';
        return 'actual <b>' + esc(spec.classNames[v[1]]) + '</b><br>predicted <b>' + esc(spec.classNames[v[0]]) +
          '</b><br>' + esc(spec.title) + ': ' + signed(v[2], 2) + ' examples (' + effect + ')';
      });
  }

  function errorBar(params, api) {
    var x = api.value(0);
    var a = api.coord([x, api.value(2)]);
    var b = api.coord([x, api.value(3)]);
    var style = { stroke: api.visual('color'), lineWidth: 1.5 };
    return {
      type: 'group',
      children: [
        { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style: style },
        { type: 'line', shape: { x1: a[0] - 6, y1: a[1], x2: a[0] + 6, y2: a[1] }, style: style },
        { type: 'line', shape: { x1: b[0] - 6, y1: b[1], x2: b[0] + 6, y2: b[1] }, style: style }
      ]
    };
  }

  function scoreCost(spec) {
    var byName = {};
    var series = [];
    spec.points.forEach(function (p) {
      byName[p.strategy] = p;
      series.push({
        type: 'custom', name: p.strategy, renderItem: errorBar, itemStyle: { color: p.color },
        data: p.ci95 ? [[p.flops, p.mean, p.ci95[0], p.ci95[1]]] : [],
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
      legend: { top: 4, data: spec.points.map(function (p) { return p.strategy; }) },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (item) {
          var p = byName[item.seriesName];
          if (!p) return '';
          var ci = p.ci95 ? ' (95% CI ' + p.ci95[0].toFixed(1) + '–' + p.ci95[1].toFixed(1) + ')' : ' (no interval)';
          return '<b>' + esc(p.strategy) + '</b><br>validation accuracy ' + p.mean.toFixed(2) + '%' + ci +
            '<br>seeds: ' + p.seeds.map(function (v) { return v.toFixed(1); }).join(', ') +
            '<br>training ' + si(p.flops, ' ') + 'FLOP';
        }
      },
      grid: { left: 64, right: 110, top: 44, bottom: 52 },
      xAxis: {
        type: 'log', logBase: 10, name: 'training FLOPs (log scale)', nameLocation: 'middle', nameGap: 30,
        axisLabel: { formatter: function (v) { return si(v); } }
      },
      yAxis: {
        type: 'value', scale: true, name: 'validation accuracy (%)', nameLocation: 'middle', nameGap: 44,
        axisLabel: { formatter: function (v) { return Number(v.toFixed(2)); } }
      },
      series: series
    };
  }

  function curves(spec) {
    return {
      animation: false,
      legend: { top: 4, data: spec.series.map(function (s) { return s.strategy; }) },
      tooltip: { trigger: 'axis', confine: true, valueFormatter: function (v) { return Number(v).toFixed(2) + '%'; } },
      grid: { left: 64, right: 24, top: 44, bottom: 52 },
      xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 30, minInterval: 1, min: 'dataMin', max: 'dataMax' },
      yAxis: { type: 'value', scale: true, name: 'validation accuracy (%)', nameLocation: 'middle', nameGap: 44 },
      series: spec.series.map(function (s) {
        return { type: 'line', name: s.strategy, data: s.points, itemStyle: { color: s.color }, lineStyle: { width: 2 }, symbolSize: 6 };
      })
    };
  }

  var builders = { 'confusion': confusion, 'confusion-diff': confusionDiff, 'score-cost': scoreCost, 'curves': curves };
  var instances = [];
  data.charts.forEach(function (spec) {
    var chart = echarts.init(document.getElementById(spec.id), null, { renderer: 'canvas' });
    chart.setOption(builders[spec.kind](spec));
    instances.push(chart);
  });
  window.addEventListener('resize', function () {
    instances.forEach(function (c) { c.resize(); });
  });
})();
`;
