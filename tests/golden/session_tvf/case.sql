-- The SESSION window table-valued function, with PARTITION BY (sessions per symbol) and
-- without (sessions over all trades), UNION ALL into one sink.
CREATE TABLE trades (
  symbol STRING,
  stock_time STRING,
  price DOUBLE,
  volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'input/trades.jsonl', 'format' = 'json');

CREATE TABLE session_stats (
  kind STRING,
  symbol STRING,
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  window_time TIMESTAMP(3),
  trades BIGINT,
  volume INT,
  high DOUBLE
) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');

INSERT INTO session_stats
SELECT 'per_symbol', symbol, window_start, window_end, window_time, COUNT(*), SUM(volume), MAX(price)
FROM TABLE(SESSION(TABLE trades PARTITION BY symbol, DESCRIPTOR(event_time), INTERVAL '30' SECONDS))
GROUP BY symbol, window_start, window_end, window_time
UNION ALL
SELECT 'all', 'ALL', window_start, window_end, window_time, COUNT(*), SUM(volume), MAX(price)
FROM TABLE(SESSION(TABLE trades, DESCRIPTOR(event_time), INTERVAL '3' SECONDS))
GROUP BY window_start, window_end, window_time;
