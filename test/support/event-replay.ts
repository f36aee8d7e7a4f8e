import type { Knex } from '@mikro-orm/postgresql';
import { EventService } from '../../src/event/event.service';
import type { Actor } from '../../src/organization/actor';

interface ContactState {
  firstName: string;
  lastName: string;
  primaryPhone: string;
  primaryEmail: string | null;
  createdAt: string;
  SMS: string;
  EMAIL: string;
}

interface FeedEvent {
  sequence: number;
  type: string;
  data: any;
}

/** What an organization's data is, as far as a reader of its events can tell. */
export interface ReplayedState {
  contacts: Record<string, ContactState>;
  audiences: Record<string, { name: string; description: string | null; deleted: boolean }>;
  members: Record<string, string[]>;
}

/**
 * Replays events from the start onto an empty model, as a client syncing from the feed would,
 * and checks each event against the model as it goes (an update's `old` values, a consent
 * change's `previousStatus`): what the events say must add up, not merely end right.
 */
export function replayEvents(events: readonly FeedEvent[]): ReplayedState {
  const contacts = new Map<string, ContactState>();
  const audiences = new Map<
    string,
    { name: string; description: string | null; deleted: boolean }
  >();
  const members = new Map<string, Set<string>>();
  const problems: string[] = [];
  const expectEqual = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(
        `${what}: the model has ${JSON.stringify(actual)}, the event says ${JSON.stringify(expected)}`,
      );
    }
  };
  for (const [index, event] of events.entries()) {
    expectEqual(`event ${index} sequence`, event.sequence, (events[0]?.sequence ?? 1) + index);
    const { data } = event;
    if (event.type === 'contact.created') {
      const c = data.contact;
      contacts.set(c.id, {
        firstName: c.firstName,
        lastName: c.lastName,
        primaryPhone: c.primaryPhone,
        primaryEmail: c.primaryEmail,
        createdAt: c.createdAt,
        // Consent comes with its own events, which follow.
        SMS: 'NEVER_SUBSCRIBED',
        EMAIL: 'NEVER_SUBSCRIBED',
      });
    } else if (event.type === 'contact.updated') {
      const state = contacts.get(data.contact.id);
      if (!state) {
        problems.push(`event ${index}: an update of an unknown contact`);
        continue;
      }
      for (const [field, change] of Object.entries<{ old: unknown; new: unknown }>(data.changes)) {
        expectEqual(`event ${index} ${field}`, state[field as keyof ContactState], change.old);
        (state as unknown as Record<string, unknown>)[field] = change.new;
      }
    } else if (event.type === 'contact.consent_changed') {
      for (const id of data.contactIds as string[]) {
        const state = contacts.get(id);
        if (!state) {
          problems.push(`event ${index}: consent of an unknown contact`);
          continue;
        }
        const channel = data.channel as 'SMS' | 'EMAIL';
        expectEqual(`event ${index} ${channel} of ${id}`, state[channel], data.previousStatus);
        state[channel] = data.status;
      }
    } else if (event.type === 'contact.deleted') {
      contacts.delete(data.contact.id);
      for (const set of members.values()) set.delete(data.contact.id);
    } else if (event.type === 'audience.created') {
      const a = data.audience;
      audiences.set(a.id, { name: a.name, description: a.description, deleted: false });
      members.set(a.id, new Set());
    } else if (event.type === 'audience.updated') {
      const state = audiences.get(data.audience.id)!;
      for (const [field, change] of Object.entries<{ old: unknown; new: unknown }>(data.changes)) {
        if (field === 'deletedAt') {
          state.deleted = change.new !== null;
        } else {
          expectEqual(
            `event ${index} ${field}`,
            state[field as 'name' | 'description'],
            change.old,
          );
          (state as Record<string, unknown>)[field] = change.new;
        }
      }
    } else if (event.type === 'audience.deleted') {
      if (data.erased) {
        audiences.delete(data.audience.id);
        members.delete(data.audience.id);
      } else {
        audiences.get(data.audience.id)!.deleted = true;
      }
    } else if (event.type === 'audience.members_added') {
      const set = members.get(data.audienceId)!;
      for (const id of data.contactIds as string[]) {
        if (set.has(id)) problems.push(`event ${index}: ${id} added twice`);
        set.add(id);
      }
    } else if (event.type === 'audience.members_removed') {
      const set = members.get(data.audienceId)!;
      for (const id of data.contactIds as string[]) {
        if (!set.delete(id)) problems.push(`event ${index}: ${id} removed but not a member`);
      }
    } else {
      problems.push(`event ${index}: type ${event.type} not replayed`);
    }
  }
  if (problems.length > 0) throw new Error(problems.slice(0, 10).join('\n'));
  const sorted = <T>(map: Map<string, T>) =>
    Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return {
    contacts: sorted(contacts),
    audiences: sorted(audiences),
    members: sorted(new Map([...members].map(([id, set]) => [id, [...set].sort()]))),
  };
}

/** The same, read from the database. */
export async function storedState(db: Knex, organizationId: string): Promise<ReplayedState> {
  const contacts = await db('contact')
    .where({ organization_id: organizationId })
    .orderBy('id')
    .select(
      'id',
      'first_name',
      'last_name',
      'primary_phone',
      'primary_email',
      'created_at',
      'sms_consent',
      'email_consent',
    );
  const audiences = await db('audience')
    .where({ organization_id: organizationId })
    .orderBy('id')
    .select('id', 'name', 'description', 'deleted_at');
  const memberships = await db('audience_contact as m')
    .join('audience as a', 'a.id', 'm.audience_id')
    .where('a.organization_id', organizationId)
    .select('m.audience_id', 'm.contact_id');
  const members: Record<string, string[]> = {};
  for (const audience of audiences) members[audience.id] = [];
  for (const row of memberships) members[row.audience_id]!.push(row.contact_id);
  for (const list of Object.values(members)) list.sort();
  return {
    contacts: Object.fromEntries(
      contacts
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((c) => [
          c.id,
          {
            firstName: c.first_name,
            lastName: c.last_name,
            primaryPhone: c.primary_phone,
            primaryEmail: c.primary_email,
            createdAt: new Date(c.created_at).toISOString(),
            SMS: c.sms_consent,
            EMAIL: c.email_consent,
          },
        ]),
    ),
    audiences: Object.fromEntries(
      audiences
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((a) => [
          a.id,
          { name: a.name, description: a.description, deleted: a.deleted_at !== null },
        ]),
    ),
    members: Object.fromEntries(Object.entries(members).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** An organization's whole feed from its start, read page by page through the feed's service. */
export async function wholeFeed(db: Knex, actor: Actor): Promise<FeedEvent[]> {
  const feed = new EventService(db, actor);
  const events: FeedEvent[] = [];
  for (let position = 0; ;) {
    const page = await feed.readFrom(position, 1000, null);
    events.push(...page.events);
    if (!page.hasMore) return events;
    position = page.events.at(-1)!.sequence;
  }
}
