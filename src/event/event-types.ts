/**
 * Every event type, with what its `data` holds: written once, for the docs, the schemas and the
 * validation of `types` filters. Types are dotted strings, never an enum, so that a type added
 * later breaks no client; the database writes them (event.sql).
 */
export const EVENT_TYPES = {
  'contact.created': 'A contact was created: `data.contact` as the API answers it.',
  'contact.updated':
    'A contact’s names, phone or e-mail changed (or its createdAt, by SQL): `data.contact` after the change, and `data.changes` with each changed field’s `old` and `new` value (consent changes are `contact.consent_changed`).',
  'contact.deleted': 'A contact was erased: `data.contact` as it was.',
  'contact.consent_changed':
    'Consent changed: `data.channel`, `status`, `previousStatus`, `source`, `keyword` and `contactIds`, the contacts (at most 1,000 an event) whose consent changed alike in one write.',
  'contacts.imported':
    'An import wrote contacts: `data.importId`, and the ids `created` and `updated`, at most 1,000 an event (its consent changes are `contact.consent_changed` events).',
  'audience.created': 'An audience was created: `data.audience` as the API answers it.',
  'audience.updated':
    'An audience’s name or description changed (or its deletion was undone, by SQL: `deletedAt`): `data.audience` after the change, and `data.changes`.',
  'audience.deleted':
    'An audience was deleted: `data.audience` as it was then; `data.erased` is true when its row was deleted for good (by SQL), its memberships with it.',
  'audience.members_added':
    'Contacts joined an audience: `data.audienceId` and `data.contactIds`, the ids actually added, at most 1,000 an event.',
  'audience.members_removed':
    'Contacts left an audience: `data.audienceId` and `data.contactIds`, the ids actually removed, at most 1,000 an event (an erased contact’s memberships go with its `contact.deleted`).',
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_TYPES, type);
}
