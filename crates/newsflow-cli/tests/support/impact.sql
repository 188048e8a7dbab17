-- NEWS_IMPACT over the files the impact tests (and bench/impact.sh) generate into in/.
CREATE TABLE news (symbol STRING, news_id INT, event_time TIMESTAMP(3), label STRING,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'in/news', 'format' = 'json');
CREATE TABLE trades (symbol STRING, event_time TIMESTAMP(3), price DOUBLE, volume INT,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'in/trades', 'format' = 'json');
CREATE TABLE impact (symbol STRING, news_id INT, event_time TIMESTAMP(3), label STRING,
  ref_price DOUBLE, ret_1m DOUBLE, ret_5m DOUBLE, ret_10m DOUBLE,
  max_favourable DOUBLE, max_adverse DOUBLE, peak_seconds DOUBLE,
  benchmark_ret_10m DOUBLE, beta DOUBLE,
  abnormal_ret_1m DOUBLE, abnormal_ret_5m DOUBLE, abnormal_ret_10m DOUBLE,
  volume_before DOUBLE, volume_after DOUBLE, volume_ratio DOUBLE,
  volatility_before DOUBLE, volatility_after DOUBLE,
  curve ARRAY<DOUBLE>, move STRING, agrees BOOLEAN
) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
INSERT INTO impact
SELECT * FROM TABLE(NEWS_IMPACT(NEWS => TABLE news, TRADES => TABLE trades));
