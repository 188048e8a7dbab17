//! SQL data types, named and printed the way Flink names them.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DataType {
    Boolean,
    Int,
    BigInt,
    Float,
    Double,
    /// DECIMAL(precision, scale); values are carried as f64 (see ARCHITECTURE.md).
    Decimal(u8, u8),
    /// STRING is VARCHAR(2147483647); VARCHAR(n) keeps its declared length for display only:
    /// like Flink, values longer than n are not truncated.
    Varchar(Option<u32>),
    Date,
    /// TIMESTAMP(p): wall-clock time with no zone, epoch milliseconds.
    Timestamp(u8),
    /// TIMESTAMP_LTZ(p): an instant, epoch milliseconds UTC.
    TimestampLtz(u8),
    /// INTERVAL as milliseconds (only as an expression type, never a column).
    Interval,
    /// The type of a bare NULL literal.
    Null,
}

impl DataType {
    pub const STRING: DataType = DataType::Varchar(None);

    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            DataType::Int | DataType::BigInt | DataType::Float | DataType::Double | DataType::Decimal(..)
        )
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, DataType::Int | DataType::BigInt)
    }
    pub fn is_string(&self) -> bool {
        matches!(self, DataType::Varchar(_))
    }
    pub fn is_timestamp(&self) -> bool {
        matches!(self, DataType::Timestamp(_) | DataType::TimestampLtz(_))
    }

    /// Can a value of `self` be written into a column of type `to` without an explicit CAST
    /// and without losing information? (INT → BIGINT/DOUBLE/STRING, any → STRING, …)
    pub fn implicitly_casts_to(&self, to: &DataType) -> bool {
        use DataType::*;
        if self == to || *self == Null {
            return true;
        }
        matches!(
            (self, to),
            (Int, BigInt | Float | Double | Decimal(..))
                | (BigInt, Double | Decimal(..))
                | (Float, Double)
                | (Decimal(..), Double | Decimal(..))
                | (Varchar(_), Varchar(_))
                | (Boolean | Int | BigInt | Decimal(..) | Date | Timestamp(_), Varchar(_))
                | (Timestamp(_), Timestamp(_))
                | (TimestampLtz(_), TimestampLtz(_))
        )
    }

    /// The common type two operands are widened to for comparison or arithmetic.
    pub fn common(a: &DataType, b: &DataType) -> Option<DataType> {
        use DataType::*;
        if a == b {
            return Some(a.clone());
        }
        Some(match (a, b) {
            (Null, x) | (x, Null) => x.clone(),
            (Int, BigInt) | (BigInt, Int) => BigInt,
            (Float | Double, x) | (x, Float | Double) if x.is_numeric() => Double,
            (Decimal(p, s), x) | (x, Decimal(p, s)) if x.is_integer() => Decimal(*p, *s),
            (Decimal(p1, s1), Decimal(p2, s2)) => Decimal((*p1).max(*p2), (*s1).max(*s2)),
            (Varchar(_), Varchar(_)) => DataType::STRING,
            (Timestamp(p), Timestamp(q)) => Timestamp((*p).max(*q)),
            (Timestamp(p), Varchar(_)) | (Varchar(_), Timestamp(p)) => Timestamp(*p),
            (Date, Varchar(_)) | (Varchar(_), Date) => Date,
            _ => return None,
        })
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Boolean => write!(f, "BOOLEAN"),
            DataType::Int => write!(f, "INT"),
            DataType::BigInt => write!(f, "BIGINT"),
            DataType::Float => write!(f, "FLOAT"),
            DataType::Double => write!(f, "DOUBLE"),
            DataType::Decimal(p, s) => write!(f, "DECIMAL({p}, {s})"),
            DataType::Varchar(None) => write!(f, "STRING"),
            DataType::Varchar(Some(n)) => write!(f, "VARCHAR({n})"),
            DataType::Date => write!(f, "DATE"),
            DataType::Timestamp(p) => write!(f, "TIMESTAMP({p})"),
            DataType::TimestampLtz(p) => write!(f, "TIMESTAMP_LTZ({p})"),
            DataType::Interval => write!(f, "INTERVAL"),
            DataType::Null => write!(f, "NULL"),
        }
    }
}
