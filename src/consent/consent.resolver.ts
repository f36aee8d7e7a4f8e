import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Contact } from '../contact/contact.type';
import { ConsentChannel } from '../contact/consent.type';
import { ConsentHistoryArgs, SmsKeywordInput } from './consent.input';
import { CONSENT_OPERATIONS } from './consent.operations';
import type { ConsentService } from './consent.service';
import { ConsentChangeConnection, OptOutResult, SmsKeyword } from './consent.type';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface ConsentContext {
  consent: ConsentService;
}

/** A contact's record of consent changes. */
@Resolver(() => Contact)
export class ContactConsentResolver {
  @FieldResolver(() => ConsentChangeConnection, { description: CONSENT_OPERATIONS.history })
  consentHistory(
    @Root() contact: Contact,
    @Args() args: ConsentHistoryArgs,
    @Ctx() { consent }: ConsentContext,
  ) {
    return consent.historyConnection(contact, args);
  }
}

/** Opt-out lists and the organization's SMS keywords. */
@Resolver()
export class ConsentResolver {
  @Mutation(() => OptOutResult, { description: CONSENT_OPERATIONS.optOuts })
  recordOptOuts(
    @Arg('channel', () => ConsentChannel, { description: 'The channel to unsubscribe.' })
    channel: ConsentChannel,
    @Arg('phones', () => [String], { description: 'The phones, in E.164.' }) phones: string[],
    @Ctx() { consent }: ConsentContext,
  ) {
    return consent.recordOptOuts(channel, phones);
  }

  @Query(() => [SmsKeyword], { description: CONSENT_OPERATIONS.keywords })
  smsKeywords(@Ctx() { consent }: ConsentContext) {
    return consent.keywords();
  }

  @Mutation(() => SmsKeyword, { description: CONSENT_OPERATIONS.setKeyword })
  setSmsKeyword(
    @Arg('input', () => SmsKeywordInput, { description: 'The keyword and its action.' })
    input: SmsKeywordInput,
    @Ctx() { consent }: ConsentContext,
  ) {
    return consent.setKeyword(input);
  }

  @Mutation(() => SmsKeyword, { description: CONSENT_OPERATIONS.deleteKeyword })
  deleteSmsKeyword(
    @Arg('keyword', () => String, { description: 'The keyword.' }) keyword: string,
    @Ctx() { consent }: ConsentContext,
  ) {
    return consent.deleteKeyword(keyword);
  }
}
