-- types_decode_time_text: malformed UTF-8 and UTF-16 read by DECODE and CAST(bytes AS
-- STRING) (as many U+FFFD as Java writes), text read as TIME by TRY_CAST (Flink's lenient
-- parser: offsets, rounding fractions, trimmed fields), a TIME(0) column holding
-- milliseconds, and arr[i] with indexes out of range (written here, expected rows from Flink
-- 2.3).

CREATE TABLE src (
  id INT,
  hx STRING,
  tt STRING,
  tm TIME,
  idx INT
) WITH (
  'connector' = 'filesystem',
  'path' = 'input/data',
  'format' = 'json'
);

CREATE TABLE sink (
  id INT,
  hx STRING,
  tt STRING,
  dec_utf8 STRING,
  cast_utf8 STRING,
  dec_utf16 STRING,
  dec_utf16be STRING,
  dec_utf16le STRING,
  try_time STRING,
  try_time3 STRING,
  tm_str STRING,
  tm_out TIME,
  tm3_out TIME(3),
  arr_idx STRING,
  arr_idx_null INT,
  len_cast INT
) WITH (
  'connector' = 'filesystem',
  'path' = 'out',
  'format' = 'json'
);

INSERT INTO sink
SELECT
  id AS id,
  hx AS hx,
  tt AS tt,
  DECODE(UNHEX(hx), 'UTF-8') AS dec_utf8,
  CAST(UNHEX(hx) AS STRING) AS cast_utf8,
  DECODE(UNHEX(hx), 'UTF-16') AS dec_utf16,
  DECODE(UNHEX(hx), 'UTF-16BE') AS dec_utf16be,
  DECODE(UNHEX(hx), 'UTF-16LE') AS dec_utf16le,
  CAST(TRY_CAST(tt AS TIME) AS STRING) AS try_time,
  CAST(TRY_CAST(tt AS TIME(3)) AS STRING) AS try_time3,
  CAST(tm AS STRING) AS tm_str,
  tm AS tm_out,
  tm AS tm3_out,
  ARRAY['a', 'b', 'c'][idx] AS arr_idx,
  ARRAY[10, 20][CAST(NULL AS INT)] AS arr_idx_null,
  CHAR_LENGTH(CAST(UNHEX(hx) AS STRING)) AS len_cast
FROM src;
