-- A parse error stops the script, pointing at line and column.
CREATE TABLE t (k STRING) WITH ('connector' = 'blackhole');

SELECT k
FROM t
WHER k = 'a';
