-- The database's own logic of audiences: how many live audiences each organization has
-- (organization_audience_count, a table of its own rather than a column of the organization row,
-- which the contact triggers lock: creating an audience does not wait for a contact import of the
-- same organization to commit, nor the reverse). The one current definition of each function and
-- trigger here; the service applies this file after the migrations at every start
-- (src/database/logic.ts).

-- A live row entering (insert, undelete) counts +1, one leaving (soft or hard delete) -1.
-- Organizations are taken in id order, so that statements over the same organizations lock their
-- count rows in the same order.
create or replace function audience_added() returns trigger language plpgsql as $$
begin
  insert into organization_audience_count (organization_id, audiences)
  select organization_id, count(*)::int from new_audiences where deleted_at is null
  group by 1 order by 1
  on conflict (organization_id) do update
    set audiences = organization_audience_count.audiences + excluded.audiences;
  return null;
end $$;
create or replace trigger audience_added after insert on audience referencing new table as new_audiences for each statement execute function audience_added();

create or replace function audience_removed() returns trigger language plpgsql as $$
begin
  update organization_audience_count c set audiences = c.audiences - r.audiences
  from (
    select organization_id, count(*)::int as audiences from old_audiences
    where deleted_at is null group by 1
  ) r
  where c.organization_id = r.organization_id;
  return null;
end $$;
create or replace trigger audience_removed after delete on audience referencing old table as old_audiences for each statement execute function audience_removed();

create or replace function audience_changed() returns trigger language plpgsql as $$
begin
  insert into organization_audience_count (organization_id, audiences)
  select organization_id, sum(delta)::int from (
    select organization_id, 1 as delta from new_audiences where deleted_at is null
    union all
    select organization_id, -1 from old_audiences where deleted_at is null
  ) d
  group by 1 having sum(delta) <> 0
  order by 1
  on conflict (organization_id) do update
    set audiences = organization_audience_count.audiences + excluded.audiences;
  return null;
end $$;
create or replace trigger audience_changed after update on audience referencing old table as old_audiences new table as new_audiences for each statement execute function audience_changed();
