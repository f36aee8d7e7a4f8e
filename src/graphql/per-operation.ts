import type { DocumentNode } from 'graphql';

/**
 * Something worked out once per operation of a parsed document (its compiled form, its cost),
 * held as long as Apollo's document cache holds the document itself: clients sending endless
 * distinct documents cannot grow it on their own.
 */
export class PerOperation<T> {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, T>>();

  get(document: DocumentNode, operationName: string | null | undefined): T | undefined {
    return this.byDocument.get(document)?.get(operationName ?? '');
  }

  set(document: DocumentNode, operationName: string | null | undefined, value: T): void {
    let byName = this.byDocument.get(document);
    if (!byName) {
      byName = new Map();
      this.byDocument.set(document, byName);
    }
    byName.set(operationName ?? '', value);
  }
}
