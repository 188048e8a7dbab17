-- types_agg_windows: ARRAY_AGG (and ARRAY_AGG(DISTINCT …)) over HOP, SESSION and CUMULATE windows
-- with rows out of order: the order of the elements when panes and sessions merge
-- (written here, expected rows from Flink 2.3).

CREATE TABLE src (
  ts TIMESTAMP(3),
  k STRING,
  s STRING,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'input/data',
  'format' = 'json'
);

CREATE TABLE sink (
  kind STRING,
  k STRING,
  w TIMESTAMP(3),
  agg ARRAY<STRING>,
  agg_d ARRAY<STRING>
) WITH (
  'connector' = 'filesystem',
  'path' = 'out',
  'format' = 'json'
);

INSERT INTO sink
SELECT 'hop' AS kind, k, HOP_START(ts, INTERVAL '10' SECOND, INTERVAL '20' SECOND) AS w, ARRAY_AGG(s) AS agg, ARRAY_AGG(DISTINCT k) AS agg_d
FROM src GROUP BY k, HOP(ts, INTERVAL '10' SECOND, INTERVAL '20' SECOND)
UNION ALL
SELECT 'session' AS kind, k, SESSION_START(ts, INTERVAL '6' SECOND) AS w, ARRAY_AGG(s) AS agg, ARRAY_AGG(DISTINCT k) AS agg_d
FROM src GROUP BY k, SESSION(ts, INTERVAL '6' SECOND)
UNION ALL
SELECT 'cumulate' AS kind, k, window_start AS w, ARRAY_AGG(s) AS agg, ARRAY_AGG(DISTINCT k) AS agg_d
FROM TABLE(CUMULATE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '30' SECOND))
GROUP BY k, window_start, window_end;
