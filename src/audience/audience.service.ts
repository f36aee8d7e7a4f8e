import type { Knex } from '@mikro-orm/postgresql';
import { NotFoundError } from '../common/errors';
import { type Page, pageWindow, toPage } from '../common/pagination';
import { searchTerm } from '../common/search';
import { assertUuid, validateInput } from '../common/validation';
import { writeAs } from '../organization/acting';
import { type Actor, requireActor } from '../organization/actor';
import { AudiencesArgs } from './audience.args';
import { CreateAudienceInput, UpdateAudienceInput } from './audience.input';
import {
  findAudience,
  findAudiencePage,
  findAudiencesByIds,
  insertAudience,
  softDeleteAudience,
  updateAudience,
} from './audience.repository';
import type { Audience } from './audience.type';

/**
 * Every rule about audiences: validation, scoping to the actor's organization and soft delete
 * (their members: MembershipService). Both the GraphQL resolvers and the REST routes call this and nothing below it.
 */
export class AudienceService {
  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
  ) {}

  async list(args: Partial<AudiencesArgs>): Promise<Page<Audience>> {
    const { organizationId } = requireActor(this.actor);
    const valid = await validateInput(AudiencesArgs, args);
    const search = searchTerm(valid.search);
    const { audiences, total } = await findAudiencePage(this.db, organizationId, {
      search,
      sortBy: valid.sortBy,
      sortOrder: valid.sortOrder,
      window: pageWindow(valid),
    });
    return toPage(audiences, total, valid);
  }

  async get(id: string): Promise<Audience> {
    const { organizationId } = requireActor(this.actor);
    const audienceId = assertUuid('id', id);
    const audience = await findAudience(this.db, organizationId, audienceId);
    if (!audience) throw new NotFoundError('Audience', audienceId);
    return audience;
  }

  /** The organization's live audiences among these ids (UUIDs), by id: one statement. */
  async getMany(ids: readonly string[]): Promise<Map<string, Audience>> {
    const { organizationId } = requireActor(this.actor);
    const audiences = await findAudiencesByIds(this.db, organizationId, ids);
    return new Map(audiences.map((audience) => [audience.id, audience]));
  }

  async create(input: CreateAudienceInput): Promise<Audience> {
    const actor = requireActor(this.actor);
    const valid = await validateInput(CreateAudienceInput, input);
    return writeAs(this.db, actor, (trx) =>
      insertAudience(trx, actor, { name: valid.name, description: valid.description ?? null }),
    );
  }

  async update(id: string, input: UpdateAudienceInput): Promise<Audience> {
    const actor = requireActor(this.actor);
    const audienceId = assertUuid('id', id);
    const valid = await validateInput(UpdateAudienceInput, input);
    // A null name keeps the name, as leaving it out does; a null description removes it.
    const changes = { name: valid.name ?? undefined, description: valid.description };
    // Nothing to change is no write: updatedAt and updatedBy keep naming the last real change.
    if (changes.name === undefined && changes.description === undefined) {
      return this.get(audienceId);
    }
    const audience = await writeAs(this.db, actor, (trx) =>
      updateAudience(trx, actor, audienceId, changes),
    );
    if (!audience) throw new NotFoundError('Audience', audienceId);
    return audience;
  }

  /** Soft delete: the audience disappears from every read but keeps its row. */
  async delete(id: string): Promise<Audience> {
    const actor = requireActor(this.actor);
    const audienceId = assertUuid('id', id);
    const audience = await writeAs(this.db, actor, (trx) =>
      softDeleteAudience(trx, actor, audienceId),
    );
    if (!audience) throw new NotFoundError('Audience', audienceId);
    return audience;
  }
}
