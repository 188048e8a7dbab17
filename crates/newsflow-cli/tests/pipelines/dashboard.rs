//! The dashboard in a real browser: `newsflow demo` serves it, headless Chromium (driven
//! over the DevTools protocol, with the small WebSocket client below) loads it, news rows
//! and the reaction chart appear, a click on a news item draws its price path, and the
//! screenshots go to `test-artifacts/` (git-ignored) at the workspace root.
//!
//! Chromium: `NEWSFLOW_CHROMIUM`, else `chromium` on the PATH (scripts/test installs the
//! Debian package). Without it this test fails, it is never skipped silently.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value as Json};

fn chromium() -> PathBuf {
    if let Ok(p) = std::env::var("NEWSFLOW_CHROMIUM") {
        return PathBuf::from(p);
    }
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        for name in ["chromium", "chromium-browser"] {
            let p = Path::new(dir).join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("no chromium: set NEWSFLOW_CHROMIUM or run the tests through scripts/test, which installs it")
}

fn artifacts() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A process killed (by its id) when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A plain HTTP GET of `url` (`http://host:port/path`): status and body.
fn http_get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = TcpStream::connect(host).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    // Up to Content-Length when given (Chromium's DevTools server keeps the connection open).
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            });
            if len.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
        let n = s.read(&mut buf).expect("read the response");
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let raw = String::from_utf8(raw).expect("a UTF-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    (
        head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0),
        body.to_string(),
    )
}

/// Just enough of a WebSocket client (RFC 6455) for the DevTools protocol: masked text
/// frames out, text frames (possibly fragmented) in.
struct Cdp {
    s: TcpStream,
    next_id: u64,
}

impl Cdp {
    fn connect(ws_url: &str) -> Cdp {
        let rest = ws_url.strip_prefix("ws://").expect("a ws:// URL");
        let (host, path) = rest.split_once('/').expect("a path");
        let mut s = TcpStream::connect(host).expect("connect to the DevTools socket");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut b).expect("the handshake");
            head.push(b[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "no WebSocket upgrade: {head}");
        Cdp { s, next_id: 0 }
    }

    fn send_text(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81u8];
        let len = payload.len();
        if len < 126 {
            frame.push(0x80 | len as u8);
        } else if len <= u16::MAX as usize {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.s.write_all(&frame).expect("send to the browser");
    }

    fn recv_text(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut h = [0u8; 2];
            self.s.read_exact(&mut h).expect("a frame from the browser");
            let (fin, opcode) = (h[0] & 0x80 != 0, h[0] & 0x0f);
            let mut len = (h[1] & 0x7f) as u64;
            if len == 126 {
                let mut l = [0u8; 2];
                self.s.read_exact(&mut l).unwrap();
                len = u16::from_be_bytes(l) as u64;
            } else if len == 127 {
                let mut l = [0u8; 8];
                self.s.read_exact(&mut l).unwrap();
                len = u64::from_be_bytes(l);
            }
            let mut payload = vec![0u8; len as usize];
            self.s.read_exact(&mut payload).unwrap();
            match opcode {
                0x8 => panic!("the browser closed the DevTools socket"),
                0x9 => {
                    // Ping: answer with a pong carrying the same bytes.
                    let mut f = vec![0x8a, 0x80 | payload.len() as u8, 0, 0, 0, 0];
                    f.extend_from_slice(&payload);
                    self.s.write_all(&f).unwrap();
                }
                0xa => {}
                _ => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return String::from_utf8(message).expect("UTF-8 from the browser");
                    }
                }
            }
        }
    }

    /// A command and its result (events in between are skipped).
    fn call(&mut self, method: &str, params: Json) -> Json {
        self.next_id += 1;
        let id = self.next_id;
        self.send_text(&json!({"id": id, "method": method, "params": params}).to_string());
        loop {
            let msg: Json = serde_json::from_str(&self.recv_text()).expect("JSON from the browser");
            if msg["id"] == id {
                assert!(msg.get("error").is_none(), "{method}: {msg}");
                return msg["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page.
    fn eval(&mut self, expr: &str) -> Json {
        let r = self.call("Runtime.evaluate", json!({"expression": expr, "returnByValue": true}));
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    fn wait_for(&mut self, what: &str, expr: &str, timeout: Duration) -> Json {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.eval(expr);
            if v.as_bool() == Some(true) || (v.is_number() && v.as_f64() != Some(0.0)) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what} ({expr} = {v})");
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The page as a PNG in `test-artifacts/NAME`, scaled by `scale` (1: as shown).
    fn screenshot(&mut self, name: &str, scale: f64) -> PathBuf {
        let size = self.eval("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]");
        let clip = json!({"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": scale});
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "clip": clip, "captureBeyondViewport": true}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().expect("screenshot data"))
            .expect("base64 PNG");
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let p = artifacts().join(name);
        std::fs::write(&p, png).unwrap();
        p
    }
}

/// Pixels of a canvas under `sel` within `tol` of an RGB colour.
fn pixels(sel: &str, rgb: (u8, u8, u8)) -> String {
    format!(
        "(() => {{ const c = document.querySelector('{sel} canvas'); if (!c) return 0;
           const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
           for (let i = 0; i < d.length; i += 4)
             if (d[i+3] > 200 && Math.abs(d[i]-{}) < 30 && Math.abs(d[i+1]-{}) < 30 && Math.abs(d[i+2]-{}) < 30) n++;
           return n; }})()",
        rgb.0, rgb.1, rgb.2
    )
}

/// `newsflow ARGS` in `dir`, its stderr kept; the dashboard's address it prints.
fn newsflow_with_dashboard(dir: &Path, args: &[&str], stdout: Stdio) -> (Killed, String, Arc<Mutex<String>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsflow"))
        .current_dir(dir)
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start newsflow");
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // `run` prints `dashboard: URL`, the demo `Dashboard: URL  (what it shows)`.
                if let Some(url) = line
                    .strip_prefix("Dashboard: ")
                    .or_else(|| line.strip_prefix("dashboard: "))
                    .and_then(|r| r.split_whitespace().next())
                {
                    let _ = tx.send(url.to_string());
                }
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("newsflow printed no dashboard address: {}", log.lock().unwrap()));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(http_get(&format!("{url}healthz")), (200, "ok\n".to_string()));
    (Killed(child), url, log)
}

/// Headless Chromium in a fresh profile under `dir`, and its first page over DevTools.
fn browser(dir: &Path) -> (Killed, Cdp) {
    let profile = dir.join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let browser = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
            "--window-size=1400,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let browser = Killed(browser);
    let port_file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    let port = loop {
        if let Some(p) = std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|t| t.lines().next().map(str::to_string))
        {
            if !p.is_empty() {
                break p;
            }
        }
        assert!(Instant::now() < deadline, "chromium wrote no DevToolsActivePort");
        std::thread::sleep(Duration::from_millis(100));
    };
    let (_, targets) = http_get(&format!("http://127.0.0.1:{port}/json/list"));
    let targets: Json = serde_json::from_str(&targets).expect("the target list");
    let ws = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "page")
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .expect("a page target")
        .to_string();
    let mut cdp = Cdp::connect(&ws);
    cdp.call("Page.enable", json!({}));
    (browser, cdp)
}

/// The page's JavaScript heap in use after a full garbage collection, in bytes.
fn heap_after_gc(cdp: &mut Cdp) -> f64 {
    cdp.call("HeapProfiler.collectGarbage", json!({}));
    cdp.call("Runtime.getHeapUsage", json!({}))["usedSize"]
        .as_f64()
        .expect("usedSize")
}

/// Numbers printed by Flink's print format (`+I[sensor-3, 21.5]`) → the row's cells.
fn printed_cells(line: &str) -> Vec<String> {
    line.trim()
        .strip_prefix("+I[")
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or_else(|| panic!("not a printed row: {line}"))
        .split(", ")
        .map(str::to_string)
        .collect()
}

/// Two phases in one browser: a plain script's bare SELECT as a live table, then the demo
/// (news, charts, a click) left open while it sends more news and minute rows than an hour
/// of the default demo, its memory measured.
#[test]
fn dashboard_in_headless_chromium_shows_news_charts_and_a_clicked_items_price_path() {
    let started = Instant::now();
    let dir = super::temp_dir("dashboard");
    let (_browser, mut cdp) = browser(&dir);
    eprintln!("browser up in {:?}", started.elapsed());
    live_table_of_a_bare_select(&dir, &mut cdp);
    demo_news_charts_and_a_long_open_page(&dir, &mut cdp, started);
}

/// The Studio-notebook case: `SELECT … FROM sensor_data` watched as a table and a bar chart;
/// after the job ends (`--ui-linger`) the page's newest row is the last one printed.
fn live_table_of_a_bare_select(dir: &Path, cdp: &mut Cdp) {
    std::fs::write(
        dir.join("sensors.sql"),
        "CREATE TABLE sensor_data (sensor_id INT, temperature DOUBLE) WITH (
  'connector' = 'datagen', 'rows-per-second' = '200',
  'fields.sensor_id.min' = '1', 'fields.sensor_id.max' = '6',
  'fields.temperature.min' = '15', 'fields.temperature.max' = '30');
SELECT CONCAT('sensor-', CAST(sensor_id AS STRING)) AS sensor, temperature FROM sensor_data;
",
    )
    .unwrap();
    let out = std::fs::File::create(dir.join("sensors.out")).unwrap();
    let (_run, url, log) = newsflow_with_dashboard(
        dir,
        &[
            "run",
            "sensors.sql",
            "--duration",
            "12",
            "--ui-port",
            "0",
            "--ui-linger",
        ],
        Stdio::from(out),
    );
    cdp.call("Page.navigate", json!({"url": url}));
    // The table fills while the job runs; the news views stay hidden (no news here).
    let total = cdp.wait_for(
        "live table rows",
        "(() => { const q = document.querySelector('#queries .query'); return q ? +q.dataset.total : 0; })()",
        Duration::from_secs(30),
    );
    assert!(total.as_f64().unwrap() > 0.0);
    assert_eq!(
        cdp.eval("document.body.classList.contains('no-news') && getComputedStyle(document.querySelector('#news-view')).display === 'none'"),
        true
    );
    assert_eq!(
        cdp.eval("document.querySelector('#queries .query .query-sql').textContent"),
        "SELECT CONCAT('sensor-', CAST(sensor_id AS STRING)) AS sensor, temperature FROM sensor_data"
    );
    let bars = cdp.wait_for(
        "bar chart",
        "+(document.querySelector('#queries .query-chart') || {dataset: {}}).dataset.bars || 0",
        Duration::from_secs(10),
    );
    assert!(
        (1.0..=6.0).contains(&bars.as_f64().unwrap()),
        "{bars} bars for six sensors"
    );
    let blue = cdp.wait_for(
        "bar pixels",
        &pixels("#queries .query-chart", (21, 101, 192)),
        Duration::from_secs(10),
    );
    assert!(blue.as_f64().unwrap() > 100.0, "{blue}");
    // The end: the job stops after 12 s and the page says so, the dashboard still up.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !log.lock().unwrap().contains("the dashboard stays up") {
        assert!(
            Instant::now() < deadline,
            "the job did not end: {}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    cdp.wait_for(
        "the query marked finished",
        "(document.querySelector('#queries .query-count') || {}).textContent.includes('finished')",
        Duration::from_secs(10),
    );
    let printed = std::fs::read_to_string(dir.join("sensors.out")).unwrap();
    let lines: Vec<&str> = printed.lines().filter(|l| l.starts_with("+I[")).collect();
    assert!(lines.len() > 500, "only {} rows printed", lines.len());
    let page_total = cdp.eval("+document.querySelector('#queries .query').dataset.total");
    assert_eq!(
        page_total.as_u64(),
        Some(lines.len() as u64),
        "the page counts every row printed"
    );
    // The page's newest rows (newest first) are the last rows printed, in reverse.
    let shown = cdp.eval(
        "[...document.querySelectorAll('#queries .query-rows tbody tr')].slice(0, 20).map(tr => [...tr.children].map(td => td.textContent))",
    );
    for (k, row) in shown.as_array().unwrap().iter().enumerate() {
        let want = printed_cells(lines[lines.len() - 1 - k]);
        assert_eq!(
            row[0].as_str(),
            Some(want[0].as_str()),
            "row {k}: page {shown}, printed last {:?}",
            &lines[lines.len() - 5..]
        );
        let (a, b) = (
            row[1].as_str().unwrap().parse::<f64>().unwrap(),
            want[1].parse::<f64>().unwrap(),
        );
        assert!(
            (a - b).abs() < 1e-9,
            "row {k}: {a} vs {b}: page {shown}, printed last {:?}",
            &lines[lines.len() - 5..]
        );
    }
    assert_eq!(
        cdp.eval("document.querySelectorAll('#queries .query-rows tbody tr').length"),
        100,
        "the newest 100 rows are shown"
    );
    cdp.screenshot("dashboard-query.png", 1.0);
}

fn demo_news_charts_and_a_long_open_page(dir: &Path, cdp: &mut Cdp, started: Instant) {
    // The demo at 3000x for 110 s: about 90 hours of market time, more news items and
    // minute rows than an hour of the default demo (60x) sends.
    let (demo, url) = {
        let (k, url, _log) = newsflow_with_dashboard(
            dir,
            &[
                "demo",
                "--duration",
                "110",
                "--speed-up",
                "3000",
                "--out",
                "out",
                "--ui-port",
                "0",
            ],
            Stdio::null(),
        );
        (k, url)
    };
    let demo_started = Instant::now();
    cdp.call("Page.navigate", json!({"url": url}));

    // News rows appear, coloured by label, and the live status.
    let rows = cdp.wait_for(
        "news rows",
        "document.querySelectorAll('#news-list li.news').length",
        Duration::from_secs(90),
    );
    eprintln!("{rows} news rows after {:?}", started.elapsed());
    assert_eq!(cdp.eval("document.querySelector('#status').textContent"), "live");
    let labelled = cdp.eval(
        "[...document.querySelectorAll('#news-list li.news')].every(li =>
           ['good','bad','neutral'].some(l => li.classList.contains(l)) && li.querySelector('.symbol').textContent.length > 0
           && li.querySelector('.summary').textContent.length > 0)",
    );
    assert_eq!(labelled, true, "a news row without label class, symbol or summary");
    // The pipeline table lists the operators with their counts.
    cdp.wait_for(
        "the pipeline table",
        "document.querySelectorAll('#operators tbody tr').length > 3",
        Duration::from_secs(10),
    );

    // The reaction chart draws curves: counts behind them and pixels in the labels' colours.
    cdp.wait_for(
        "reaction curves",
        "(document.querySelector('#reaction-chart').dataset.counts || '0').split(',').some(c => +c > 0)",
        Duration::from_secs(90),
    );
    let coloured = cdp.wait_for(
        "curve pixels",
        &format!(
            "{} + {} + {}",
            pixels("#reaction-chart", (46, 125, 50)),
            pixels("#reaction-chart", (198, 40, 40)),
            pixels("#reaction-chart", (117, 117, 117))
        ),
        Duration::from_secs(10),
    );
    assert!(coloured.as_f64().unwrap() > 20.0, "{coloured}");

    // Click (a real mouse click at its place) a news item whose minutes the API has.
    let base = url.trim_end_matches('/');
    let deadline = Instant::now() + Duration::from_secs(60);
    let (id, api_rows) = loop {
        let (_, news) = http_get(&format!("{base}/api/news?limit=300"));
        let news: Json = serde_json::from_str(&news).unwrap();
        let found = news.as_array().unwrap().iter().find_map(|i| {
            let id = i["id"].as_str().unwrap().to_string();
            let (_, m) = http_get(&format!("{base}/api/news/{}/minutes", id.replace(':', "%3A")));
            let m: Json = serde_json::from_str(&m).ok()?;
            let n = m["rows"].as_array()?.len();
            (n >= 3).then_some((id, n))
        });
        if let Some(f) = found {
            break f;
        }
        assert!(Instant::now() < deadline, "no news item got three minute rows");
        std::thread::sleep(Duration::from_millis(500));
    };
    let sel = format!("li.news[data-id=\"{id}\"]");
    let rect = cdp.eval(&format!(
        "(() => {{ const e = document.querySelector('{sel}'); e.scrollIntoView({{block: 'center'}});
           const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
    ));
    let (x, y) = (rect[0].as_f64().unwrap(), rect[1].as_f64().unwrap());
    for kind in ["mousePressed", "mouseReleased"] {
        cdp.call(
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
        );
    }
    let points = cdp.wait_for(
        "the clicked item's price path",
        &format!(
            "(() => {{ const b = document.querySelector('#price-chart');
               return b.dataset.id === '{id}' && +b.dataset.points >= {api_rows} ? +b.dataset.points : 0; }})()"
        ),
        Duration::from_secs(20),
    );
    assert!(points.as_u64().unwrap() <= 16, "{points} minutes: more than −5…+10");
    assert_eq!(
        cdp.eval(&format!(
            "document.querySelector('{sel}').classList.contains('selected')"
        )),
        true
    );
    assert!(cdp
        .eval("document.querySelector('#detail-title').textContent")
        .as_str()
        .unwrap()
        .contains("Price path"));
    // The price line (#1565c0) and the news marker (#ef6c00) are drawn.
    let price_px = cdp.wait_for(
        "price line pixels",
        &pixels("#price-chart", (21, 101, 192)),
        Duration::from_secs(10),
    );
    let mark_px = cdp.wait_for(
        "news marker pixels",
        &pixels("#price-chart", (239, 108, 0)),
        Duration::from_secs(10),
    );
    assert!(
        price_px.as_f64().unwrap() > 20.0 && mark_px.as_f64().unwrap() > 20.0,
        "{price_px} {mark_px}"
    );
    let shot = cdp.screenshot("dashboard.png", 1.0);
    // The README's picture is this one, smaller.
    cdp.screenshot("dashboard-small.png", 0.6);
    eprintln!("screenshot {} after {:?}", shot.display(), started.elapsed());

    // /metrics during the run: parseable, counters that only grow.
    let scrape = || {
        let (status, text) = http_get(&format!("{base}/metrics"));
        assert_eq!(status, 200);
        text.lines()
            .filter(|l| l.starts_with("newsflow_source_rows_read_total{"))
            .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
            .sum::<f64>()
    };
    let first = scrape();
    std::thread::sleep(Duration::from_millis(1200));
    let second = scrape();
    assert!(
        first > 0.0 && second > first,
        "rows read did not grow: {first} → {second}"
    );

    // The page left open: its memory after the item caps are reached, and at the end.
    let wait_until = |t: u64| {
        let at = demo_started + Duration::from_secs(t);
        if let Some(d) = at.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
    };
    wait_until(60);
    let heap_mid = heap_after_gc(cdp);
    let events_mid = cdp.eval("newsflowStats.events").as_f64().unwrap();
    wait_until(100);
    let heap_end = heap_after_gc(cdp);
    let asked = Instant::now();
    let stats = cdp.eval(
        "({events: newsflowStats.events, bytes: newsflowStats.bytes, news: document.querySelectorAll('#news-list li').length,
           nodes: document.getElementsByTagName('*').length, status: document.querySelector('#status').textContent,
           queryRows: +(document.querySelector('#queries .query') || {dataset: {rows: 0}}).dataset.rows})",
    );
    let answer = asked.elapsed();
    eprintln!(
        "page after 100 s: {stats}; heap {:.1} MB at 60 s, {:.1} MB at 100 s; {events_mid} events at 60 s; answered in {answer:?}",
        heap_mid / 1e6,
        heap_end / 1e6
    );
    assert_eq!(stats["status"], "live");
    assert!(stats["news"].as_u64().unwrap() <= 300, "{stats}");
    assert!(stats["queryRows"].as_u64().unwrap() <= 500, "{stats}");
    assert!(stats["nodes"].as_u64().unwrap() < 8000, "DOM nodes: {stats}");
    assert!(
        stats["events"].as_f64().unwrap() > events_mid,
        "no events after 60 s: {stats}"
    );
    assert!(
        heap_end < 64e6 && heap_end < heap_mid * 1.5 + 2e6,
        "the page's heap grew from {heap_mid} to {heap_end} bytes"
    );
    assert!(answer < Duration::from_secs(2), "the page took {answer:?} to answer");
    cdp.screenshot("dashboard-after-100s.png", 0.6);
    drop(demo);
    eprintln!("dashboard test took {:?}", started.elapsed());
}
