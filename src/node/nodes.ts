import type { AudienceService } from '../audience/audience.service';
import { Audience } from '../audience/audience.type';
import { ValidationError } from '../common/errors';
import { MAX_PAGE_SIZE } from '../common/pagination';
import { assertUuid } from '../common/validation';
import type { ContactService } from '../contact/contact.service';
import { Contact } from '../contact/contact.type';

/** The services nodes are read through (a request's, so scoped to its API key). */
export interface NodeServices {
  audiences: AudienceService;
  contacts: ContactService;
}

export const MAX_NODES = MAX_PAGE_SIZE;

/**
 * The audiences and contacts these ids name, in their order: one statement per type, within the
 * API key's organization, as every read is. An id that is unknown, a deleted audience's or another
 * organization's is null (Relay's answer for an object that cannot be fetched); one that is not a
 * UUID is bad input naming its place.
 */
export async function findNodes(
  { audiences, contacts }: NodeServices,
  ids: readonly string[],
  field = 'ids',
): Promise<(Audience | Contact | null)[]> {
  if (ids.length > MAX_NODES) {
    throw ValidationError.of(
      field,
      `${field} must hold at most ${MAX_NODES} ids, got ${ids.length}`,
    );
  }
  const wanted = ids.map((id, index) =>
    assertUuid(field === 'id' ? field : `${field}[${index}]`, id).toLowerCase(),
  );
  const distinct = [...new Set(wanted)];
  const [foundAudiences, foundContacts] = await Promise.all([
    audiences.getMany(distinct),
    contacts.getMany(distinct),
  ]);
  return wanted.map((id) => {
    const audience = foundAudiences.get(id);
    if (audience) return Object.assign(new Audience(), audience);
    const contact = foundContacts.get(id);
    return contact ? Object.assign(new Contact(), contact) : null;
  });
}
