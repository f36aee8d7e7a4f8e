const SAME =
  'in the order and with the search, sort and consent filters of its pages, as one consistent snapshot, streamed (memory stays flat whatever its size). format=csv (the default) or ndjson; either is what POST /api/contacts/imports takes back, so an export imported again changes nothing.';

/** What each export does, written once: the REST path's description and the docs' table. */
export const EXPORT_OPERATIONS = {
  contacts: `Every contact of your organization that GET /api/contacts lists, ${SAME}`,
  audienceContacts: `Every member of the audience that GET /api/audience/{id}/contacts lists, ${SAME} NOT_FOUND (404) for an audience your organization does not have.`,
} as const;
