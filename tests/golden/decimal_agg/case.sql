-- decimal_agg: SUM / AVG / MIN / MAX / COUNT of a DECIMAL(10, 3) per 1-minute TUMBLE window.
CREATE TABLE src (
  ts TIMESTAMP(3),
  k STRING,
  m DECIMAL(10, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'input/data.jsonl',
  'format' = 'json'
);

CREATE TABLE sink (
  k STRING,
  w TIMESTAMP(3),
  n BIGINT,
  sum_m DECIMAL(38, 3),
  avg_m DECIMAL(38, 6),
  min_m DECIMAL(10, 3),
  max_m DECIMAL(10, 3),
  sum_m_times_2 DECIMAL(38, 3),
  avg_m_plus DECIMAL(38, 6)
) WITH (
  'connector' = 'filesystem',
  'path' = 'out',
  'format' = 'json'
);

INSERT INTO sink
SELECT
  k,
  TUMBLE_START(ts, INTERVAL '1' MINUTE),
  COUNT(m),
  SUM(m),
  AVG(m),
  MIN(m),
  MAX(m),
  SUM(m * 2),
  AVG(m + 0.5)
FROM src
GROUP BY k, TUMBLE(ts, INTERVAL '1' MINUTE);
