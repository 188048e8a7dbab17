-- The flagship pipeline on a local Kafka broker: the source documents' statements (000) with
-- only the connection options changed: the broker address, and MSK's TLS/IAM options
-- removed (a local broker speaks plaintext). Create the topics and feed them first:
--   newsflow produce --topic news  --generator news  --key-field symbol --create-partitions 4 --speed-up 60
--   newsflow produce --topic stock --generator stock --key-field symbol --create-partitions 4 --speed-up 60
--   (and create 'n-summary' and 'analysis' with --create-partitions; see README)
--   newsflow run examples/flagship-kafka-local.sql
--   newsflow consume --topic analysis --from-beginning
SET 'table.exec.source.idle-timeout' = '2 s';

CREATE TABLE news_stream_source (
symbol STRING,
news_id INT,
news_time STRING,
news_content STRING,
event_time AS TO_TIMESTAMP(news_time, 'yyyy-MM-dd HH:mm:ss'),
WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
'connector' = 'kafka',
'topic' = 'news',
'properties.bootstrap.servers' = '127.0.0.1:9092',
'properties.group.id' = 'flink-news-stream-consumer',
'scan.startup.mode' = 'earliest-offset',
'format' = 'json'
);
CREATE TABLE stock_transaction_source (
symbol STRING,
stock_time STRING,
price DOUBLE,
volume INT,
event_time AS TO_TIMESTAMP(stock_time, 'yyyy-MM-dd HH:mm:ss'),
WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
'connector' = 'kafka',
'topic' = 'stock',
'properties.bootstrap.servers' = '127.0.0.1:9092',
'properties.group.id' = 'flink-consumer-group-news',
'scan.startup.mode' = 'earliest-offset',
'format' = 'json'
);
CREATE TABLE news_summary_source (
symbol STRING,
news_id INT,
event_time TIMESTAMP(3),
summary STRING,
WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
'connector' = 'kafka',
'topic' = 'n-summary',
'properties.bootstrap.servers' = '127.0.0.1:9092',
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
'connector' = 'kafka',
'topic' = 'n-summary',
'properties.bootstrap.servers' = '127.0.0.1:9092',
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
'connector' = 'kafka',
'topic' = 'analysis',
'properties.bootstrap.servers' = '127.0.0.1:9092',
'format' = 'json'
);

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
