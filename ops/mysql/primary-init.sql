-- Run once by the mysql image when the primary's data folder is created (docker-compose.yml).
-- Binary-logged, so a replica started later receives it too.
-- The account replicas connect with (profile "replica"; change the password with the compose one).
CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'repl-secret';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
-- The web nodes read SHOW REPLICA STATUS on each replica to measure its lag.
GRANT REPLICATION CLIENT ON *.* TO 'mlkshk'@'%';
