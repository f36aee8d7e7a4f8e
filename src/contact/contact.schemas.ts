import { outputSchema } from '../common/rest/output-schema';
import { Contact, ContactPage } from './contact.type';

export const CONTACT_SCHEMA = outputSchema(Contact);

export const CONTACT_PAGE_SCHEMA = outputSchema(ContactPage);
