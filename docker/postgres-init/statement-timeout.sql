-- Through PgBouncer in transaction mode the service cannot set statement_timeout per connection:
-- the role carries it (STATEMENT_TIMEOUT_MS's default). Migrations run on a direct connection,
-- which sends statement_timeout = 0 for itself.
ALTER ROLE audience SET statement_timeout = 15000;
