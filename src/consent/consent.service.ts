import type { Knex } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { NotFoundError, ValidationError } from '../common/errors';
import { type Page, PageArgs, pageWindow, toPage } from '../common/pagination';
import { assertUuid, validateInput } from '../common/validation';
import { findContact } from '../contact/contact.repository';
import type { Contact } from '../contact/contact.type';
import { ConsentChannel, ConsentStatus } from '../contact/consent.type';
import { actAs } from '../organization/acting';
import { type Actor, requireActor } from '../organization/actor';
import {
  ConsentHistoryArgs,
  InboundSmsInput,
  MAX_OPT_OUT_PHONES,
  OptOutsInput,
  SmsKeywordInput,
} from './consent.input';
import {
  applyKeyword,
  type ChangePage,
  deleteKeyword,
  findConsentChanges,
  findKeywordAction,
  findKeywords,
  unsubscribePhones,
  upsertKeyword,
} from './consent.repository';
import type {
  ConsentChange,
  ConsentChangeConnection,
  InboundSmsResult,
  OptOutResult,
  SmsKeyword,
} from './consent.type';
import { SmsKeywordAction } from './consent.type';
import { BUILT_IN_KEYWORDS, e164Of, keywordOf } from './sms-keywords';

// A cursor of the record names the change it follows. Ids are in the order the record was
// written, for every contact alike: given with another contact's record, it pages that record
// from the same point in time (no error: a mutation's answer cannot fail after its write).
const HISTORY_SCOPE = { sortBy: 'consentHistory', sortOrder: 'desc', search: null };

// The most bad phones one error lists (with how many there are): an answer stays small.
const LISTED_PROBLEMS = 20;

/**
 * Every rule about consent beyond a contact's own writes (which contact.service keeps): its
 * record, opt-out lists and keywords. The GraphQL and REST doors both call this.
 */
export class ConsentService {
  // A page of contacts each showing its record: one statement for all of them, per page asked.
  private readonly histories = new Map<string, DataLoader<Contact, ChangePage, string>>();

  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
  ) {}

  private historiesFor(args: ConsentHistoryArgs): DataLoader<Contact, ChangePage, string> {
    const key = JSON.stringify([args.first, args.after ?? null]);
    let loader = this.histories.get(key);
    if (!loader) {
      const before = args.after
        ? decodeCursor('after', args.after, HISTORY_SCOPE).value
        : undefined;
      loader = new DataLoader(
        async (contacts) => {
          const found = await findConsentChanges(
            this.db,
            contacts[0]!.organizationId,
            contacts.map((contact) => contact.id),
            { window: { limit: args.first + 1, offset: 0 }, before },
          );
          return contacts.map((contact) => found.get(contact.id)!);
        },
        { cacheKeyFn: (contact) => contact.id },
      );
      this.histories.set(key, loader);
    }
    return loader;
  }

  /** CONSENT_OPERATIONS.history: a contact's record, the seed's paging (REST). */
  async history(id: string, args: Partial<PageArgs>): Promise<Page<ConsentChange>> {
    const { organizationId } = requireActor(this.actor);
    const contactId = assertUuid('id', id);
    const valid = await validateInput(PageArgs, args);
    if (!(await findContact(this.db, organizationId, contactId))) {
      throw new NotFoundError('Contact', contactId);
    }
    const found = await findConsentChanges(this.db, organizationId, [contactId], {
      window: pageWindow(valid),
    });
    const { changes, total } = found.get(contactId)!;
    return toPage(changes, total, valid);
  }

  /** A contact's record by cursor; `contact` is one the contact service returned. */
  async historyConnection(
    contact: Contact,
    args: Partial<ConsentHistoryArgs>,
  ): Promise<ConsentChangeConnection> {
    const valid = await validConsentHistoryArgs(args);
    const { changes, total } = await this.historiesFor(valid).load(contact);
    const edges = changes.slice(0, valid.first).map((node) => ({
      node,
      cursor: encodeCursor(HISTORY_SCOPE, { value: node.id, id: contact.id }),
    }));
    return {
      edges,
      totalCount: total,
      pageInfo: {
        hasNextPage: changes.length > valid.first,
        hasPreviousPage: Boolean(valid.after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  /** CONSENT_OPERATIONS.optOuts: an opt-out list, all in one transaction. */
  async recordOptOuts(channel: unknown, phones: unknown): Promise<OptOutResult> {
    const actor = requireActor(this.actor);
    if (channel !== ConsentChannel.SMS && channel !== ConsentChannel.EMAIL) {
      throw ValidationError.of('channel', 'channel must be SMS or EMAIL');
    }
    const listed = validPhones(phones);
    return this.db.transaction(async (trx) => {
      await actAs(trx, actor);
      return unsubscribePhones(trx, actor.organizationId, channel, listed);
    });
  }

  /** The REST body of an opt-out list: `channel` is `sms` or `email`. */
  async recordOptOutList(input: OptOutsInput): Promise<OptOutResult> {
    requireActor(this.actor);
    const valid = await validateInput(OptOutsInput, input);
    const channel = valid.channel === 'sms' ? ConsentChannel.SMS : ConsentChannel.EMAIL;
    return this.recordOptOuts(channel, valid.phones);
  }

  /** CONSENT_OPERATIONS.inbound: one inbound text message. */
  async inbound(input: InboundSmsInput): Promise<InboundSmsResult> {
    const actor = requireActor(this.actor);
    const valid = await validateInput(InboundSmsInput, input);
    const phone = e164Of(valid.from);
    if (!phone) {
      throw ValidationError.of(
        'from',
        'from must be a phone number in E.164 form, like +1234567890',
      );
    }
    const unmatched = { matched: false, contactId: null, smsConsent: null };
    const keyword = keywordOf(valid.body);
    if (keyword === undefined) return { ...unmatched, keyword: null };
    const action =
      BUILT_IN_KEYWORDS.get(keyword) ??
      (await findKeywordAction(this.db, actor.organizationId, keyword));
    if (action === undefined) return { ...unmatched, keyword: null };
    const status =
      action === SmsKeywordAction.OPT_OUT ? ConsentStatus.UNSUBSCRIBED : ConsentStatus.SUBSCRIBED;
    const outcome = await this.db.transaction(async (trx) => {
      await actAs(trx, actor);
      return applyKeyword(trx, actor.organizationId, phone, keyword, status);
    });
    if (!outcome) return { ...unmatched, keyword };
    return { matched: true, keyword, ...outcome };
  }

  /** CONSENT_OPERATIONS.keywords: the built-in keywords, then the organization's own. */
  async keywords(): Promise<SmsKeyword[]> {
    const { organizationId } = requireActor(this.actor);
    const builtIn = [...BUILT_IN_KEYWORDS].map(([keyword, action]) => ({
      keyword,
      action,
      builtIn: true,
    }));
    return [...builtIn, ...(await findKeywords(this.db, organizationId))];
  }

  /** CONSENT_OPERATIONS.setKeyword: adds a keyword of the organization's, or changes its action. */
  async setKeyword(input: SmsKeywordInput): Promise<SmsKeyword> {
    const { organizationId } = requireActor(this.actor);
    const valid = await validateInput(SmsKeywordInput, input);
    const keyword = ownKeyword(valid.keyword);
    await upsertKeyword(this.db, organizationId, keyword, valid.action);
    return { keyword, action: valid.action, builtIn: false };
  }

  /** CONSENT_OPERATIONS.deleteKeyword: removes a keyword of the organization's. */
  async deleteKeyword(keyword: unknown): Promise<SmsKeyword> {
    const { organizationId } = requireActor(this.actor);
    if (typeof keyword !== 'string')
      throw ValidationError.of('keyword', 'keyword must be a string');
    const own = ownKeyword(keyword);
    const deleted = await deleteKeyword(this.db, organizationId, own);
    if (!deleted) throw new NotFoundError('SMS keyword', own);
    return deleted;
  }
}

/**
 * The rules of a contact's `consentHistory` arguments, the cursor included. Also checked, for
 * every contact a mutation's answer selects, before the mutation runs (graphql/nested-arguments.ts).
 */
export async function validConsentHistoryArgs(args: unknown): Promise<ConsentHistoryArgs> {
  const valid = await validateInput(ConsentHistoryArgs, args);
  if (valid.after) {
    const { value } = decodeCursor('after', valid.after, HISTORY_SCOPE);
    if (!/^\d{1,18}$/.test(value)) {
      throw ValidationError.of('after', 'after is not a cursor this API gave out');
    }
  }
  return valid;
}

/** A keyword the organization can have: one word, upper case, not a built-in one. */
function ownKeyword(given: string): string {
  const keyword = keywordOf(given);
  if (keyword === undefined || keyword !== given.trim().toUpperCase()) {
    throw ValidationError.of('keyword', 'keyword must be one word of 1 to 32 letters or digits');
  }
  if (BUILT_IN_KEYWORDS.has(keyword)) {
    throw ValidationError.of(
      'keyword',
      `keyword ${keyword} is a built-in keyword and cannot be changed`,
    );
  }
  return keyword;
}

/** The phones of an opt-out list in E.164, de-duplicated in order; bad input names the bad ones. */
function validPhones(phones: unknown): string[] {
  if (!Array.isArray(phones)) throw ValidationError.of('phones', 'phones must be a list of phones');
  if (phones.length === 0 || phones.length > MAX_OPT_OUT_PHONES) {
    throw ValidationError.of(
      'phones',
      `phones must hold 1 to ${MAX_OPT_OUT_PHONES.toLocaleString('en')} phones, got ${phones.length.toLocaleString('en')}`,
    );
  }
  const valid = new Set<string>();
  const bad: number[] = [];
  phones.forEach((phone: unknown, index) => {
    const e164 = typeof phone === 'string' && phone.length <= 32 ? e164Of(phone) : undefined;
    if (e164 === undefined) bad.push(index);
    else valid.add(e164);
  });
  if (bad.length > 0) {
    const problems = bad.slice(0, LISTED_PROBLEMS).map((index) => ({
      field: `phones[${index}]`,
      messages: [`phones[${index}] must be a phone number in E.164 form, like +1234567890`],
    }));
    if (bad.length > LISTED_PROBLEMS) {
      problems.push({
        field: 'phones',
        messages: [
          `${bad.length.toLocaleString('en')} phones are not in E.164 form; the first ${LISTED_PROBLEMS} are listed`,
        ],
      });
    }
    throw new ValidationError(problems);
  }
  return [...valid];
}
