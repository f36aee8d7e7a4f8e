import { MAX_CONTACTS_PER_ADD } from './membership.input';

const MOST = MAX_CONTACTS_PER_ADD.toLocaleString('en');

/**
 * What each membership operation does, written once: the GraphQL field's description, the REST
 * path's, and the docs' table of operations (npm run schema writes it from the schema).
 */
export const MEMBERSHIP_OPERATIONS = {
  members:
    'The contacts of the audience, one page at a time (`{ data, meta }`), searched in firstName, lastName and primaryPhone and filtered by consent (smsConsent: SUBSCRIBED for those who may be texted; meta.total counts them exactly).',
  membersByCursor:
    'The contacts of the audience by cursor (Relay: edges, pageInfo, totalCount): pass pageInfo.endCursor as `after`, with the same search, sort and consent filter (a cursor of another is BAD_USER_INPUT), for the next page. Every page costs the same, however deep, where a page number skips the entries before its page; `first: 0` answers only totalCount and pageInfo.',
  add: `Adds 1 to ${MOST} contacts to a live audience, in one statement, and returns their ids, de-duplicated, in request order. Contacts already in it are no error. If any id is not a contact of your organization, nothing is added and the error lists those ids (extensions.unknownContactIds; REST 400, unknownContactIds).`,
  remove: `Takes 1 to ${MOST} contacts out of a live audience, with the rules of adding: the ids come back de-duplicated in request order, contacts that are not members are no error, and if any id is not a contact of your organization nothing is removed (unknownContactIds, as adding). The contacts themselves stay.`,
  contactAudiences:
    'The live audiences the contact is a member of, with the audiences list’s paging and sorting (no search); a page of contacts asks for all of theirs in one statement.',
} as const;
