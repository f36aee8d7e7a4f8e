/**
 * What each import-job operation does, written once: the GraphQL field's description, the REST
 * path's, and the docs' table of operations.
 */
export const IMPORT_OPERATIONS = {
  start:
    'Imports contacts from a file uploaded as the body: text/csv (the header firstName,lastName,primaryPhone,primaryEmail, optionally smsConsent and emailConsent) or application/x-ndjson (a contact object a line, the API’s field names), UTF-8, up to 5,000,000 rows and 1 GB (413 past either). A row whose phone a contact has updates it; any other creates one. All or nothing: a job with one bad line writes nothing and lists its lines. With audienceId, every row’s contact is also added to that audience, in the same transaction. Answers 202 with the job once the upload is in; poll it at its Location until it is completed or failed. One job per organization runs at a time; the next waits, queued.',
  get: 'An import job: its status, counts and rejected lines. NOT_FOUND (REST 404) when your organization has none with this id.',
  list: 'Your organization’s import jobs, newest first.',
} as const;
