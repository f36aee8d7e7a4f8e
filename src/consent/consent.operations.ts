import { MAX_OPT_OUT_PHONES } from './consent.input';
import { BUILT_IN_KEYWORDS } from './sms-keywords';

const MOST = MAX_OPT_OUT_PHONES.toLocaleString('en');
const OPT_OUTS = [...BUILT_IN_KEYWORDS]
  .filter(([, action]) => action === 'OPT_OUT')
  .map(([word]) => word);
const OPT_INS = [...BUILT_IN_KEYWORDS]
  .filter(([, action]) => action === 'OPT_IN')
  .map(([word]) => word);

/**
 * What each consent operation does, written once: the GraphQL field's description, the REST
 * path's, and the docs' table of operations (npm run schema writes it from the schema).
 */
export const CONSENT_OPERATIONS = {
  history:
    'The record of every change of the contact’s consent, newest first, kept for good as proof of consent (after the contact is erased too; it goes only with its organization): channel, status and previous status, source, keyword, address, time and actor. Creating a contact with a consent is its first change.',
  optOuts: `Makes the contacts with these 1 to ${MOST} phones UNSUBSCRIBED on the channel, in one transaction (an opt-out list from a carrier or a previous provider), recorded with source OPT_OUT_LIST. Contacts UNSUBSCRIBED already change and record nothing; phones that are no contact of your organization are listed (unknownPhones), not an error. A phone not in E.164 is bad input naming it, and nothing changes.`,
  inbound: `One inbound text message from an SMS provider’s webhook. A message that is one keyword (trimmed, any case) from a phone of your contacts changes that contact’s SMS consent, recorded with source KEYWORD: ${OPT_OUTS.join(', ')} make it UNSUBSCRIBED, ${OPT_INS.join(', ')} SUBSCRIBED, and so do your organization’s own keywords. The phone is read in E.164 whatever its spacing. Anything else changes nothing (matched: false). A keyword that finds the status already there changes and records nothing.`,
  keywords:
    'The inbound SMS keywords: the built-in ones first, then your organization’s own, alphabetically.',
  setKeyword:
    'Adds an inbound SMS keyword of your organization’s, or changes what it does; a built-in keyword cannot be changed (bad input).',
  deleteKeyword:
    'Removes an inbound SMS keyword of your organization’s: NOT_FOUND (REST 404) when it has none such; a built-in keyword cannot be removed (bad input).',
} as const;
