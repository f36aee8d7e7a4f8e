import { IsIn } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { SearchRules } from '../common/search';
import { SortBy, SortDirection, SortOrder } from '../common/sorting';
import { ContactSortField } from '../contact/contact.args';
import { ConsentFilterArg } from '../contact/consent.args';
import type { ConsentStatus } from '../contact/consent.type';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** An export's query: its format, and the search, sort and consent filter of the list's pages. */
export class ContactExportArgs {
  @IsIn(EXPORT_FORMATS, { message: 'format must be csv or ndjson' })
  @JSONSchema({
    enum: [...EXPORT_FORMATS],
    default: 'csv',
    description:
      'csv (a header, then firstName,lastName,primaryPhone,primaryEmail,smsConsent,emailConsent) or ndjson (an object a line with those fields): what POST /api/contacts/imports takes back.',
  })
  format: ExportFormat = 'csv';

  @SearchRules()
  @JSONSchema({
    description:
      'Case-insensitive substring of firstName, lastName or primaryPhone, as the list pages take it.',
  })
  search?: string | null;

  @SortBy(ContactSortField, ContactSortField.createdAt)
  sortBy: ContactSortField = ContactSortField.createdAt;

  @SortDirection()
  sortOrder: SortOrder = SortOrder.desc;

  @ConsentFilterArg('SMS')
  smsConsent?: ConsentStatus | null;

  @ConsentFilterArg('e-mail')
  emailConsent?: ConsentStatus | null;
}
