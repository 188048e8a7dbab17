//! The page and its scripts, compiled into the binary (the dashboard works offline).
//! uPlot 1.6.32 (MIT, `assets/uplot/LICENSE`) is vendored as published on npm.

pub const INDEX_HTML: &str = include_str!("../assets/index.html");

/// An asset by its name under `/assets/`: content type and body.
pub fn get(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "app.js" => ("text/javascript; charset=utf-8", include_str!("../assets/app.js")),
        "queries.js" => ("text/javascript; charset=utf-8", include_str!("../assets/queries.js")),
        "app.css" => ("text/css; charset=utf-8", include_str!("../assets/app.css")),
        "uPlot.iife.min.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../assets/uplot/uPlot.iife.min.js"),
        ),
        "uPlot.min.css" => ("text/css; charset=utf-8", include_str!("../assets/uplot/uPlot.min.css")),
        "uPlot-LICENSE" => ("text/plain; charset=utf-8", include_str!("../assets/uplot/LICENSE")),
        _ => return None,
    })
}
