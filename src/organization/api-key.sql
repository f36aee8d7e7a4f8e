-- API keys announce their changes: every process caches the keys it has resolved, and drops a key
-- when it hears (LISTEN api_key_changed) that the key was issued, revoked or deleted, whoever did
-- it (the service, the CLI, a cascade, psql). The payload is the key's hash. The one current
-- definition here; the service applies this file after the migrations at every start
-- (src/database/logic.ts).
create or replace function api_key_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('api_key_changed', key_hash) from (
    select key_hash from changed_keys order by key_hash
  ) k;
  return null;
end $$;
create or replace trigger api_key_insert_notify after insert on api_key referencing new table as changed_keys for each statement execute function api_key_notify();
create or replace trigger api_key_update_notify after update on api_key referencing new table as changed_keys for each statement execute function api_key_notify();
create or replace trigger api_key_delete_notify after delete on api_key referencing old table as changed_keys for each statement execute function api_key_notify();
