import { Migration } from '@mikro-orm/migrations';

export class Migration20261126072624 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "contact_organization_primary_phone_idx" on "contact" ("organization_id", "primary_phone", "id");`,
    );
    this.addSql(
      `create index "contact_organization_last_name_idx" on "contact" ("organization_id", "last_name", "id");`,
    );
    this.addSql(
      `create index "contact_organization_first_name_idx" on "contact" ("organization_id", "first_name", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "contact_organization_primary_phone_idx";`);
    this.addSql(`drop index "contact_organization_last_name_idx";`);
    this.addSql(`drop index "contact_organization_first_name_idx";`);
  }
}
