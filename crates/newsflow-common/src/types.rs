//! SQL data types, named and printed the way Flink names them.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DataType {
    Boolean,
    Int,
    BigInt,
    Float,
    Double,
    /// DECIMAL(precision, scale), precision 1..=38, exact (see [`crate::decimal`]).
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
    /// BYTES is VARBINARY(2147483647); VARBINARY(n) and BINARY(n) keep n for display only
    /// (a CAST cuts and pads to it; a column does not, as with VARCHAR(n)).
    Bytes(Option<u32>),
    /// TIME(p): a time of day in milliseconds, as Flink keeps it (p above 3 holds no more).
    Time(u8),
    /// ARRAY<t>.
    Array(Box<DataType>),
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
    pub fn is_bytes(&self) -> bool {
        matches!(self, DataType::Bytes(_))
    }
    /// BYTES, TIME or ARRAY: the types most functions do not take (they are refused there).
    pub fn is_bytes_time_or_array(&self) -> bool {
        matches!(self, DataType::Bytes(_) | DataType::Time(_) | DataType::Array(_))
    }
    /// Do values of `self` serve as values of `other` unchanged (the same type, or text, bytes,
    /// TIME or TIMESTAMP of another length or precision, or NULL)?
    pub fn same_values(&self, other: &DataType) -> bool {
        use DataType::*;
        self == other
            || matches!(
                (self, other),
                (Null, _)
                    | (_, Null)
                    | (Varchar(_), Varchar(_))
                    | (Bytes(_), Bytes(_))
                    | (Time(_), Time(_))
                    | (Timestamp(_), Timestamp(_))
                    | (TimestampLtz(_), TimestampLtz(_))
            )
            || matches!((self, other), (Array(a), Array(b)) if a.same_values(b))
    }

    /// The element type of an ARRAY.
    pub fn element(&self) -> Option<&DataType> {
        match self {
            DataType::Array(t) => Some(t),
            _ => None,
        }
    }

    /// The DECIMAL(p, s) an exact numeric type is: itself, INT as DECIMAL(10, 0), BIGINT as
    /// DECIMAL(19, 0) (how Flink widens integers next to a DECIMAL).
    pub fn as_decimal(&self) -> Option<(u8, u8)> {
        match self {
            DataType::Decimal(p, s) => Some((*p, *s)),
            DataType::Int => Some((crate::decimal::INT_DIGITS, 0)),
            DataType::BigInt => Some((crate::decimal::BIGINT_DIGITS, 0)),
            _ => None,
        }
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
                | (Bytes(_), Bytes(_))
                // a TIME(3) into a TIME(0) column loses its milliseconds, as in Flink
                | (Time(_), Time(_))
        ) || matches!((self, to), (Array(a), Array(b)) if a.implicitly_casts_to(b))
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
            (Decimal(..), x) | (x, Decimal(..)) if x.is_integer() || matches!(x, Decimal(..)) => {
                let ((p1, s1), (p2, s2)) = (a.as_decimal()?, b.as_decimal()?);
                let (p, s) = crate::decimal::common_type(p1, s1, p2, s2);
                Decimal(p, s)
            }
            (Varchar(_), Varchar(_)) => DataType::STRING,
            (Timestamp(p), Timestamp(q)) => Timestamp((*p).max(*q)),
            (Timestamp(p), Varchar(_)) | (Varchar(_), Timestamp(p)) => Timestamp(*p),
            (Date, Varchar(_)) | (Varchar(_), Date) => Date,
            (Time(p), Time(q)) => Time((*p).max(*q)),
            (Bytes(_), Bytes(_)) => Bytes(None),
            // only arrays whose elements need no converting (their values are kept as they are)
            (Array(x), Array(y)) if x.same_values(y) => Array(Box::new(DataType::common(x, y)?)),
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
            DataType::Bytes(None) => write!(f, "BYTES"),
            DataType::Bytes(Some(n)) => write!(f, "VARBINARY({n})"),
            DataType::Time(p) => write!(f, "TIME({p})"),
            DataType::Array(t) => write!(f, "ARRAY<{t}>"),
        }
    }
}
