// newsflow dashboard: live tables. Each bare SELECT of the script is a card with its SQL,
// its newest rows (newest first) and, when it has a text and a number column, a bar chart
// of the latest number per text value. The page keeps MAX_ROWS rows per query, as the
// server does; rows carry sequence numbers so a snapshot and the events never double up.
"use strict";
window.newsflowQueries = (function () {
  const MAX_ROWS = 500;      // kept per query (the server keeps as many)
  const SHOWN_ROWS = 100;    // rows in the table
  const MAX_BARS = 30;       // categories in the bar chart
  const NUMERIC = /^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC)/i;
  const TEXT = /^(STRING|VARCHAR|CHAR)/i;
  const queries = new Map(); // id -> {meta, rows: [[seq, cells]], last, card, chart, dirty}

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  const show = (v) => (v == null ? "NULL" : typeof v === "number" ? String(v) : String(v));

  // The bar chart's columns: the first text column and the first number column.
  function barColumns(cols) {
    const cat = cols.findIndex((c) => TEXT.test(c.type));
    const val = cols.findIndex((c) => NUMERIC.test(c.type));
    return cat >= 0 && val >= 0 ? [cat, val] : null;
  }

  function card(meta) {
    const c = el("div", "query");
    c.dataset.id = String(meta.id);
    const h = el("h3", null, meta.name + " ");
    h.append(el("small", "query-count"));
    c.append(h, el("code", "query-sql", meta.sql));
    const bars = barColumns(meta.columns);
    if (bars) {
      const chart = el("div", "chart query-chart");
      chart.title = `latest ${meta.columns[bars[1]].name} by ${meta.columns[bars[0]].name}`;
      c.append(chart);
    }
    const table = el("table", "query-rows");
    const tr = el("tr");
    for (const col of meta.columns) {
      const th = el("th", null, col.name);
      th.title = col.type;
      tr.append(th);
    }
    table.append(el("thead"), el("tbody"));
    table.tHead.append(tr);
    const wrap = el("div", "query-table");
    wrap.append(table);
    c.append(wrap);
    $list().append(c);
    return c;
  }

  const $list = () => document.querySelector("#queries");

  function ensure(meta) {
    let q = queries.get(meta.id);
    if (!q) {
      q = { meta, rows: [], last: 0, card: card(meta), chart: null, dirty: true };
      queries.set(meta.id, q);
      document.querySelector("#queries-view").hidden = false;
    }
    return q;
  }

  function add(q, firstSeq, rows, total, finished) {
    rows.forEach((cells, i) => {
      const seq = firstSeq + i;
      if (seq > q.last) { q.rows.push([seq, cells]); q.last = seq; }
    });
    if (q.rows.length > MAX_ROWS) q.rows.splice(0, q.rows.length - MAX_ROWS);
    q.meta.total = Math.max(q.meta.total || 0, total);
    q.meta.finished = q.meta.finished || finished;
    q.dirty = true;
  }

  function draw(q) {
    q.dirty = false;
    const shown = q.rows.slice(-SHOWN_ROWS).reverse();
    const body = q.card.querySelector(".query-rows tbody");
    body.replaceChildren(...shown.map(([seq, cells]) => {
      const tr = el("tr");
      tr.dataset.seq = String(seq);
      for (const v of cells) tr.append(el("td", v == null ? "null" : null, show(v)));
      return tr;
    }));
    q.card.dataset.rows = String(q.rows.length);
    q.card.dataset.total = String(q.meta.total || 0);
    q.card.querySelector(".query-count").textContent =
      `${(q.meta.total || 0).toLocaleString("en-US")} rows` +
      (q.meta.total > shown.length ? `, newest ${shown.length} shown` : "") +
      (q.meta.finished ? " · finished" : " · live");
    drawBars(q);
  }

  function drawBars(q) {
    const cols = barColumns(q.meta.columns);
    const box = q.card.querySelector(".query-chart");
    if (!cols || !box) return;
    const latest = new Map();
    for (const [, cells] of q.rows) {
      const k = cells[cols[0]], v = Number(cells[cols[1]]);
      if (k != null && isFinite(v)) { latest.delete(k); latest.set(k, v); }
    }
    // The most recently updated categories, in name order.
    const keys = [...latest.keys()].slice(-MAX_BARS).sort();
    const xs = keys.map((_, i) => i), ys = keys.map((k) => latest.get(k));
    box.dataset.bars = String(keys.length);
    const data = [xs, ys];
    if (!q.chart) {
      const bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 60] }) : undefined;
      q.chart = new uPlot({
        width: Math.max(360, box.clientWidth - 4), height: 200,
        // Bars stand on zero (a range from the smallest value would exaggerate).
        scales: { x: { time: false, range: (u, min, max) => [min - 0.6, max + 0.6] },
                  y: { range: (u, min, max) => [Math.min(0, min), Math.max(0, max) * 1.08 || 1] } },
        axes: [{ values: (u, splits) => splits.map((i) => (Number.isInteger(i) ? q.keys[i] || "" : "")),
                 label: q.meta.columns[cols[0]].name },
               { label: q.meta.columns[cols[1]].name, size: 70 }],
        series: [{ label: q.meta.columns[cols[0]].name, value: (u, i) => (i == null ? "–" : q.keys[i]) },
                 { label: q.meta.columns[cols[1]].name, stroke: "#1565c0", fill: "rgba(21,101,192,.45)", paths: bars, points: { show: false } }],
        legend: { show: true },
      }, data, box);
    }
    q.keys = keys;
    q.chart.setData(data);
  }

  // Redraw what changed, at most four times a second.
  setInterval(() => { for (const q of queries.values()) if (q.dirty) draw(q); }, 250);

  return {
    applyState(list) {
      for (const meta of list || []) {
        const q = ensure(meta);
        add(q, meta.first_seq, meta.rows, meta.total, meta.finished);
      }
    },
    applyRows(ev) {
      const q = queries.get(ev.id);
      if (!q) return; // the next state brings it
      add(q, ev.first_seq, ev.rows, ev.total, ev.finished);
    },
  };
})();
