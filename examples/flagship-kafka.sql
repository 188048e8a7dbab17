-- The flagship pipeline on Amazon MSK, exactly as the source documents (000) write it; only
-- the broker address is filled in (put your cluster's bootstrap address here). MSK IAM
-- authentication ('AWS_MSK_IAM' with the Java client's JAAS options) is mapped to
-- SASL/OAUTHBEARER with SigV4-signed tokens from the AWS default credential chain.
--   newsflow run examples/flagship-kafka.sql
-- For a local broker without TLS/IAM, see examples/flagship-kafka-local.sql.
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
'properties.bootstrap.servers' = 'b-1.newsflow.abc123.c2.kafka.ap-northeast-2.amazonaws.com:9098',
'properties.security.protocol' = 'SASL_SSL',
'properties.sasl.mechanism' = 'AWS_MSK_IAM',
'properties.sasl.jaas.config' =
'software.amazon.msk.auth.iam.IAMLoginModule required;',
'properties.sasl.client.callback.handler.class' =
'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
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
'properties.bootstrap.servers' = 'b-1.newsflow.abc123.c2.kafka.ap-northeast-2.amazonaws.com:9098',
'properties.security.protocol' = 'SASL_SSL',
'properties.sasl.mechanism' = 'AWS_MSK_IAM',
'properties.sasl.jaas.config' =
'software.amazon.msk.auth.iam.IAMLoginModule required;',
'properties.sasl.client.callback.handler.class' =
'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
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
'properties.bootstrap.servers' = 'b-1.newsflow.abc123.c2.kafka.ap-northeast-2.amazonaws.com:9098',
'properties.security.protocol' = 'SASL_SSL',
'properties.sasl.mechanism' = 'AWS_MSK_IAM',
'properties.sasl.jaas.config' =
'software.amazon.msk.auth.iam.IAMLoginModule required;',
'properties.sasl.client.callback.handler.class' =
'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
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
'properties.bootstrap.servers' = 'b-1.newsflow.abc123.c2.kafka.ap-northeast-2.amazonaws.com:9098',
'properties.security.protocol' = 'SASL_SSL',
'properties.sasl.mechanism' = 'AWS_MSK_IAM',
'properties.sasl.jaas.config' =
'software.amazon.msk.auth.iam.IAMLoginModule required;',
'properties.sasl.client.callback.handler.class' =
'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
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
'properties.bootstrap.servers' = 'b-1.newsflow.abc123.c2.kafka.ap-northeast-2.amazonaws.com:9098',
'properties.security.protocol' = 'SASL_SSL',
'properties.sasl.mechanism' = 'AWS_MSK_IAM',
'properties.sasl.jaas.config' =
'software.amazon.msk.auth.iam.IAMLoginModule required;',
'properties.sasl.client.callback.handler.class' =
'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
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
