import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { HasNoNul, IsNotBlank } from '../common/validation';

export const MAX_CONTACTS_PER_ADD = 10_000;

@InputType({ description: 'A new audience.' })
export class CreateAudienceInput {
  @Field({
    description: 'Name, 3 to 64 characters, not blank, without the NUL character (U+0000).',
  })
  @IsString()
  @Length(3, 64)
  @IsNotBlank()
  @HasNoNul()
  name!: string;

  @Field({
    nullable: true,
    description: 'Description, up to 256 characters, without the NUL character (U+0000).',
  })
  @ValidateIf((input: CreateAudienceInput) => input.description !== undefined)
  @IsString()
  @MaxLength(256)
  @HasNoNul()
  description?: string;
}

@InputType({ description: 'Changes to an audience; fields left out keep their value.' })
export class UpdateAudienceInput {
  @Field({
    nullable: true,
    description: 'New name, 3 to 64 characters, not blank, without the NUL character (U+0000).',
  })
  @ValidateIf((input: UpdateAudienceInput) => input.name !== undefined)
  @IsString()
  @Length(3, 64)
  @IsNotBlank()
  @HasNoNul()
  name?: string;

  @Field({
    nullable: true,
    description: 'New description, 1 to 256 characters, without the NUL character (U+0000).',
  })
  @ValidateIf((input: UpdateAudienceInput) => input.description !== undefined)
  @IsString()
  @Length(1, 256)
  @HasNoNul()
  description?: string;
}

/** The body of add-contacts; GraphQL passes its `contacts` argument through the same rules. */
export class AddContactsInput {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_CONTACTS_PER_ADD)
  @IsUUID('loose', { each: true, message: 'each value in contacts must be a UUID' })
  contacts!: string[];
}
