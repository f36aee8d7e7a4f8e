import { UnauthenticatedError } from '../common/errors';

/** Who is acting: the organization and user an API key belongs to, and the key. Every operation is scoped by it. */
export interface Actor {
  organizationId: string;
  userId: string;
  /** The API key it acted with; unset for the CLI, which acts as a user without a key. */
  apiKeyId?: string;
}

/** The error every scoped operation gives without an API key. */
export function missingKeyError(): UnauthenticatedError {
  return new UnauthenticatedError('An API key is required: send it in the x-api-key header');
}

/** The actor of a request, or the error every scoped operation gives without one. */
export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw missingKeyError();
  return actor;
}
