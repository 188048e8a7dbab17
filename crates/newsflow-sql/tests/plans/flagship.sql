-- The flagship pipeline of the source documents (000): news is analysed by an LLM as it
-- arrives, then joined with the trades from 5 minutes before to 10 minutes after it and
-- summarised per minute. The statements are the documents' own; only the WITH options are
-- swapped: Kafka topics become in-process topics ('connector' = 'topic'), and the news and
-- trade producers become the built-in generators ('connector' = 'datagen').
--
-- News is rare, so on live data the news side's watermark stands still between items and
-- would hold every result back until the next item. The idle timeout lets the trade stream
-- drive event time while no news arrives (Flink's default is off; see README).
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
'speed-up' = '60'
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
'speed-up' = '60'
);

CREATE TABLE news_summary_source (
symbol STRING,
news_id INT,
event_time TIMESTAMP(3),
summary STRING,
WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
'connector' = 'topic',
'topic' = 'n-summary',
'properties.group.id' = 'flink-news-summary-group',
'scan.startup.mode' = 'earliest-offset',
'format' = 'json'
);

CREATE TABLE news_summary_sink (
symbol STRING,
news_id INT,
event_time TIMESTAMP(3),
summary STRING,
WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
'connector' = 'topic',
'topic' = 'n-summary',
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
'connector' = 'topic',
'topic' = 'analysis',
'format' = 'json'
);

-- analyze_news is the built-in offline analyser unless a provider is bound, e.g.
--   SET 'newsflow.llm.provider' = 'bedrock'; SET 'newsflow.llm.region' = 'ap-northeast-2';
-- (or `newsflow demo --llm openai --llm-endpoint URL`); see README, "News analysis with an LLM".
INSERT INTO news_summary_sink
SELECT symbol, news_id, event_time, analyze_news(news_content) as summary
FROM news_stream_source;

INSERT INTO news_result_sink
SELECT
n.symbol,
n.news_id,
n.event_time as news_time,
n.summary,
TUMBLE_START(s.event_time, INTERVAL '1' MINUTE) as window_start,
TUMBLE_END(s.event_time, INTERVAL '1' MINUTE) as window_end,
AVG(s.price) as avg_price,
AVG(s.volume) as avg_volume,
COUNT(*) as event_count
FROM news_summary_source n
JOIN stock_transaction_source s ON n.symbol = s.symbol
WHERE s.event_time BETWEEN n.event_time - INTERVAL '5' MINUTE AND n.event_time + INTERVAL '10' MINUTE
GROUP BY n.symbol, n.news_id, n.event_time, n.summary,
TUMBLE(s.event_time, INTERVAL '1' MINUTE);
