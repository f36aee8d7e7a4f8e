import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/pagination';
import { IMPORT_OPERATIONS } from './import.operations';
import { ContactImport, ContactImportPage } from './import-job.type';
import type { ContactImportService } from './import.service';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface ImportContext {
  contactImports: ContactImportService;
}

/** Import jobs, read; they are started by uploading a file (POST /api/contacts/imports). */
@Resolver()
export class ImportResolver {
  @Query(() => ContactImport, { description: IMPORT_OPERATIONS.get })
  contactImport(
    @Arg('id', () => ID, { description: 'The import job id (UUID).' }) id: string,
    @Ctx() { contactImports }: ImportContext,
  ) {
    return contactImports.get(id);
  }

  @Query(() => ContactImportPage, { description: IMPORT_OPERATIONS.list })
  contactImports(@Args() args: PageArgs, @Ctx() { contactImports }: ImportContext) {
    return contactImports.list(args);
  }
}
