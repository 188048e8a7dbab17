//! The reaction-curve chart of `newsflow impact-report --svg`: mean return by minute
//! around the news, one line per label with its 95 % band, as a self-contained SVG.

use std::fmt::Write;

/// One point of a curve: minute relative to the news, mean return, 95 % half-width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    pub minute: i64,
    pub mean: f64,
    pub ci95: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    /// How many news items are behind the curve (shown in the legend).
    pub news: i64,
    pub points: Vec<CurvePoint>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 120.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

fn colour(label: &str) -> &'static str {
    match label {
        "good" => "#1a9850",
        "bad" => "#d73027",
        "neutral" => "#636363",
        _ => "#4575b4",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A "nice" tick step for a range: 1, 2 or 5 times a power of ten.
fn tick_step(range: f64) -> f64 {
    let raw = range / 6.0;
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
}

/// The chart as SVG text (returns in percent on the y axis, minutes on the x axis).
pub fn reaction_chart(curves: &[Curve]) -> String {
    let points = curves.iter().flat_map(|c| c.points.iter());
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    let (mut x0, mut x1) = (-5i64, 9i64);
    for p in points {
        lo = lo.min((p.mean - p.ci95) * 100.0);
        hi = hi.max((p.mean + p.ci95) * 100.0);
        x0 = x0.min(p.minute);
        x1 = x1.max(p.minute);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |m: f64| LEFT + (m - x0 as f64) / ((x1 - x0).max(1) as f64) * plot_w;
    let y = |pct: f64| TOP + (hi - pct) / (hi - lo) * plot_h;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15">Mean reaction to news by label (95 % bands)</text>"#,
        WIDTH / 2.0
    );
    // Grid and y ticks.
    let step = tick_step(hi - lo);
    let mut t = (lo / step).ceil() * step;
    while t <= hi {
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e0e0e0"/><text x="{}" y="{:.1}" text-anchor="end">{t:.2} %</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(t) + 4.0,
            y = y(t)
        );
        t += step;
    }
    // x ticks every minute, labelled every other one.
    for m in x0..=x1 {
        let _ = writeln!(
            s,
            r##"<line x1="{xm:.1}" x2="{xm:.1}" y1="{}" y2="{}" stroke="#999"/>"##,
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 4.0,
            xm = x(m as f64)
        );
        if m % 2 == 0 || m == x1 {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{m:+}</text>"#,
                x(m as f64),
                HEIGHT - BOTTOM + 18.0
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">minutes after the news (bar k: [k, k+1) min)</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 10.0
    );
    // Axes, zero line and the news time.
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>"##
    );
    if lo < 0.0 && hi > 0.0 {
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{y0:.1}" y2="{y0:.1}" stroke="#333" stroke-dasharray="4 3"/>"##,
            WIDTH - RIGHT,
            y0 = y(0.0)
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{xn:.1}" x2="{xn:.1}" y1="{TOP}" y2="{}" stroke="#333" stroke-dasharray="2 3"/><text x="{:.1}" y="{}" font-size="11">news</text>"##,
        HEIGHT - BOTTOM,
        x(0.0) + 3.0,
        TOP + 12.0,
        xn = x(0.0)
    );
    // Bands, then lines, then the legend.
    for c in curves {
        let mut pts: Vec<CurvePoint> = c.points.clone();
        pts.sort_by_key(|p| p.minute);
        let upper = pts
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.minute as f64), y((p.mean + p.ci95) * 100.0)));
        let lower = pts
            .iter()
            .rev()
            .map(|p| format!("{:.1},{:.1}", x(p.minute as f64), y((p.mean - p.ci95) * 100.0)));
        let band: Vec<String> = upper.chain(lower).collect();
        let _ = writeln!(
            s,
            r#"<polygon points="{}" fill="{}" fill-opacity="0.15" stroke="none"/>"#,
            band.join(" "),
            colour(&c.label)
        );
    }
    for (i, c) in curves.iter().enumerate() {
        let mut pts: Vec<CurvePoint> = c.points.clone();
        pts.sort_by_key(|p| p.minute);
        let line: Vec<String> = pts
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.minute as f64), y(p.mean * 100.0)))
            .collect();
        let col = colour(&c.label);
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{col}" stroke-width="2"/>"#,
            line.join(" ")
        );
        let ly = TOP + 20.0 + 20.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{}" x2="{}" y1="{ly}" y2="{ly}" stroke="{col}" stroke-width="3"/><text x="{}" y="{}">{} ({})</text>"#,
            WIDTH - RIGHT + 12.0,
            WIDTH - RIGHT + 36.0,
            WIDTH - RIGHT + 42.0,
            ly + 4.0,
            escape(&c.label),
            c.news
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_a_line_and_a_band_per_label_and_escapes_labels() {
        let curve = |label: &str, sign: f64| Curve {
            label: label.to_string(),
            news: 3,
            points: (-5..10)
                .map(|m| CurvePoint {
                    minute: m,
                    mean: if m >= 0 { sign * 0.02 } else { 0.0 },
                    ci95: 0.004,
                })
                .collect(),
        };
        let svg = reaction_chart(&[curve("good", 1.0), curve("bad", -1.0), curve("<x>", 0.0)]);
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert_eq!(svg.matches("<polygon").count(), 3);
        assert!(svg.contains("&lt;x&gt; (3)") && !svg.contains("<x>"));
        assert!(svg.contains("#1a9850") && svg.contains("#d73027"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(tick_step(6.0), 1.0);
        assert_eq!(tick_step(0.6), 0.1);
        assert_eq!(tick_step(10.0), 2.0);
    }
}
