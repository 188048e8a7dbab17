//! `newsflow query`: SQL over the archives newsflow (or Flink, or Hive) writes —
//! Hive-partitioned directories of Parquet, JSON-lines or CSV files, local or on S3 —
//! with Apache DataFusion as the engine: what Athena is to an S3 archive.
//!
//! ```text
//! newsflow query --table trades=s3://bucket/archive/trades \
//!     "SELECT symbol, count(*) FROM trades WHERE day = 5 GROUP BY symbol"
//! ```
//!
//! Each `--table NAME=PATH` is walked once at registration: its `key=value` directory
//! levels become typed partition columns (BIGINT, DATE or STRING, from all their values),
//! the file format comes from the files' extensions, and the columns from the files. A
//! query's filters on partition columns then decide which directories are listed and
//! which files are opened at all.
//!
//! Modules, in the order a query meets them:
//! * [`args`]: the command line ([`QueryArgs`]) and [`run`].
//! * [`register`]: a `NAME=PATH[:FORMAT]` spec ([`TableSpec`]) to a registered table.
//! * [`s3`]: the object store for an `s3://` bucket, configured from the environment.
//! * [`discover`]: walking the directory tree, partition values (unescaped, typed).
//! * [`format`]: file formats and their extensions.
//! * [`table`]: [`ArchiveTable`], the DataFusion table provider that prunes directories.
//! * [`session`]: the DataFusion session, running SQL, errors that point into the SQL.
//! * [`statements`]: splitting SQL text at `;`.
//! * [`output`]: results as a text table, CSV or JSON lines.
//! * [`repl`]: the interactive prompt (history, tab completion, `\d`).
//! * [`report`] and [`chart`]: `newsflow impact-report`, the aggregates of `NEWS_IMPACT`
//!   rows (hit rate, abnormal returns with 95 % bands, reaction curves, breakdowns) and
//!   the reaction-curve SVG.

pub mod args;
pub mod chart;
pub mod discover;
pub mod format;
pub mod output;
pub mod register;
pub mod repl;
pub mod report;
pub mod s3;
pub mod session;
pub mod statements;
pub mod table;

pub use args::{run, QueryArgs};
pub use format::{Compression, FileKind, TableFormat};
pub use output::{format_batches, run_sql, write_batches, OutputFormat};
pub use register::{register_table, Registered, TableSpec};
pub use report::ImpactReportArgs;
pub use session::{new_context, query};
pub use table::ArchiveTable;

/// DataFusion as this crate uses it (its `arrow` and `parquet` for tests and tools).
pub use datafusion;
