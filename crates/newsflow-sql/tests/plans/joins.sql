-- Interval joins: equality keys and time bounds from ON and WHERE.
CREATE TABLE orders (
  id INT,
  amount DOUBLE,
  order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'orders', 'format' = 'json');

CREATE TABLE shipments (
  order_id INT,
  carrier STRING,
  ship_time TIMESTAMP(3),
  WATERMARK FOR ship_time AS ship_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'shipments', 'format' = 'json');

SELECT o.id, o.amount, s.carrier, s.ship_time
FROM orders o JOIN shipments s ON o.id = s.order_id
  AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time;

SELECT o.id, s.carrier
FROM orders o JOIN shipments s ON o.id = s.order_id
WHERE s.ship_time >= o.order_time AND s.ship_time < o.order_time + INTERVAL '1' HOUR AND o.amount > 10;

-- a window after the join, on the join's time attribute
SELECT o.id, TUMBLE_START(s.ship_time, INTERVAL '1' HOUR), COUNT(*)
FROM orders o JOIN shipments s ON o.id = s.order_id
  AND s.ship_time BETWEEN o.order_time AND o.order_time + INTERVAL '1' HOUR
GROUP BY o.id, TUMBLE(s.ship_time, INTERVAL '1' HOUR);

-- a comma join: keys and bounds from WHERE, the other WHERE conjunct stays a filter
SELECT o.id, s.carrier
FROM orders o, shipments s
WHERE o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time
  AND s.carrier <> 'slow';

-- errors
SELECT o.id FROM orders o JOIN shipments s ON o.id = s.order_id;

SELECT o.id FROM orders o JOIN shipments s ON s.ship_time BETWEEN o.order_time AND o.order_time + INTERVAL '1' HOUR;

SELECT o.id FROM orders o JOIN shipments s ON o.id = s.order_id AND s.ship_time >= o.order_time;

SELECT o.id FROM orders o LEFT JOIN shipments s ON o.id = s.order_id
  AND s.ship_time BETWEEN o.order_time AND o.order_time + INTERVAL '1' HOUR;

SELECT o.id FROM orders o JOIN shipments s USING (id);

SELECT o.id FROM orders o, shipments s WHERE o.id = s.order_id;

SELECT o.id FROM orders o, shipments s WHERE o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time;

SELECT o.id FROM orders o NATURAL JOIN shipments s;
