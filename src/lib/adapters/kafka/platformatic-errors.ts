// How @platformatic/kafka's errors read: by code, alone or nested in its MultipleErrors (searched with findBy).
import type { ClientErrors } from './errors.js';

const UNREACHABLE_CODES = ['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT'];

interface PlatformaticError extends Error {
  code?: string;
  errors?: unknown[];
  findBy?: (property: string, value: unknown) => Error | null;
}

export const platformaticErrors: ClientErrors = {
  unreachable(error) {
    const e = error as PlatformaticError;
    if (e.code !== undefined && UNREACHABLE_CODES.includes(e.code)) return true;
    if (typeof e.findBy !== 'function') return false;
    return UNREACHABLE_CODES.some((code) => e.findBy!('code', code) !== null) || e.findBy('canRetry', true) !== null;
  },
  credentialsRefused: (e) => (e as PlatformaticError).code === 'PLT_KFK_AUTHENTICATION',
  describe(error) {
    const e = error as PlatformaticError;
    const inner = e.errors?.find((x): x is Error => x instanceof Error);
    return inner && !e.message.includes(inner.message) ? `${e.message} (${inner.message})` : e.message;
  },
};

/** Whether `err` (or an error inside it) is Kafka's error `id`, e.g. NON_EMPTY_GROUP. */
export function protocolError(err: unknown, id: string): boolean {
  const search = (err as PlatformaticError | null)?.findBy;
  return typeof search === 'function' && Boolean(search.call(err, 'apiId', id));
}
