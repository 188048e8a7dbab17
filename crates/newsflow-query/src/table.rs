//! [`ArchiveTable`]: a DataFusion table over a Hive-partitioned directory of files.
//!
//! Each scan walks the directory tree again (new part files and partitions written since
//! registration are seen), descending only into the `key=value` directories that the
//! query's filters on partition columns can match, and hands DataFusion's file reader
//! exactly the files of those directories, each with its typed partition values. Such
//! filters are applied completely by this pruning (DataFusion does not evaluate them
//! again); filters on other columns go to the file reader (Parquet row-group pruning)
//! and are evaluated on the rows.

use std::fmt;
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{project_schema, Column, DFSchema, DataFusionError};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::helpers::expr_applicable_for_cols;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use crate::discover::{self, Prune, Tree};
use crate::format::TableFormat;

/// Where a table's files are: an object store and the table's root in it.
#[derive(Clone)]
pub struct Location {
    /// The store's URL as registered on the session (`file://`, `s3://bucket`).
    pub url: ObjectStoreUrl,
    pub store: Arc<dyn ObjectStore>,
    /// The table's root directory in the store.
    pub root: Path,
    /// The location as the user gave it, for messages.
    pub display: String,
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// Which of a leaf directory's visible files are the table's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileSelection {
    /// Those with the format's extension (`.parquet`, `.json.gz`, …).
    Extension,
    /// All of them: the format was given and no file has a known extension (Flink's
    /// own part files have none).
    All,
}

impl FileSelection {
    /// Whether a file of a table of this format is one of the table's.
    pub fn selects(self, format: &TableFormat, file: &ObjectMeta) -> bool {
        match self {
            FileSelection::All => true,
            FileSelection::Extension => file.location.filename().is_some_and(|n| format.matches_file_name(n)),
        }
    }
}

/// A Hive-partitioned directory of Parquet, JSON-lines or CSV files as a table.
#[derive(Debug)]
pub struct ArchiveTable {
    location: Location,
    format: TableFormat,
    file_format: Arc<dyn FileFormat>,
    selection: FileSelection,
    partition_cols: Vec<(String, DataType)>,
    file_schema: SchemaRef,
    schema: SchemaRef,
}

impl ArchiveTable {
    /// A table of the files under `location` with `file_schema` (without the partition
    /// columns, which come after the file's columns in the table's schema).
    pub fn new(
        location: Location,
        format: TableFormat,
        selection: FileSelection,
        partition_cols: Vec<(String, DataType)>,
        file_schema: SchemaRef,
    ) -> ArchiveTable {
        let fields = file_schema
            .fields()
            .iter()
            .cloned()
            .chain(partition_fields(&partition_cols))
            .collect::<Vec<_>>();
        let schema = Arc::new(Schema::new_with_metadata(fields, file_schema.metadata().clone()));
        ArchiveTable {
            file_format: format.file_format(),
            location,
            format,
            selection,
            partition_cols,
            file_schema,
            schema,
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn format(&self) -> TableFormat {
        self.format
    }

    /// The partition columns, from the root directory level down.
    pub fn partition_columns(&self) -> &[(String, DataType)] {
        &self.partition_cols
    }

    /// The columns stored in the files.
    pub fn file_schema(&self) -> &SchemaRef {
        &self.file_schema
    }

    /// Whether a file is one of the table's.
    pub fn selects(&self, file: &ObjectMeta) -> bool {
        self.selection.selects(&self.format, file)
    }

    /// The files a scan with these filters reads, with their partition values: the
    /// files of the leaf directories whose partition values can pass the filters that
    /// use partition columns only (other filters are ignored here).
    pub async fn files(&self, state: &dyn Session, filters: &[Expr]) -> anyhow::Result<Vec<PartitionedFile>> {
        let prune = FilterPrune::new(state, &self.partition_cols, filters)?;
        let keys: Vec<String> = self.partition_cols.iter().map(|(n, _)| n.clone()).collect();
        let tree: Tree = discover::walk(self.location.store.as_ref(), &self.location.root, Some(&keys), &prune)
            .await
            .with_context(|| format!("listing {}", self.location.display))?;
        let mut out = Vec::new();
        for leaf in tree.leaves {
            let values = self
                .partition_cols
                .iter()
                .zip(&leaf.values)
                .map(|((name, ty), v)| discover::typed_value(name, v.as_deref(), ty))
                .collect::<anyhow::Result<Vec<_>>>()?;
            for file in leaf.files.into_iter().filter(|f| self.selects(f)) {
                out.push(PartitionedFile::from(file).with_partition_values(values.clone()));
            }
        }
        Ok(out)
    }

    fn partition_names(&self) -> Vec<&str> {
        self.partition_cols.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Whether this filter uses partition columns only (and so is applied in full by
    /// pruning directories).
    fn on_partitions(&self, filter: &Expr) -> bool {
        !self.partition_cols.is_empty() && expr_applicable_for_cols(&self.partition_names(), filter)
    }
}

fn partition_fields(cols: &[(String, DataType)]) -> Vec<FieldRef> {
    cols.iter()
        .map(|(n, t)| Arc::new(Field::new(n, t.clone(), true)))
        .collect()
}

fn to_df(e: anyhow::Error) -> DataFusionError {
    // Keep DataFusion's own errors as they are (their messages carry positions).
    match e.downcast::<DataFusionError>() {
        Ok(e) => e,
        Err(e) => DataFusionError::External(format!("{e:#}").into()),
    }
}

#[async_trait]
impl TableProvider for ArchiveTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if self.on_partitions(f) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let partition_filters: Vec<Expr> = filters.iter().filter(|f| self.on_partitions(f)).cloned().collect();
        let files = self.files(state, &partition_filters).await.map_err(to_df)?;
        if files.is_empty() {
            let schema = project_schema(&self.schema, projection)?;
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        let groups = FileGroup::new(files).split_files(state.config().target_partitions());
        let table_schema = TableSchema::builder(Arc::clone(&self.file_schema))
            .with_table_partition_cols(partition_fields(&self.partition_cols))
            .build();
        let source = self.file_format.file_source(table_schema);
        let config = FileScanConfigBuilder::new(self.location.url.clone(), source)
            .with_file_groups(groups)
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        self.file_format.create_physical_plan(state, config).await
    }
}

/// Prunes directories by the filters on partition columns: at each level, the filters
/// whose columns all have values by then.
struct FilterPrune {
    /// Per depth (1 = the first level), the filters that first become decidable there,
    /// compiled against the first `depth` partition columns.
    by_depth: Vec<Option<(Arc<dyn PhysicalExpr>, SchemaRef)>>,
    cols: Vec<(String, DataType)>,
}

impl FilterPrune {
    fn new(state: &dyn Session, cols: &[(String, DataType)], filters: &[Expr]) -> anyhow::Result<FilterPrune> {
        let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
        let mut per_depth: Vec<Vec<Expr>> = vec![Vec::new(); cols.len()];
        for filter in filters {
            let filter = unqualified(filter.clone())?;
            if let Some(d) = (1..=cols.len()).find(|&d| expr_applicable_for_cols(&names[..d], &filter)) {
                per_depth[d - 1].push(filter);
            }
        }
        let mut by_depth = Vec::with_capacity(cols.len());
        for (i, exprs) in per_depth.into_iter().enumerate() {
            let Some(expr) = conjunction(exprs) else {
                by_depth.push(None);
                continue;
            };
            let schema = Arc::new(Schema::new(partition_fields(&cols[..=i])));
            let df_schema = DFSchema::try_from(Arc::clone(&schema))?;
            let physical = state.create_physical_expr(expr, &df_schema)?;
            by_depth.push(Some((physical, schema)));
        }
        Ok(FilterPrune {
            by_depth,
            cols: cols.to_vec(),
        })
    }
}

impl Prune for FilterPrune {
    fn keep(&self, values: &[Option<String>]) -> anyhow::Result<bool> {
        let Some(Some((expr, schema))) = values.len().checked_sub(1).map(|i| &self.by_depth[i]) else {
            return Ok(true);
        };
        let arrays = self
            .cols
            .iter()
            .zip(values)
            .map(|((name, ty), v)| {
                discover::typed_value(name, v.as_deref(), ty)?
                    .to_array()
                    .map_err(Into::into)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let batch = RecordBatch::try_new(Arc::clone(schema), arrays)?;
        let result = expr.evaluate(&batch)?.into_array(1)?;
        let keep = result.as_boolean_opt().is_some_and(|b| b.is_valid(0) && b.value(0));
        Ok(keep)
    }
}

/// The filter with its columns unqualified (`t.day` → `day`): pruning evaluates it
/// against the partition columns alone.
fn unqualified(e: Expr) -> Result<Expr> {
    e.transform(|e| {
        Ok(match e {
            Expr::Column(c) if c.relation.is_some() => Transformed::yes(Expr::Column(Column::new_unqualified(c.name))),
            e => Transformed::no(e),
        })
    })
    .map(|t| t.data)
}
