import { joinSql, type Sql, sql, sqlText, WRITE_TIME } from '../database/sql';
import type { ConsentFilter } from './consent.args';
import { type ConsentSource, ConsentStatus } from './consent.type';

/**
 * How contacts hold their consent, for every statement that reads, filters or changes it: each
 * channel's status, when it changed, its source and keyword are columns of the contact
 * (`sms_consent`, `sms_consent_updated_at`, …); memberships carry copies of both statuses, kept by
 * the database (membership.sql). The record of every change is the database's too (consent.sql).
 */

export type ChannelColumn = 'sms' | 'email';
export const CHANNEL_COLUMNS: readonly ChannelColumn[] = ['sms', 'email'];

/** A channel's `Consent`, as a field of a row shape (RowShape). */
export function consentColumns(channel: ChannelColumn) {
  return {
    object: {
      status: `${channel}_consent`,
      updatedAt: { timestamp: `${channel}_consent_updated_at` },
      source: `${channel}_consent_source`,
      keyword: `${channel}_consent_keyword`,
    },
  } as const;
}

/** The rows of `alias` (a contact or a membership) the filter keeps; true without one. */
export function consentMatches(alias: string, filter: ConsentFilter): Sql {
  const conditions = CHANNEL_COLUMNS.flatMap((channel) => {
    const status = filter[channel];
    return status
      ? [sql`${sqlText(`${alias}.${channel}_consent`)} = cast(${status} as consent_status)`]
      : [];
  });
  return conditions.length === 0 ? sqlText('true') : joinSql(conditions, ' and ');
}

/** Whether the filter filters anything. */
export function hasConsentFilter(filter: ConsentFilter): boolean {
  return filter.sms !== undefined || filter.email !== undefined;
}

/** A consent change a write makes: the new status (an SQL expression), its source and keyword. */
export interface ConsentWrite {
  status: Sql;
  source: ConsentSource;
  keyword?: string | null;
}

/** The new status as an SQL value. */
export function statusValue(status: ConsentStatus): Sql {
  return sql`cast(${status} as consent_status)`;
}

/**
 * The assignments of an UPDATE (or ON CONFLICT DO UPDATE) that move a channel's consent to the
 * write's status: its time, source and keyword change only when the status does, so that they keep
 * naming the last real change, and a status written again records nothing (consent.sql). `current`
 * names the row as it was (`c`, or `contact` in an upsert).
 */
export function consentAssignments(
  channel: ChannelColumn,
  current: string,
  write: ConsentWrite,
): Sql {
  const column = (suffix: string) => sqlText(`${channel}_consent${suffix}`);
  const was = (suffix: string) => sqlText(`${current}.${channel}_consent${suffix}`);
  const changes = sql`${was('')} is distinct from ${write.status}`;
  return sql`${column('')} = ${write.status},
    ${column('_updated_at')} = case when ${changes} then ${WRITE_TIME} else ${was('_updated_at')} end,
    ${column('_source')} = case when ${changes} then cast(${write.source} as consent_source) else ${was('_source')} end,
    ${column('_keyword')} = case when ${changes} then cast(${write.keyword ?? null} as varchar) else ${was('_keyword')} end`;
}

/** Whether a database error is the e-mail consent rule (contact_email_consent_needs_email). */
export function isEmailConsentWithoutEmail(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23514' && constraint === 'contact_email_consent_needs_email';
}

/** What is said of e-mail consent SUBSCRIBED on a contact without an e-mail address. */
export function emailConsentNeedsEmail(field: string): string {
  return `${field} cannot be SUBSCRIBED for a contact without a primaryEmail`;
}

/** The counts an audience's or an organization's row keeps of its contacts' consent. */
export interface KeptConsentCounts {
  contactCount: number;
  smsSubscribedCount: number;
  smsUnsubscribedCount: number;
  emailSubscribedCount: number;
  emailUnsubscribedCount: number;
}

/** Whether the kept counts answer the filter: they do for one channel or none, not for both. */
export function keptCountsAnswer(filter: ConsentFilter): boolean {
  return filter.sms === undefined || filter.email === undefined;
}

/**
 * The filter's matches as the kept counts say them, for a filter on one channel (or none);
 * undefined for a filter on both, which the kept counts cannot answer.
 */
export function keptConsentMatches(
  counts: KeptConsentCounts,
  filter: ConsentFilter,
): number | undefined {
  if (!keptCountsAnswer(filter)) return undefined;
  const channel = CHANNEL_COLUMNS.find((each) => filter[each] !== undefined);
  if (channel === undefined) return counts.contactCount;
  const subscribed = counts[`${channel}SubscribedCount`];
  const unsubscribed = counts[`${channel}UnsubscribedCount`];
  switch (filter[channel]!) {
    case ConsentStatus.SUBSCRIBED:
      return subscribed;
    case ConsentStatus.UNSUBSCRIBED:
      return unsubscribed;
    case ConsentStatus.NEVER_SUBSCRIBED:
      return counts.contactCount - subscribed - unsubscribed;
  }
}

/** The kept counts' columns, named after KeptConsentCounts' fields, from the row aliased `alias`. */
export function keptConsentCountsSelect(alias: string): Sql {
  return sqlText(
    [
      'contact_count',
      'sms_subscribed_count',
      'sms_unsubscribed_count',
      'email_subscribed_count',
      'email_unsubscribed_count',
    ]
      .map(
        (column) =>
          `${alias}.${column} as "${column.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase())}"`,
      )
      .join(', '),
  );
}
