import { IsEmail, IsOptional, IsString, Matches } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Field, InputType } from 'type-graphql';
import { Characters, HasNoNul, IsNotBlank } from '../common/validation';

export const MAX_CONTACTS_PER_CREATE = 1000;

@InputType({ description: 'A new contact.' })
export class CreateContactInput {
  @Field({
    description: 'Given name, 1 to 100 characters, not blank, without the NUL character (U+0000).',
  })
  @IsString()
  @Characters(1, 100)
  @IsNotBlank()
  @HasNoNul()
  firstName!: string;

  @Field({
    description: 'Family name, 1 to 100 characters, not blank, without the NUL character (U+0000).',
  })
  @IsString()
  @Characters(1, 100)
  @IsNotBlank()
  @HasNoNul()
  lastName!: string;

  @Field({ description: 'Phone number in E.164 form: +, then 2 to 15 digits, e.g. +1234567890.' })
  @IsString()
  @Matches(/^\+[1-9]\d{1,14}$/, {
    message: '$property must be a phone number in E.164 form, like +1234567890',
  })
  primaryPhone!: string;

  @Field(() => String, {
    nullable: true,
    description: 'E-mail address, up to 254 characters; null or left out: none.',
  })
  @IsOptional()
  @IsString()
  @Characters(0, 254)
  @IsEmail()
  @JSONSchema({ nullable: true })
  primaryEmail?: string | null;
}
