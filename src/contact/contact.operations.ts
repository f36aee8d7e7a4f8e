import { MAX_CONTACTS_PER_CREATE } from './contact.input';

/**
 * What each contact operation does, written once: the GraphQL field's description, the REST
 * path's, and the docs' table of operations (npm run schema writes it from the schema).
 */
export const CONTACT_OPERATIONS = {
  list: 'The contacts of your organization, one page at a time (`{ data, meta }`), searched in firstName, lastName and primaryPhone and filtered by consent (smsConsent, emailConsent; meta.total counts the filtered contacts exactly).',
  get: "One contact of your organization; not found (GraphQL: null with a NOT_FOUND error; REST: 404) when it is unknown or another organization's.",
  create: `Creates 1 to ${MAX_CONTACTS_PER_CREATE.toLocaleString('en')} contacts, all or none, returned in input order. A phone is unique within your organization: one another contact has is a CONFLICT listing every such phone (extensions.takenPhones); a phone twice in the input is BAD_USER_INPUT naming both places.`,
  createOne:
    'Creates a contact (201). A phone is unique within your organization: one another contact has is a 409 naming it (takenPhones).',
  update:
    "Changes a contact with the rules of creation: fields left out (or a null name, phone or consent) keep their value, a null e-mail removes it (and makes emailConsent NEVER_SUBSCRIBED), an input that changes nothing writes nothing; a consent change is recorded (consentHistory). NOT_FOUND (REST 404) when it is unknown or another organization's; a CONFLICT (REST 409; takenPhones) when another contact has the new phone. Its audiences' member lists follow at once (sort, search, counts).",
  delete:
    "Erases a contact: it and its memberships are gone for good, and its audiences' contactCount follows in the same transaction. Returns the contact as it was; a second delete is NOT_FOUND (REST 404).",
} as const;
