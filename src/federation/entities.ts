import { isUUID } from 'class-validator';
import { ValidationError } from '../common/errors';
import type { AudienceService } from '../audience/audience.service';
import type { ContactService } from '../contact/contact.service';
import { Audience } from '../audience/audience.type';
import { Contact } from '../contact/contact.type';

/**
 * The most ids one statement reads. Routers send every entity of a response in one `_entities`
 * call and never split it (@apollo/gateway does not even de-duplicate), so a larger batch is read
 * in chunks of this many, one statement each; the operation's cost bounds the whole.
 */
export const ENTITIES_PER_STATEMENT = 1000;

/** The services entities are read through (a request's, so scoped to its API key). */
export interface EntityServices {
  audiences: AudienceService;
  contacts: ContactService;
}

const TYPES = ['Audience', 'Contact'] as const;

/**
 * The entities a router asks for, in its order, each distinct one read once through its type's
 * service (so scoped to the API key's organization like every read), ENTITIES_PER_STATEMENT at a
 * time: an id that is unknown, or another organization's, or not a UUID at all, resolves to null.
 * A representation that is not `{ __typename, id }` of an entity type is bad input.
 */
export async function resolveEntities(
  { audiences, contacts }: EntityServices,
  representations: unknown[],
): Promise<(Audience | Contact | null)[]> {
  const wanted = representations.map(representationAt);
  const idsOf = (type: string) =>
    [...new Set(wanted.filter((entity) => entity.type === type).map((entity) => entity.id))].filter(
      (id) => isUUID(id, 'loose'),
    );
  const [foundAudiences, foundContacts] = await Promise.all([
    inChunks(idsOf('Audience'), (ids) => audiences.getMany(ids)),
    inChunks(idsOf('Contact'), (ids) => contacts.getMany(ids)),
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

/** The entity a representation names, by type and lower-cased id; refused when it names none. */
/** What a representation names, as sent: its type, and its id lower-cased (ids are UUIDs). */
function named(representation: unknown): { type: unknown; id: unknown } {
  const { __typename: type, id } = (representation ?? {}) as Record<string, unknown>;
  return { type, id: typeof id === 'string' ? id.toLowerCase() : id };
}

/** The entity a representation names; refused when it names none. */
function representationAt(
  representation: unknown,
  index: number,
): { type: (typeof TYPES)[number]; id: string } {
  const { type, id } = named(representation);
  if (!TYPES.includes(type as (typeof TYPES)[number]) || typeof id !== 'string') {
    throw ValidationError.of(
      `representations[${index}]`,
      `representations[${index}] must be { __typename, id } with __typename one of ${TYPES.join(', ')} and id a string`,
    );
  }
  return { type: type as (typeof TYPES)[number], id };
}

/**
 * How many distinct entities representations name (what the operation's cost counts); one that
 * names none counts on its own (it is refused when the operation runs).
 */
export function distinctEntities(representations: readonly unknown[]): number {
  return new Set(
    representations.map((representation, index) => {
      const { type, id } = named(representation);
      return typeof type === 'string' && typeof id === 'string' ? `${type}:${id}` : index;
    }),
  ).size;
}

/** Reads ids ENTITIES_PER_STATEMENT at a time, one chunk after another. */
async function inChunks<T>(
  ids: readonly string[],
  read: (chunk: readonly string[]) => Promise<Map<string, T>>,
): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  for (let start = 0; start < ids.length; start += ENTITIES_PER_STATEMENT) {
    const chunk = await read(ids.slice(start, start + ENTITIES_PER_STATEMENT));
    for (const [id, value] of chunk) found.set(id, value);
  }
  return found;
}
