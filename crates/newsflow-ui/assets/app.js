// newsflow dashboard: one EventSource (/api/events) feeds the news list, the selected
// item's price path, the reaction curves and the pipeline table. What the page keeps is
// capped (MAX_NEWS items with their minutes), so it can stay open for hours.
"use strict";
(function () {
  const MAX_NEWS = 300;
  const COLORS = { good: "#2e7d32", bad: "#c62828", neutral: "#757575" };
  const news = new Map();    // id -> item
  const minutes = new Map(); // id -> Map(minute -> row)
  let selected = null;
  let priceChart = null, reactionChart = null;
  const $ = (s) => document.querySelector(s);
  const fmt = (v, d) => (v == null || !isFinite(v) ? "–" : Number(v).toFixed(d));
  const big = (v) => (v == null ? "–" : Number(v).toLocaleString("en-US"));

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ---- news list
  function addNews(item, atTop) {
    if (news.has(item.id)) {
      const li = document.querySelector(`li.news[data-id="${CSS.escape(item.id)}"]`);
      news.set(item.id, item);
      if (li) fillNews(li, item);
      return;
    }
    news.set(item.id, item);
    const li = el("li");
    li.dataset.id = item.id;
    fillNews(li, item);
    li.addEventListener("click", () => select(item.id));
    const list = $("#news-list");
    if (atTop) list.prepend(li); else list.append(li);
    while (list.children.length > MAX_NEWS) {
      const old = list.lastElementChild;
      news.delete(old.dataset.id);
      minutes.delete(old.dataset.id);
      old.remove();
    }
    $("#news-count").textContent = `${list.children.length} shown`;
  }

  function fillNews(li, item) {
    li.className = `news ${item.label}` + (item.id === selected ? " selected" : "");
    li.replaceChildren(
      el("span", "label", item.label), document.createTextNode(" "),
      el("b", "symbol", item.symbol), document.createTextNode(" "),
      el("span", "summary", item.summary),
      el("div", "meta", `${item.time} · news ${item.news_id}`)
    );
  }

  // ---- the selected item's price path
  function select(id) {
    selected = id;
    for (const li of document.querySelectorAll("li.news.selected")) li.classList.remove("selected");
    const li = document.querySelector(`li.news[data-id="${CSS.escape(id)}"]`);
    if (li) li.classList.add("selected");
    const item = news.get(id);
    $("#detail-title").innerHTML = "";
    $("#detail-title").append(document.createTextNode(`Price path · ${item ? item.symbol + " news " + item.news_id : id} `),
      el("small", null, "per minute, −5 to +10 min; the line marks the news"));
    $("#detail-summary").textContent = item ? `${item.label}: ${item.summary}` : "";
    fetch(`/api/news/${encodeURIComponent(id)}/minutes`)
      .then((r) => (r.ok ? r.json() : null))
      .then((d) => {
        if (!d) return;
        const m = minutes.get(id) || new Map();
        for (const row of d.rows) m.set(row.minute, row);
        minutes.set(id, m);
        if (selected === id) drawPrice();
      });
  }

  function newsOffset(item) {
    // The news moment inside its minute, in minutes (x = 0 is the news minute's start).
    return item ? (item.time_ms % 60000) / 60000 : 0;
  }

  function drawPrice() {
    const box = $("#price-chart");
    const m = minutes.get(selected) || new Map();
    const rows = [...m.values()].sort((a, b) => a.minute - b.minute);
    const data = [rows.map((r) => r.minute), rows.map((r) => r.avg_price), rows.map((r) => r.volume)];
    box.dataset.points = String(rows.length);
    box.dataset.id = selected || "";
    const mark = newsOffset(news.get(selected));
    if (!priceChart) {
      const bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
      priceChart = new uPlot({
        width: Math.max(360, box.clientWidth - 4), height: 240,
        scales: { x: { time: false, range: [-5.5, 10.5] } },
        axes: [{ label: "minutes from the news" }, { label: "avg price", size: 60 },
               { scale: "vol", side: 1, label: "volume", grid: { show: false }, size: 60 }],
        series: [{ label: "minute" },
                 { label: "avg price", stroke: "#1565c0", width: 2, points: { show: true } },
                 { label: "volume", scale: "vol", stroke: "#90a4ae", fill: "rgba(144,164,174,.35)", paths: bars }],
        hooks: { draw: [(u) => {
          const x = u.valToPos(u._newsMark || 0, "x", true);
          const ctx = u.ctx;
          ctx.save(); ctx.strokeStyle = "#ef6c00"; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
          ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
          ctx.restore();
        }] },
      }, data, box);
    }
    priceChart._newsMark = mark;
    priceChart.setData(data);
  }

  // ---- reaction curves
  function drawReaction(r) {
    const box = $("#reaction-chart");
    const xs = [];
    for (let k = -5; k <= 10; k++) xs.push(k);
    const labels = ["good", "bad", "neutral"];
    const pct = (l) => (r[l] ? r[l].points.map((p) => (p.mean_return == null ? null : p.mean_return * 100)) : xs.map(() => null));
    const data = [xs, ...labels.map(pct)];
    const counts = labels.map((l) => (r[l] ? r[l].items : 0));
    box.dataset.counts = counts.join(",");
    if (!reactionChart) {
      reactionChart = new uPlot({
        width: Math.max(360, box.clientWidth - 4), height: 240,
        scales: { x: { time: false } },
        axes: [{ label: "minutes from the news" }, { label: "return %", size: 60 }],
        series: [{ label: "minute" }, ...labels.map((l) => ({ label: l, stroke: COLORS[l], width: 2, spanGaps: true, points: { show: true } }))],
      }, data, box);
    } else {
      reactionChart.setData(data);
    }
    labels.forEach((l, i) => {
      const lab = box.querySelectorAll(".u-legend .u-series .u-label")[i + 1];
      if (lab) lab.textContent = `${l} (${counts[i]} items)`;
    });
  }

  // ---- pipeline
  function lag(s) {
    if (s == null) return "–";
    const a = Math.abs(s);
    const t = a < 120 ? `${a.toFixed(1)} s` : a < 7200 ? `${(a / 60).toFixed(1)} min` : a < 172800 ? `${(a / 3600).toFixed(1)} h` : `${(a / 86400).toFixed(0)} d`;
    return s < 0 ? `ahead ${t}` : t;
  }

  function drawPipeline(p) {
    if (!p || !p.operators) return;
    $("#job").textContent = p.job;
    const st = $("#status");
    st.textContent = p.finished ? "finished" : "live";
    st.className = "status " + (p.finished ? "finished" : "live");
    $("#pipeline-meta").textContent = `snapshot ${p.seq}, running ${fmt(p.elapsed_s, 0)} s`;
    const read = p.rows_read.reduce((a, r) => a + r.rows, 0);
    const dead = p.dead_letters.reduce((a, r) => a + r.rows, 0);
    $("#totals").textContent = `read ${big(read)} rows · late ${big(p.late_rows)} · dead letters ${big(dead)}`;
    const tb = $("#operators tbody");
    tb.replaceChildren(...p.operators.map((o) => {
      const tr = el("tr");
      tr.dataset.id = o.id;
      const wm = o.watermark_ms == null ? "–" : new Date(o.watermark_ms).toISOString().replace("T", " ").slice(0, 19);
      for (const c of [o.pipeline, o.operator, fmt(o.rows_in_per_s, 0), fmt(o.rows_out_per_s, 0), big(o.rows_in),
        big(o.rows_out), wm, lag(o.watermark_lag_s), big(o.late_rows), big(o.state)]) tr.append(el("td", null, c));
      tr.children[1].title = o.operator;
      return tr;
    }));
    const extra = $("#pipeline-extra");
    const lines = [];
    for (const l of p.llm) {
      const errs = Object.entries(l.errors || {}).map(([k, v]) => `${k} ${v}`).join(", ");
      lines.push(`LLM ${l.provider} ${l.model}: ${l.in_flight} in flight (limit ${l.in_flight_limit}, peak ${l.in_flight_peak}), ${l.calls} calls, ${l.failed} errors${errs ? " (" + errs + ")" : ""}, ` +
        `latency mean ${fmt(l.latency_mean_ms, 0)} ms max ${fmt(l.latency_max_ms, 0)} ms, cost $${fmt(l.cost_usd, 4)}`);
    }
    if (p.llm.length === 0) lines.push("LLM: none (the offline analyser runs inline)");
    const c = p.checkpoints;
    lines.push(c.completed > 0
      ? `Checkpoints: ${c.completed}, last #${c.last_id} ${big(c.last_bytes)} bytes in ${fmt(c.last_duration_ms, 1)} ms, ${fmt(c.age_s, 1)} s ago`
      : "Checkpoints: none taken");
    for (const d of p.dead_letters) lines.push(`Dead letters: ${big(d.rows)} of ${d.table} → ${d.path}`);
    extra.replaceChildren(...lines.map((t) => el("div", null, t)));
  }

  // ---- the live stream
  function applyState(s) {
    const list = $("#news-list");
    list.replaceChildren();
    news.clear();
    minutes.clear();
    for (const item of s.news.slice().reverse()) addNews(item, true);
    drawReaction(s.reaction);
    drawPipeline(s.pipeline);
    window.newsflowQueries.applyState(s.queries);
    // A script without the flagship's news topics: its live tables instead of empty views.
    document.body.classList.toggle("no-news", s.news.length === 0 && (s.queries || []).length > 0);
    if (selected && news.has(selected)) select(selected);
  }

  // What the page has received, for a look from the console (and the tests).
  const stats = (window.newsflowStats = { events: 0, bytes: 0, states: 0 });

  function connect() {
    const es = new EventSource("/api/events");
    const on = (kind, f) => es.addEventListener(kind, (e) => {
      stats.events++;
      stats.bytes += e.data.length;
      f(JSON.parse(e.data));
    });
    on("state", (s) => { stats.states++; applyState(s); });
    on("news", (item) => {
      document.body.classList.remove("no-news");
      addNews(item, true);
    });
    on("minute", ({ id, row }) => {
      if (!news.has(id)) return;
      let m = minutes.get(id);
      if (!m) { m = new Map(); minutes.set(id, m); }
      m.set(row.minute, row);
      if (id === selected) drawPrice();
    });
    on("reaction", drawReaction);
    on("pipeline", drawPipeline);
    on("rows", (ev) => window.newsflowQueries.applyRows(ev));
    es.onerror = () => {
      const st = $("#status");
      if (!st.classList.contains("finished")) { st.textContent = "disconnected, retrying"; st.className = "status down"; }
    };
  }
  connect();
})();
