//! `cargo test -p newsflow-generators --release -- --ignored --nocapture throughput`

use crate::{stock, StockConfig};

#[test]
#[ignore]
fn stock_throughput() {
    let n = 5_000_000u64;
    let start = std::time::Instant::now();
    let mut check = 0i64;
    for row in stock(StockConfig {
        rows: Some(n),
        max_out_of_order_ms: 3_000,
        ..Default::default()
    }) {
        check = check.wrapping_add(row.event_time_ms);
    }
    let secs = start.elapsed().as_secs_f64();
    println!("stock: {:.2} M rows/s (check {check})", n as f64 / secs / 1e6);
}
