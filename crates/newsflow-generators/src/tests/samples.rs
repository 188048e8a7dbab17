//! `cargo test -p newsflow-generators -- --ignored --nocapture print_samples`

use crate::{by_name, GenOptions};

#[test]
#[ignore]
fn print_samples() {
    for (name, n) in [("news", 24), ("stock", 12), ("sensor", 12)] {
        let opts = GenOptions {
            rows: Some(n),
            max_out_of_order_ms: Some(3_000),
            ..GenOptions::default()
        };
        println!("-- {name}");
        for row in by_name(name, &opts).unwrap() {
            println!("{} {:?}", row.event_time_ms, row.fields);
        }
    }
}
