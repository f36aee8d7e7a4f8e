import { IsOptional, IsString } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Field, InputType } from 'type-graphql';
import { Characters, HasNoNul, IsNotBlank } from '../common/validation';

@InputType({ description: 'A new audience.' })
export class CreateAudienceInput {
  @Field({
    description: 'Name, 3 to 64 characters, not blank, without the NUL character (U+0000).',
  })
  @IsString()
  @Characters(3, 64)
  @IsNotBlank()
  @HasNoNul()
  name!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Description, up to 256 characters, without the NUL character (U+0000); null or left out: none.',
  })
  @IsOptional()
  @IsString()
  @Characters(0, 256)
  @HasNoNul()
  @JSONSchema({ nullable: true })
  description?: string | null;
}

@InputType({ description: 'Changes to an audience; fields left out keep their value.' })
export class UpdateAudienceInput {
  @Field(() => String, {
    nullable: true,
    description:
      'New name, 3 to 64 characters, not blank, without the NUL character (U+0000); null or left out: the name is kept.',
  })
  @IsOptional()
  @IsString()
  @Characters(3, 64)
  @IsNotBlank()
  @HasNoNul()
  @JSONSchema({ nullable: true })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'New description, 1 to 256 characters, without the NUL character (U+0000); null removes the description; left out: it is kept.',
  })
  @IsOptional()
  @IsString()
  @Characters(1, 256)
  @HasNoNul()
  @JSONSchema({ nullable: true })
  description?: string | null;
}
