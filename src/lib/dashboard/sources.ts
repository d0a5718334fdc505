// What the dashboard reads, narrowed from the ports: it only reads, so it takes no writer and no wiring.
// Defined here for now; ports.ts may name read-only views of its own once the Store port is split.
import type { EventLog, Index, Store } from '../ports.js';

export interface DashboardSources {
  log: Pick<EventLog, 'health' | 'lag' | 'deadLetterCounts'>;
  store: Pick<Store,
    | 'health' | 'counts' | 'deployedModel' | 'getCustomers' | 'getTracks' | 'getProfile' | 'listProfiles' | 'recentPlays'
    | 'interestsOf' | 'recentInterests' | 'prediction' | 'isTargeted' | 'adDecisionsOf'>;
  index: Pick<Index, 'health' | 'totals' | 'series' | 'breakdown' | 'customersInState'>;
  /** The backend set's name, shown on the page (e.g. "embedded", "kafka+redis"). */
  kind: string;
}
