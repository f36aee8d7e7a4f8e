import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { AudienceService } from './audience.service';
import { AudiencesArgs } from './audience.args';
import { CreateAudienceInput, UpdateAudienceInput } from './audience.input';
import { Audience, AudiencePage } from './audience.type';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface AudienceContext {
  audiences: AudienceService;
}

@Resolver(() => Audience)
export class AudienceResolver {
  @Query(() => AudiencePage, {
    description: 'The live audiences of your organization, one page at a time.',
  })
  audiences(@Args() args: AudiencesArgs, @Ctx() { audiences }: AudienceContext) {
    return audiences.list(args);
  }

  @Query(() => Audience, {
    nullable: true,
    description: 'One live audience; null with a NOT_FOUND error when it is unknown or deleted.',
  })
  audience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.get(id);
  }

  @Mutation(() => Audience, { description: 'Creates an audience.' })
  createAudience(
    @Arg('input', () => CreateAudienceInput, { description: 'The new audience.' })
    input: CreateAudienceInput,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.create(input);
  }

  @Mutation(() => Audience, {
    description:
      'Changes the name and/or description of a live audience; an empty input changes nothing, updatedAt included.',
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
    description:
      'Soft-deletes a live audience and returns it with deletedAt and deletedBy set; deleting it again is NOT_FOUND.',
  })
  deleteAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.delete(id);
  }
}
