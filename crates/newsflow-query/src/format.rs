//! File formats: which DataFusion reader a table's files need, told by their extensions
//! (`part-0.parquet`, `part-1.json.gz`) or given by the user (`NAME=PATH:csv.zst`).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use datafusion::common::parsers::CompressionTypeVariant;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;

/// What the bytes of a file are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Parquet,
    /// JSON lines: one object per line (what newsflow's and Flink's JSON sinks write).
    Json,
    /// CSV; whether a header line comes first is [`TableFormat::csv_header`].
    Csv,
}

/// Whole-file compression of JSON and CSV files (Parquet compresses inside the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Bzip2,
    Xz,
}

/// The format of a table's files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableFormat {
    pub kind: FileKind,
    pub compression: Compression,
    /// CSV only: the first line of every file is a header. newsflow's and Flink's CSV
    /// sinks write none, so this is off unless asked for (columns are then
    /// `column_1`, `column_2`, …).
    pub csv_header: bool,
}

impl FileKind {
    fn name(self) -> &'static str {
        match self {
            FileKind::Parquet => "parquet",
            FileKind::Json => "json",
            FileKind::Csv => "csv",
        }
    }
}

impl Compression {
    fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Zstd => ".zst",
            Compression::Bzip2 => ".bz2",
            Compression::Xz => ".xz",
        }
    }

    fn variant(self) -> CompressionTypeVariant {
        match self {
            Compression::None => CompressionTypeVariant::UNCOMPRESSED,
            Compression::Gzip => CompressionTypeVariant::GZIP,
            Compression::Zstd => CompressionTypeVariant::ZSTD,
            Compression::Bzip2 => CompressionTypeVariant::BZIP2,
            Compression::Xz => CompressionTypeVariant::XZ,
        }
    }
}

impl TableFormat {
    pub fn new(kind: FileKind, compression: Compression) -> TableFormat {
        TableFormat {
            kind,
            compression,
            csv_header: false,
        }
    }

    /// The format a file name's extension says, if it says one: `x.parquet`, `x.json`,
    /// `x.jsonl`, `x.ndjson`, `x.csv`, each of the text ones optionally followed by
    /// `.gz`, `.zst`, `.bz2` or `.xz`.
    pub fn from_file_name(name: &str) -> Option<TableFormat> {
        let lower = name.to_ascii_lowercase();
        let (stem, compression) = [
            (".gz", Compression::Gzip),
            (".gzip", Compression::Gzip),
            (".zst", Compression::Zstd),
            (".zstd", Compression::Zstd),
            (".bz2", Compression::Bzip2),
            (".xz", Compression::Xz),
        ]
        .iter()
        .find_map(|(suffix, c)| lower.strip_suffix(suffix).map(|s| (s, *c)))
        .unwrap_or((lower.as_str(), Compression::None));
        let (_, ext) = stem.rsplit_once('.')?;
        let kind = match ext {
            "parquet" | "parq" => FileKind::Parquet,
            "json" | "jsonl" | "ndjson" => FileKind::Json,
            "csv" => FileKind::Csv,
            _ => return None,
        };
        if kind == FileKind::Parquet && compression != Compression::None {
            return None;
        }
        Some(TableFormat::new(kind, compression))
    }

    /// Whether a file of this name is one of this format's (by its extension; the CSV
    /// header flag plays no part).
    pub fn matches_file_name(&self, name: &str) -> bool {
        TableFormat::from_file_name(name).is_some_and(|f| f.kind == self.kind && f.compression == self.compression)
    }

    /// DataFusion's reader for this format.
    pub fn file_format(&self) -> Arc<dyn FileFormat> {
        let variant = self.compression.variant();
        match self.kind {
            FileKind::Parquet => Arc::new(ParquetFormat::default()),
            FileKind::Json => Arc::new(
                JsonFormat::default()
                    .with_newline_delimited(true)
                    .with_file_compression_type(variant.into()),
            ),
            FileKind::Csv => Arc::new(
                CsvFormat::default()
                    .with_has_header(self.csv_header)
                    .with_file_compression_type(variant.into()),
            ),
        }
    }
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.name(), self.compression.suffix())?;
        if self.kind == FileKind::Csv && self.csv_header {
            write!(f, " (with header)")?;
        }
        Ok(())
    }
}

/// `parquet`, `json`, `csv`, the text ones optionally with `.gz`, `.zst`, `.bz2`, `.xz`.
impl FromStr for TableFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<TableFormat, String> {
        TableFormat::from_file_name(&format!("x.{s}")).ok_or_else(|| {
            format!(
                "unknown file format '{s}': expected parquet, json or csv, the last two \
                 optionally compressed (json.gz, csv.zst, json.bz2, csv.xz)"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        let f = |n: &str| TableFormat::from_file_name(n).map(|f| f.to_string());
        assert_eq!(f("part-0.parquet").as_deref(), Some("parquet"));
        assert_eq!(f("part-1-2.json").as_deref(), Some("json"));
        assert_eq!(f("a.JSONL").as_deref(), Some("json"));
        assert_eq!(f("a.csv.gz").as_deref(), Some("csv.gz"));
        assert_eq!(f("a.json.zst").as_deref(), Some("json.zst"));
        assert_eq!(f("a.parquet.gz"), None);
        assert_eq!(f("a.txt"), None);
        assert_eq!(f("parquet"), None);
        assert_eq!(f("_SUCCESS"), None);
    }

    #[test]
    fn parse() {
        assert_eq!(
            "csv.gz".parse::<TableFormat>(),
            Ok(TableFormat::new(FileKind::Csv, Compression::Gzip))
        );
        assert!("avro".parse::<TableFormat>().is_err());
    }
}
