-- Run once by the mysql image when a replica's data folder is created (docker-compose.yml,
-- profile "replica"): replicate everything from the primary's first transaction, by GTID.
CHANGE REPLICATION SOURCE TO
  SOURCE_HOST = 'mysql',
  SOURCE_PORT = 3306,
  SOURCE_USER = 'repl',
  SOURCE_PASSWORD = 'repl-secret',
  SOURCE_AUTO_POSITION = 1,
  SOURCE_CONNECT_RETRY = 5,
  GET_SOURCE_PUBLIC_KEY = 1;
START REPLICA;
