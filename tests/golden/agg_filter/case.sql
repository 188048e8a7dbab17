-- Aggregate FILTER (WHERE …) in a TUMBLE group window and a HOP group window.
CREATE TABLE trades (
  symbol STRING,
  stock_time STRING,
  price DOUBLE,
  volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'input/trades.jsonl', 'format' = 'json');

CREATE TABLE filtered_stats (
  symbol STRING,
  window_start TIMESTAMP(3),
  trades BIGINT,
  big_trades BIGINT,
  big_volume INT,
  cheap_symbols BIGINT,
  avg_big_price DOUBLE,
  max_small_price DOUBLE,
  min_big_price DOUBLE,
  none_match BIGINT,
  none_sum INT
) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');

INSERT INTO filtered_stats
SELECT symbol, TUMBLE_START(event_time, INTERVAL '1' MINUTE),
  COUNT(*),
  COUNT(*) FILTER (WHERE volume > 5000),
  SUM(volume) FILTER (WHERE volume > 5000),
  COUNT(DISTINCT volume) FILTER (WHERE price < 200),
  AVG(price) FILTER (WHERE volume > 5000),
  MAX(price) FILTER (WHERE volume <= 5000),
  MIN(price) FILTER (WHERE volume > 5000 AND price > 0),
  COUNT(volume) FILTER (WHERE volume < 0),
  SUM(volume) FILTER (WHERE volume < 0)
FROM trades
GROUP BY symbol, TUMBLE(event_time, INTERVAL '1' MINUTE);
