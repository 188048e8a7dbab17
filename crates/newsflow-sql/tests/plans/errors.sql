-- Planning errors point at their line and column.
CREATE TABLE t (
  k STRING,
  v INT,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 't', 'format' = 'json');

CREATE TABLE sink (k STRING, n BIGINT) WITH ('connector' = 'blackhole');

SELECT nope FROM t;

SELECT k FROM missing;

SELECT DISTINCT k FROM t;

SELECT k FROM t ORDER BY ts;

SELECT k FROM t LIMIT 3;

WITH x AS (SELECT k FROM t) SELECT k FROM x;

INSERT INTO sink SELECT k FROM t;

INSERT INTO sink SELECT v, COUNT(*) FROM t GROUP BY v, TUMBLE(ts, INTERVAL '1' SECOND);

SELECT k FROM t WHERE v;
