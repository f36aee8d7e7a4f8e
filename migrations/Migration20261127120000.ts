import { Migration } from '@mikro-orm/migrations';

/**
 * A contact is reached by phone: `primary_phone` is unique within an organization.
 *
 * A database that already holds two contacts of one organization with the same phone stops here,
 * with the duplicates listed (at most 20 of them, and how many there are), rather than merging
 * or dropping anyone's contacts behind their back: which of two contacts to keep is the
 * organization's decision. Resolve them (update or delete one of each pair) and start again.
 */
export class Migration20261127120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`do $$
declare
  duplicates int;
  listed text;
begin
  select count(*), string_agg(line, E'\\n')
  into duplicates, listed
  from (
    select format('  organization %s, phone %s: %s contacts (%s)', organization_id, primary_phone,
                  count(*), string_agg(id::text, ', ' order by created_at, id)) as line,
           row_number() over (order by organization_id, primary_phone) as position
    from contact group by organization_id, primary_phone having count(*) > 1
  ) found
  where position <= 20;
  if duplicates > 0 then
    select count(*) into duplicates from (
      select 1 from contact group by organization_id, primary_phone having count(*) > 1
    ) pairs;
    -- All in the message: a migration runner may pass on the message alone.
    raise exception '% phone numbers are held by more than one contact of the same organization; a phone must be unique within an organization. Update or delete the extra contacts, then start the service again (every duplicate: select organization_id, primary_phone, array_agg(id) from contact group by 1, 2 having count(*) > 1):
%', duplicates, listed;
  end if;
end $$;`);
    this.addSql(
      `alter table "contact" add constraint "contact_organization_phone_unique" unique ("organization_id", "primary_phone");`,
    );
  }
}
