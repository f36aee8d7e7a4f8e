import { Migration } from '@mikro-orm/migrations';

export class Migration20261126073446 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audience" add column "contact_count" int not null default 0;`);
    // Audiences that already have members start from their true count.
    this.addSql(
      `update "audience" a set "contact_count" = m.n from (select "audience_id", count(*)::int as n from "audience_contact" group by "audience_id") m where m."audience_id" = a."id";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audience" drop column "contact_count";`);
  }
}
