-- NEWS_IMPACT: the forms it takes and the errors it gives.
CREATE TABLE news (
  symbol STRING, news_id INT, label STRING, headline STRING, event_time TIMESTAMP(3),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'blackhole');
CREATE TABLE trades (
  symbol STRING, price DECIMAL(10, 2), volume BIGINT, event_time TIMESTAMP(3),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'blackhole');
CREATE TABLE ticks (
  ticker STRING, px DOUBLE, qty INT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'blackhole');
CREATE TABLE unlabelled (
  symbol STRING, event_time TIMESTAMP(3),
  WATERMARK FOR event_time AS event_time
) WITH ('connector' = 'blackhole');
CREATE VIEW ticks_renamed AS SELECT ticker AS symbol, px AS price, qty AS volume, ts FROM ticks;

-- named arguments, every option
SELECT * FROM TABLE(NEWS_IMPACT(NEWS => TABLE news, TRADES => TABLE trades, BENCHMARK => 'KOSPI',
  BETA_WINDOW => INTERVAL '30' MINUTE, NEUTRAL_BAND => 0.01));

-- positional, over a view that renames the columns, filtered and projected afterwards
SELECT i.news_id, i.abnormal_ret_10m FROM TABLE(NEWS_IMPACT(TABLE news, TABLE ticks_renamed)) AS i
WHERE i.agrees;

-- the trades have no column `symbol`
SELECT * FROM TABLE(NEWS_IMPACT(NEWS => TABLE news, TRADES => TABLE ticks));

-- the news has no label
SELECT * FROM TABLE(NEWS_IMPACT(NEWS => TABLE unlabelled, TRADES => TABLE trades));

-- an unknown argument
SELECT * FROM TABLE(NEWS_IMPACT(NEWS => TABLE news, TRADES => TABLE trades, WINDOW => INTERVAL '1' HOUR));

-- a window that is not whole minutes
SELECT * FROM TABLE(NEWS_IMPACT(NEWS => TABLE news, TRADES => TABLE trades, BETA_WINDOW => INTERVAL '90' SECOND));

-- a band that is not a fraction
SELECT * FROM TABLE(NEWS_IMPACT(NEWS => TABLE news, TRADES => TABLE trades, NEUTRAL_BAND => 5));

-- the trades missing
SELECT * FROM TABLE(NEWS_IMPACT(NEWS => TABLE news));

-- a benchmark that is not a string
SELECT * FROM TABLE(NEWS_IMPACT(TABLE news, TABLE trades, 42));
