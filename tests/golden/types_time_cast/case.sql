-- types_time_cast: text to TIME with offsets, TIME(0) values that hold milliseconds through
-- arithmetic, CASTs and sinks of higher precision, arrays of TIME, CASTs between array
-- types, ARRAY_JOIN with NULL arguments, BYTES literals and CASTs (written here, expected
-- rows from Flink 2.3).

CREATE TABLE src (
  id INT,
  tt STRING,
  t0 TIME,
  t3 TIME(3),
  s STRING,
  arr ARRAY<STRING>
) WITH (
  'connector' = 'filesystem',
  'path' = 'input/data',
  'format' = 'json'
);

CREATE TABLE sink (
  id INT,
  try_time STRING,
  try_time3 STRING,
  t0_plus_half STRING,
  t0_plus_half_out TIME(3),
  t0_as_time3 STRING,
  t0_as_time3_out TIME(3),
  t3_as_time0 STRING,
  t3_as_time0_out TIME(3),
  arr_t3_str STRING,
  t0_eq BOOLEAN,
  t3_gt_t0 BOOLEAN,
  arr_pad_str STRING,
  arr_pad_join STRING,
  arr_pad ARRAY<STRING>,
  arr_s ARRAY<STRING>,
  cast_arr_int ARRAY<INT>,
  try_cast_arr ARRAY<INT>,
  cast_arr_bigint ARRAY<BIGINT>,
  join_null_sep STRING,
  join_null_rep STRING,
  bin_eq BOOLEAN,
  coalesce_b BYTES,
  null_time TIME,
  null_arr ARRAY<INT>,
  bytes_varchar2 STRING,
  bytes_eq2 BOOLEAN,
  case_pad STRING,
  arr_times ARRAY<TIME(3)>,
  arr_times_str STRING,
  hour_t0 BIGINT,
  ms_t0 BIGINT,
  contains_time BOOLEAN,
  distinct_times ARRAY<TIME(3)>,
  cast_arr_dbl_int ARRAY<INT>,
  unhex_space BYTES,
  unhex_fullwidth BYTES
) WITH (
  'connector' = 'filesystem',
  'path' = 'out',
  'format' = 'json'
);

INSERT INTO sink
SELECT
  id AS id,
  CAST(TRY_CAST(tt AS TIME) AS STRING) AS try_time,
  CAST(TRY_CAST(tt AS TIME(3)) AS STRING) AS try_time3,
  CAST(t0 + INTERVAL '0.5' SECOND AS STRING) AS t0_plus_half,
  t0 + INTERVAL '0.5' SECOND AS t0_plus_half_out,
  CAST(CAST(t0 AS TIME(3)) AS STRING) AS t0_as_time3,
  CAST(t0 AS TIME(3)) AS t0_as_time3_out,
  CAST(CAST(t3 AS TIME) AS STRING) AS t3_as_time0,
  CAST(t3 AS TIME) AS t3_as_time0_out,
  CAST(ARRAY[t3] AS STRING) AS arr_t3_str,
  t0 = TIME '12:00:00' AS t0_eq,
  t3 > t0 AS t3_gt_t0,
  CAST(ARRAY['a', 'bcd'] AS STRING) AS arr_pad_str,
  ARRAY_JOIN(ARRAY['a', 'bcd'], ',') AS arr_pad_join,
  ARRAY['a', 'bcd'] AS arr_pad,
  ARRAY[s, 'bcd'] AS arr_s,
  CAST(ARRAY['1'] AS ARRAY<INT>) AS cast_arr_int,
  TRY_CAST(arr AS ARRAY<INT>) AS try_cast_arr,
  CAST(ARRAY[1] AS ARRAY<BIGINT>) AS cast_arr_bigint,
  ARRAY_JOIN(arr, CAST(NULL AS STRING)) AS join_null_sep,
  ARRAY_JOIN(arr, ',', CAST(NULL AS STRING)) AS join_null_rep,
  x'41' = CAST('A' AS BYTES) AS bin_eq,
  COALESCE(CAST(NULL AS BYTES), x'00') AS coalesce_b,
  CAST(NULL AS TIME) AS null_time,
  CAST(NULL AS ARRAY<INT>) AS null_arr,
  CAST(ENCODE(s, 'UTF-8') AS VARCHAR(2)) AS bytes_varchar2,
  CAST(s AS BYTES) = ENCODE(s, 'UTF-8') AS bytes_eq2,
  CASE WHEN id > 5 THEN 'a' ELSE 'bcd' END AS case_pad,
  ARRAY[t0, t3] AS arr_times,
  CAST(ARRAY[t0, t3] AS STRING) AS arr_times_str,
  HOUR(t0) AS hour_t0,
  EXTRACT(MILLISECOND FROM t0) AS ms_t0,
  ARRAY_CONTAINS(ARRAY[t0], TIME '12:00:00') AS contains_time,
  ARRAY_DISTINCT(ARRAY[t0, TIME '12:00:00']) AS distinct_times,
  CAST(ARRAY[1.5E0] AS ARRAY<INT>) AS cast_arr_dbl_int,
  UNHEX('4 1') AS unhex_space,
  UNHEX('０1') AS unhex_fullwidth
FROM src;
