-- Group windows: TUMBLE, HOP and SESSION in GROUP BY with their properties.
CREATE TABLE trades (
  symbol STRING,
  stock_time STRING,
  price DOUBLE,
  volume INT,
  event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'trades', 'format' = 'json');

SELECT symbol, TUMBLE_START(event_time, INTERVAL '1' MINUTE), TUMBLE_ROWTIME(event_time, INTERVAL '1' MINUTE),
  COUNT(*), AVG(price), SUM(price * volume) / SUM(volume)
FROM trades
GROUP BY symbol, TUMBLE(event_time, INTERVAL '1' MINUTE);

SELECT HOP_START(event_time, INTERVAL '10' SECOND, INTERVAL '1' MINUTE) AS hs,
  HOP_END(event_time, INTERVAL '10' SECOND, INTERVAL '1' MINUTE) AS he, MAX(price), MIN(price)
FROM trades
WHERE volume > 10
GROUP BY HOP(event_time, INTERVAL '10' SECOND, INTERVAL '1' MINUTE)
HAVING COUNT(*) > 1;

SELECT symbol, SESSION_START(event_time, INTERVAL '10' SECOND), SESSION_END(event_time, INTERVAL '10' SECOND),
  SESSION_ROWTIME(event_time, INTERVAL '10' SECOND), COUNT(DISTINCT volume)
FROM trades
GROUP BY SESSION(event_time, INTERVAL '10' SECOND), symbol;

-- aggregate FILTER: its own aggregate beside the unfiltered one
SELECT symbol, COUNT(*), COUNT(*) FILTER (WHERE volume > 10), SUM(price) FILTER (WHERE volume > 10)
FROM trades
GROUP BY symbol, TUMBLE(event_time, INTERVAL '1' MINUTE);

-- errors
SELECT symbol, COUNT(*) FROM trades GROUP BY symbol;

SELECT COUNT(*) FROM trades GROUP BY HOP(event_time, INTERVAL '7' SECOND, INTERVAL '1' MINUTE);

SELECT COUNT(*) FROM trades GROUP BY TUMBLE(stock_time, INTERVAL '1' MINUTE);

SELECT price, COUNT(*) FROM trades GROUP BY TUMBLE(event_time, INTERVAL '1' MINUTE);

SELECT SUM(COUNT(*)) FROM trades GROUP BY TUMBLE(event_time, INTERVAL '1' MINUTE);

SELECT UPPER(symbol) FILTER (WHERE volume > 1) FROM trades;
