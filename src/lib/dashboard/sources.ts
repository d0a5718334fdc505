// What the dashboard reads, narrowed from the ports: it only reads, so it takes no writer and no wiring.
import type { CatalogStore, EventLog, Index, LiveState, ModelRegistry, StoreStatus } from '../ports.js';

export interface DashboardSources {
  log: Pick<EventLog, 'health' | 'lag' | 'deadLetterCounts'>;
  /** The store backend's own health and counts. */
  store: Pick<StoreStatus, 'health' | 'counts'>;
  catalog: Pick<CatalogStore, 'getCustomers' | 'getTracks'>;
  live: Pick<LiveState, 'getProfile' | 'listProfiles' | 'recentPlays' | 'interestsOf' | 'recentInterests'>;
  models: Pick<ModelRegistry, 'deployedModel' | 'prediction' | 'isTargeted' | 'adDecisionsOf'>;
  index: Pick<Index, 'health' | 'totals' | 'series' | 'breakdown' | 'customersInState'>;
  /** The backend set's name, shown on the page (e.g. "embedded", "kafka+redis"). */
  kind: string;
}
