-- The flagship analysis job written as a comma join: the equality key and the time bounds
-- are found in WHERE, the other WHERE condition stays a filter.
-- Paths are relative to this case's folder.
CREATE TABLE stock_transaction_source (
  symbol STRING,
  stock_time STRING,
  price DOUBLE,
  volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'input/stock',
  'format' = 'json'
);

CREATE TABLE news_summary_source (
  symbol STRING,
  news_id INT,
  event_time TIMESTAMP(3),
  summary STRING,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'input/news_summary.jsonl',
  'format' = 'json'
);

CREATE TABLE news_result_sink (
  symbol STRING,
  news_id STRING,
  news_time TIMESTAMP(3),
  summary STRING,
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  avg_price DOUBLE,
  avg_volume DOUBLE,
  event_count BIGINT
) WITH (
  'connector' = 'filesystem',
  'path' = 'out',
  'format' = 'json'
);

INSERT INTO news_result_sink
SELECT
  n.symbol,
  CAST(n.news_id AS STRING) AS news_id,
  n.event_time AS news_time,
  n.summary,
  TUMBLE_START(s.event_time, INTERVAL '1' MINUTE) AS window_start,
  TUMBLE_END(s.event_time, INTERVAL '1' MINUTE) AS window_end,
  AVG(s.price) AS avg_price,
  AVG(s.volume) AS avg_volume,
  COUNT(*) AS event_count
FROM news_summary_source n, stock_transaction_source s
WHERE n.symbol = s.symbol
  AND s.event_time BETWEEN n.event_time - INTERVAL '5' MINUTE AND n.event_time + INTERVAL '10' MINUTE
  AND s.volume >= 2500
GROUP BY n.symbol, n.news_id, n.event_time, n.summary, TUMBLE(s.event_time, INTERVAL '1' MINUTE);
