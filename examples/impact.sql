-- Impact analytics: what each news item did to its stock. The flagship's two streams
-- (news analysed by analyze_news, and the trades) feed NEWS_IMPACT, newsflow's built-in
-- table function; its rows are archived as Parquet partitioned by day, ready for
--   newsflow impact-report --table impact=out/impact
-- or any SQL through `newsflow query`. Each figure's definition is in the README
-- ("Impact analytics"). Bounded to one trading session here ('days'); drop 'days' for a
-- live stream.
SET 'table.exec.source.idle-timeout' = '2 s';

CREATE TABLE news_stream_source (
symbol STRING,
news_id INT,
news_time STRING,
news_content STRING,
event_time AS TO_TIMESTAMP(news_time, 'yyyy-MM-dd HH:mm:ss'),
WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
'connector' = 'datagen',
'generator' = 'news',
'seed' = '42',
'days' = '1'
);

CREATE TABLE stock_transaction_source (
symbol STRING,
stock_time STRING,
price DOUBLE,
volume INT,
event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
'connector' = 'datagen',
'generator' = 'stock',
'seed' = '42',
'days' = '1',
'market-volatility' = '0.02'
);

-- What NEWS_IMPACT needs from the news: symbol, a time attribute and a label. The other
-- columns (the summary, a topic) are passed through to every impact row.
CREATE VIEW news_labels AS
SELECT symbol, news_id, event_time,
       JSON_VALUE(analysis, '$.label') AS label,
       JSON_VALUE(analysis, '$.summary') AS summary,
       news_topic(news_content) AS topic
FROM (SELECT symbol, news_id, event_time, news_content, analyze_news(news_content) AS analysis
      FROM news_stream_source);

CREATE TABLE impact_archive (
symbol STRING,
news_id INT,
event_time TIMESTAMP(3),
label STRING,
summary STRING,
topic STRING,
ref_price DOUBLE,
ret_1m DOUBLE,
ret_5m DOUBLE,
ret_10m DOUBLE,
max_favourable DOUBLE,
max_adverse DOUBLE,
peak_seconds DOUBLE,
benchmark_ret_10m DOUBLE,
beta DOUBLE,
abnormal_ret_1m DOUBLE,
abnormal_ret_5m DOUBLE,
abnormal_ret_10m DOUBLE,
volume_before DOUBLE,
volume_after DOUBLE,
volume_ratio DOUBLE,
volatility_before DOUBLE,
volatility_after DOUBLE,
curve ARRAY<DOUBLE>,
move STRING,
agrees BOOLEAN,
dt STRING
) PARTITIONED BY (dt) WITH (
'connector' = 'filesystem',
'path' = 'out/impact',
'format' = 'parquet'
);

INSERT INTO impact_archive
SELECT *, DATE_FORMAT(event_time, 'yyyy-MM-dd') AS dt
FROM TABLE(NEWS_IMPACT(
  NEWS => TABLE news_labels,
  TRADES => TABLE stock_transaction_source,
  BENCHMARK => 'equal-weighted',
  BETA_WINDOW => INTERVAL '60' MINUTE,
  NEUTRAL_BAND => 0.005
));
