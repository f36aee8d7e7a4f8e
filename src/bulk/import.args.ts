import { IsOptional, IsUUID } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/** The query of an upload: the audience its contacts also join, when it names one. */
export class ImportQuery {
  @IsOptional()
  @IsUUID('all', { message: 'audienceId must be a UUID' })
  @JSONSchema({
    description: 'An audience of your organization: every row’s contact is also added to it.',
  })
  audienceId?: string;
}
