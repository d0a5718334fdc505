// The dashboard API's answers, defined once: the server (api.ts) returns them and the page (page/*.ts) reads them.
// Types only: the page imports this module with `import type`, so nothing of it is served to the browser.
import type { AdDecision, BreakdownRow, Grain, ModelRecord, PartitionLag, Prediction, SeriesPoint, StoreCounts } from '../ports.js';
import type { Customer, Interest, Profile } from '../records.js';
import type { DashboardFilter } from './filters.js';

export type { BreakdownRow, SeriesPoint };

/** Every answer but /api/live and /api/interests echoes the filter it applied. */
interface Filtered { filter: DashboardFilter }

/** GET /api/overview */
export interface OverviewResponse extends Filtered {
  plays: number;
  mobilePlays: number;
  pcPlays: number;
  mobileShare: number | null;
  first: number | null;
  last: number | null;
}

/** GET /api/series: plays per minute or hour, with a zero point for each empty bucket. */
export interface SeriesResponse extends Filtered { grain: Grain; points: SeriesPoint[] }

/** GET /api/hours: plays by hour of the day, UTC. */
export interface HoursResponse extends Filtered { hours: Array<{ hour: number; plays: number; mobilePlays: number }> }

export interface TrackRow extends BreakdownRow { title: string | null; artist: string | null }
export interface ZipRow extends BreakdownRow {
  city: string | null;
  state: string | null;
  lat: number | null;
  lon: number | null;
  /** Where the zip lands on the page's map plane (null: outside the 50 states). */
  point: [number, number] | null;
}

/** The rows of each breakdown: tracks come with titles, zips with places. */
export interface BreakdownRows {
  gender: BreakdownRow;
  age_band: BreakdownRow;
  level: BreakdownRow;
  campaign: BreakdownRow;
  state: BreakdownRow;
  track: TrackRow;
  artist: BreakdownRow;
  zip: ZipRow;
}
export type BreakdownDimension = keyof BreakdownRows;

/** Whether the ages shown come from the customer file or were derived (a sample of listeners). */
export interface AgeSources { derived: number; fromFile: number }

/** GET /api/breakdown/:dim */
export interface BreakdownResponse<D extends BreakdownDimension = BreakdownDimension> extends Filtered {
  dim: D;
  grain: Grain;
  /** Start of the first whole bucket counted (null: all plays). */
  since: number | null;
  rows: Array<BreakdownRows[D]>;
  /** age_band only. */
  ages?: AgeSources;
}

/** GET /api/states/:code/customers */
export interface StateCustomersResponse extends Filtered {
  state: string;
  customers: Array<{ customerId: number; name: string | null; plays: number }>;
}

/** GET /api/customers/:id */
export interface CustomerResponse {
  customerId: number;
  customer: (Pick<Customer, 'name' | 'gender' | 'age' | 'ageSource' | 'zip' | 'signDate' | 'active' | 'linkedWithApps'> & {
    city: string | null;
    state: string | null;
    level: string;
    campaign: string;
  }) | null;
  profile: Profile | null;
  recentPlays: Array<{
    eventId: number; time: number; trackId: number; title: string | null; artist: string | null;
    mobile: boolean; zip: string; city: string | null; state: string;
  }>;
  interests: Array<Interest & { title: string | null; artist: string | null }>;
  prediction: Prediction | null;
  targeted: boolean;
  /** The last 20; adDecisionCount counts them all. */
  adDecisions: AdDecision[];
  adDecisionCount: number;
}

/** GET /api/interests: the newest first. */
export interface InterestsResponse {
  interests: Array<Interest & { name: string | null; title: string | null; artist: string | null }>;
}

/** The pipeline's vital signs, as /api/pipeline and /api/live show them. */
export interface PulseView {
  at: number;
  /** Null until two samples at least a second apart exist. */
  eventsPerSec: number | null;
  lag: number;
  partitions: PartitionLag[];
  deadLetters: number;
  counts: StoreCounts;
  indexed: { plays: number; mobilePlays: number; first: number | null; last: number | null; mobileShare: number | null };
}

/** The deployed model's held-out metrics and gate, null where its body lacks them. */
export interface ModelView {
  version: ModelRecord['version'];
  createdAt: ModelRecord['createdAt'];
  deployedAt: ModelRecord['deployedAt'];
  error: number | null;
  baselineError: number | null;
  auc: number | null;
  threshold: number | null;
}

/** GET /api/pipeline */
export interface PipelineResponse extends PulseView {
  /** The backend set, e.g. "embedded" or "kafka+redis". */
  backend: string;
  model: ModelView | null;
}

/** The `pulse` event of /api/live: a version that changes whenever the data does. */
export interface LiveMessage extends PulseView { version: string }

/** Any 4xx or 5xx answer, and the `problem` event of /api/live. */
export interface ErrorResponse { error: string }
