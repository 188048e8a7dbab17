//! Planner golden tests (as RisingWave keeps them): every `tests/plans/NAME.sql` is a
//! script, and so is every example the README points users to (`examples/NAME.sql`); each
//! INSERT / SELECT in it is planned and its plan (or its error, with line and column) is
//! written below the statement's first line. The result must equal `tests/plans/NAME.plan`.
//!
//! `cargo test -p newsflow-sql --test plans [-- <substring>]`;
//! `NEWSFLOW_BLESS=1 cargo test -p newsflow-sql --test plans` rewrites the `.plan` files
//! (review the diff before committing it).
//!
//! A parse error stops a script (the parser reads the whole script first), so a parse
//! error case is a file of its own. A planning error stops only its own statement.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use newsflow_sql::{parse_statements, plan_insert, plan_query, Catalog, Plan, Statement};

fn main() {
    let dir = Path::new(&manifest_dir()).join("tests/plans");
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let bless = std::env::var_os("NEWSFLOW_BLESS").is_some_and(|v| v != "0");
    let examples = Path::new(&manifest_dir()).join("../../examples");
    let mut files: Vec<PathBuf> = [&dir, &examples]
        .into_iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display())))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .filter(|p| filter.is_empty() || filter.iter().any(|f| p.to_string_lossy().contains(f.as_str())))
        .collect();
    files.sort_by_key(|p| p.file_name().map(|n| n.to_os_string()));
    let mut failed = 0;
    for file in &files {
        let sql = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let actual = explain_script(&sql);
        let expected_path = dir.join(file.file_name().unwrap_or_default()).with_extension("plan");
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if bless {
            std::fs::write(&expected_path, &actual)
                .unwrap_or_else(|e| panic!("writing {}: {e}", expected_path.display()));
            println!("blessed {name}");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected == actual {
            println!("ok   {name}");
        } else {
            failed += 1;
            println!("FAIL {name}: the plans differ from {}", expected_path.display());
            print_diff(&expected, &actual);
        }
    }
    println!("{} plan files, {failed} failed", files.len());
    if failed > 0 {
        println!("if the new plans are right: NEWSFLOW_BLESS=1 cargo test -p newsflow-sql --test plans");
        std::process::exit(1);
    }
}

/// The plan (or error) of every INSERT and SELECT of a script, in order.
fn explain_script(sql: &str) -> String {
    let mut out = String::new();
    let statements = match parse_statements(sql) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(out, "parse error: {e}");
            return out;
        }
    };
    let mut catalog = Catalog::default();
    for stmt in &statements {
        let ddl = match stmt {
            Statement::CreateTable(ct) => catalog.add_table(ct),
            Statement::CreateModel(cm) => catalog.add_model(cm),
            Statement::CreateFunction(cf) => catalog.add_function(cf).map(|_| ()),
            Statement::Set { key, value, .. } => {
                catalog.settings.insert(key.clone(), value.clone());
                Ok(())
            }
            Statement::CreateView { name, query, .. } => plan_query(&catalog, query).map(|_| {
                catalog.views.insert(name.clone(), (**query).clone());
            }),
            Statement::Insert { .. } | Statement::Query { .. } => Ok(()),
        };
        let span = stmt.span();
        let first_line = sql
            .lines()
            .nth(span.line.saturating_sub(1) as usize)
            .unwrap_or("")
            .trim();
        let planned = match stmt {
            Statement::Insert {
                table,
                columns,
                query,
                span,
            } => plan_insert(&catalog, table, columns, query, *span),
            Statement::Query { query, .. } => plan_query(&catalog, query),
            _ => {
                if let Err(e) = ddl {
                    let _ = writeln!(out, "-- line {}: {first_line}\nerror: {e}\n", span.line);
                }
                continue;
            }
        };
        let _ = writeln!(out, "-- line {}: {first_line}", span.line);
        match planned {
            Ok(mut p) => {
                p.plan.prune_columns();
                explain(&p.plan, 0, &mut out);
            }
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
            }
        }
        out.push('\n');
    }
    out
}

/// A plan node per line (its `newsflow explain` line), each followed by its output columns.
fn explain(plan: &Plan, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let text = plan.to_string();
    let line = text.lines().next().unwrap_or("").trim();
    let columns: Vec<String> = plan
        .schema()
        .fields
        .iter()
        .map(|f| {
            format!(
                "{} {}{}",
                f.name,
                f.data_type,
                if f.rowtime { " *ROWTIME*" } else { "" }
            )
        })
        .collect();
    let _ = writeln!(out, "{pad}{line}\n{pad}  -> {}", columns.join(", "));
    match plan {
        Plan::Scan { .. } => {}
        Plan::Calc { input, .. } | Plan::Analyze { input, .. } | Plan::WindowAggregate { input, .. } => {
            explain(input, depth + 1, out)
        }
        Plan::IntervalJoin { left, right, .. }
        | Plan::NewsImpact {
            news: left,
            trades: right,
            ..
        } => {
            explain(left, depth + 1, out);
            explain(right, depth + 1, out);
        }
        Plan::Union { inputs, .. } => {
            for input in inputs {
                explain(input, depth + 1, out);
            }
        }
    }
}

fn print_diff(expected: &str, actual: &str) {
    // The first difference, with the statement around it from both sides.
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let first = (0..e.len().max(a.len())).find(|i| e.get(*i) != a.get(*i)).unwrap_or(0);
    let from = first.saturating_sub(3);
    for (label, lines) in [("expected", &e), ("actual", &a)] {
        println!("  {label} (from line {}):", from + 1);
        for l in lines.iter().skip(from).take(12) {
            println!("    {l}");
        }
    }
}

/// The crate's directory, read when the test runs (a binary built in another checkout
/// must not read that checkout's files).
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string())
}
