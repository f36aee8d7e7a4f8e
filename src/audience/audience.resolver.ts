import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { AudienceService } from './audience.service';
import { AudiencesArgs } from './audience.args';
import { CreateAudienceInput, UpdateAudienceInput } from './audience.input';
import { AUDIENCE_OPERATIONS } from './audience.operations';
import { Audience, AudiencePage } from './audience.type';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface AudienceContext {
  audiences: AudienceService;
}

@Resolver(() => Audience)
export class AudienceResolver {
  @Query(() => AudiencePage, {
    description: AUDIENCE_OPERATIONS.list,
  })
  audiences(@Args() args: AudiencesArgs, @Ctx() { audiences }: AudienceContext) {
    return audiences.list(args);
  }

  @Query(() => Audience, {
    nullable: true,
    description: AUDIENCE_OPERATIONS.get,
  })
  audience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.get(id);
  }

  @Mutation(() => Audience, { description: AUDIENCE_OPERATIONS.create })
  createAudience(
    @Arg('input', () => CreateAudienceInput, { description: 'The new audience.' })
    input: CreateAudienceInput,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.create(input);
  }

  @Mutation(() => Audience, {
    description: AUDIENCE_OPERATIONS.update,
  })
  updateAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Arg('input', () => UpdateAudienceInput, { description: 'The changes.' })
    input: UpdateAudienceInput,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.update(id, input);
  }

  @Mutation(() => Audience, {
    description: AUDIENCE_OPERATIONS.delete,
  })
  deleteAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.delete(id);
  }
}
