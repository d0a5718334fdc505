// Stores holding synthetic listeners (profiles, customers, clicks), for the model tests.
import type { Backends } from '../../src/lib/app/backends.js';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { syntheticListeners, type SyntheticListeners } from '../../src/lib/model/synthetic.js';
import type { SmsMessage } from '../../src/lib/ports.js';
import type { Customer, Profile } from '../../src/lib/records.js';
import { tempDir } from '../support/fixtures.js';
import { storeBatch } from '../support/store-batch.js';

const opened: Backends[] = [];

/** Fresh embedded backends in a new folder; `closeOpened` (run it in `after`) closes them all. */
export async function emptyBackends(): Promise<Backends> {
  const backends = await openBackends(resolveConfig({ dataDir: tempDir('musicflow-model-') }, {}));
  opened.push(backends);
  return backends;
}

export async function closeOpened(): Promise<void> {
  for (const backends of opened.splice(0)) await backends.close();
}

let nextOffset = 0;

/** Writes profiles and queued SMS as the stream would: one applyBatch on a private test log. */
export async function applyState(backends: Backends, profiles: Profile[], sms: SmsMessage[] = []): Promise<void> {
  const offset = nextOffset++;
  await backends.store.applyBatch(storeBatch({ position: { log: `model-test-${offset}`, partition: 0, expected: -1, next: 0 }, profiles, sms }));
}

export async function backendsWithListeners(count: number, seed: number): Promise<{ backends: Backends; data: SyntheticListeners }> {
  const backends = await emptyBackends();
  const data = syntheticListeners(count, seed);
  await backends.store.upsertCustomers(data.customers);
  await backends.store.addClicks(data.clicks);
  await applyState(backends, data.profiles);
  return { backends, data };
}

export function customer(id: number, fields: Partial<Customer> = {}): Customer {
  return {
    id, name: `C${id}`, gender: 'female', address: `${id} Test St`, zip: '10001', signDate: '2014-01-01',
    active: true, level: 0, campaign: 0, linkedWithApps: false, age: 30, ageSource: 'file', ...fields,
  };
}

export function profile(customerId: number, fields: Partial<Profile> = {}): Profile {
  return {
    customerId, plays: 10, mobilePlays: 5, morning: 2, afternoon: 3, evening: 4, night: 1, uniqueTracks: 8,
    firstSeen: Date.UTC(2014, 9, 1), lastSeen: Date.UTC(2014, 9, 5), ...fields,
  };
}
