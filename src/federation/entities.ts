import { isUUID } from 'class-validator';
import { ValidationError } from '../common/errors';
import type { AudienceService } from '../audience/audience.service';
import type { ContactService } from '../contact/contact.service';
import { Audience } from '../audience/audience.type';
import { Contact } from '../contact/contact.type';

export const MAX_REPRESENTATIONS = 1000;

/** The services entities are read through (a request's, so scoped to its API key). */
export interface EntityServices {
  audiences: AudienceService;
  contacts: ContactService;
}

const TYPES = ['Audience', 'Contact'] as const;

/**
 * The entities a router asks for, in its order, each type read in one statement through its
 * service (so scoped to the API key's organization like every read): an id that is unknown, or
 * another organization's, or not a UUID at all, resolves to null. A representation that is not
 * `{ __typename, id }` of an entity type is bad input.
 */
export async function resolveEntities(
  { audiences, contacts }: EntityServices,
  representations: unknown[],
): Promise<(Audience | Contact | null)[]> {
  if (representations.length > MAX_REPRESENTATIONS) {
    throw ValidationError.of(
      'representations',
      `representations must hold at most ${MAX_REPRESENTATIONS} entities, got ${representations.length}`,
    );
  }
  const wanted = representations.map((representation, index) => {
    const { __typename: type, id } = (representation ?? {}) as Record<string, unknown>;
    if (!TYPES.includes(type as (typeof TYPES)[number]) || typeof id !== 'string') {
      throw ValidationError.of(
        `representations[${index}]`,
        `representations[${index}] must be { __typename, id } with __typename one of ${TYPES.join(', ')} and id a string`,
      );
    }
    return { type: type as (typeof TYPES)[number], id: id.toLowerCase() };
  });
  const idsOf = (type: string) =>
    [...new Set(wanted.filter((entity) => entity.type === type).map((entity) => entity.id))].filter(
      (id) => isUUID(id, 'loose'),
    );
  const [foundAudiences, foundContacts] = await Promise.all([
    audiences.getMany(idsOf('Audience')),
    contacts.getMany(idsOf('Contact')),
  ]);
  return wanted.map(({ type, id }) => {
    if (type === 'Audience') {
      const audience = foundAudiences.get(id);
      return audience ? Object.assign(new Audience(), audience) : null;
    }
    const contact = foundContacts.get(id);
    return contact ? Object.assign(new Contact(), contact) : null;
  });
}
