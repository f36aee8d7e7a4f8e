import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsUUID } from 'class-validator';

/** The most contacts one add or removal takes. */
export const MAX_CONTACTS_PER_ADD = 10_000;

/** The body of add-contacts and remove-contacts; GraphQL passes its `contacts` argument through the same rules. */
export class ContactIdsInput {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_CONTACTS_PER_ADD)
  @IsUUID('loose', { each: true, message: 'each value in contacts must be a UUID' })
  contacts!: string[];
}
