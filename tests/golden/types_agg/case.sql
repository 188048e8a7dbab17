-- types_agg: ARRAY_AGG (NULLs kept, IGNORE NULLS, DISTINCT, FILTER), CARDINALITY and
-- ARRAY_JOIN of it, MIN/MAX/FIRST_VALUE/LAST_VALUE of a TIME, ARRAY_AGG of TIME and BYTES,
-- per 1-minute TUMBLE and key (written here, expected rows from Flink 2.3).

CREATE TABLE src (
  ts TIMESTAMP(3),
  k STRING,
  s STRING,
  i INT,
  t TIME(3),
  b BYTES,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'input/data',
  'format' = 'json'
);

CREATE TABLE sink (
  w TIMESTAMP(3),
  k STRING,
  agg_s ARRAY<STRING>,
  agg_i ARRAY<INT>,
  agg_distinct_s ARRAY<STRING>,
  agg_ignore_s ARRAY<STRING>,
  agg_filter ARRAY<STRING>,
  card INT,
  join_null STRING,
  min_t TIME(3),
  max_t TIME(3),
  first_t TIME(3),
  last_t TIME(3),
  agg_t ARRAY<TIME(3)>,
  agg_b ARRAY<BYTES>,
  listagg_t STRING,
  agg_distinct_i ARRAY<INT>
) WITH (
  'connector' = 'filesystem',
  'path' = 'out',
  'format' = 'json'
);

INSERT INTO sink
SELECT
  TUMBLE_START(ts, INTERVAL '1' MINUTE) AS w,
  k AS k,
  ARRAY_AGG(s) AS agg_s,
  ARRAY_AGG(i) AS agg_i,
  ARRAY_AGG(DISTINCT s) AS agg_distinct_s,
  ARRAY_AGG(s IGNORE NULLS) AS agg_ignore_s,
  ARRAY_AGG(s) FILTER (WHERE i > 100) AS agg_filter,
  CARDINALITY(ARRAY_AGG(s)) AS card,
  ARRAY_JOIN(ARRAY_AGG(s), ',', 'null') AS join_null,
  MIN(t) AS min_t,
  MAX(t) AS max_t,
  FIRST_VALUE(t) AS first_t,
  LAST_VALUE(t) AS last_t,
  ARRAY_AGG(t) AS agg_t,
  ARRAY_AGG(b) AS agg_b,
  LISTAGG(CAST(t AS STRING)) AS listagg_t,
  ARRAY_AGG(DISTINCT i) AS agg_distinct_i
FROM src
GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), k;
