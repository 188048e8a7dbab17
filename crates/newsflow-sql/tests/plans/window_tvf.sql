-- Window table-valued functions: a window aggregation on the window aggregate operator.
CREATE TABLE trades (
  symbol STRING,
  stock_time STRING,
  price DOUBLE,
  volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'trades', 'format' = 'json');

SELECT symbol, window_start, window_end, window_time, COUNT(*), MAX(price)
FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(event_time), INTERVAL '5' MINUTES))
GROUP BY symbol, window_start, window_end, window_time;

SELECT window_start, window_end, SUM(volume)
FROM TABLE(HOP(DATA => TABLE trades, TIMECOL => DESCRIPTOR(event_time), SLIDE => INTERVAL '1' MINUTE, SIZE => INTERVAL '5' MINUTE))
WHERE price > 10
GROUP BY window_start, window_end;

SELECT 'c' AS kind, window_start, window_end, COUNT(*)
FROM TABLE(CUMULATE(TABLE trades, DESCRIPTOR(event_time), INTERVAL '10' MINUTES, INTERVAL '1' HOUR))
GROUP BY window_start, window_end
UNION ALL
SELECT 't', window_start, window_end, COUNT(*)
FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
GROUP BY window_start, window_end;

SELECT symbol, window_start, window_end, COUNT(*)
FROM TABLE(SESSION(TABLE trades PARTITION BY symbol, DESCRIPTOR(event_time), INTERVAL '10' SECONDS))
GROUP BY symbol, window_start, window_end;

-- errors
SELECT * FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(event_time), INTERVAL '5' MINUTES));

SELECT symbol, COUNT(*) FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(event_time), INTERVAL '5' MINUTES)) GROUP BY symbol;

SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(stock_time), INTERVAL '5' MINUTES)) GROUP BY window_start, window_end;

SELECT COUNT(*) FROM TABLE(CUMULATE(TABLE trades, DESCRIPTOR(event_time), INTERVAL '7' MINUTES, INTERVAL '1' HOUR)) GROUP BY window_start, window_end;

SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(event_time), INTERVAL '5' MINUTES, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;

SELECT symbol, COUNT(*) FROM TABLE(SESSION(TABLE trades, DESCRIPTOR(event_time), INTERVAL '5' MINUTES)) GROUP BY symbol, window_start, window_end;

SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(event_time), INTERVAL '5' MINUTES)) a
JOIN trades b ON a.symbol = b.symbol GROUP BY window_start, window_end;

SELECT symbol FROM trades WHERE price > 1 UNION SELECT symbol FROM trades;

SELECT symbol FROM trades UNION ALL SELECT price FROM trades;
