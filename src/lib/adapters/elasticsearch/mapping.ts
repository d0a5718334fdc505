// The documents musicflow keeps in Elasticsearch: one index family per kind, each written through an alias
// (`<prefix>plays`, `<prefix>interests`, `<prefix>ad-decisions`) and shaped by an index template. Kibana's saved
// objects (src/lib/kibana/) name these fields; a test checks each one against the live mapping.

/** The kinds of document, each with its own alias, template and rollover. */
export const DOCUMENT_KINDS = ['plays', 'interests', 'ad-decisions'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** The field each kind's Kibana data view uses as its time field. */
export const TIME_FIELD: Record<DocumentKind, string> = {
  plays: 'event_time',
  interests: 'detected_at',
  'ad-decisions': 'decided_at',
};

type FieldType = 'keyword' | 'long' | 'integer' | 'date' | 'boolean' | 'geo_point';
export type Mapping = Record<string, { type: FieldType }>;

const keyword = { type: 'keyword' } as const;
const long = { type: 'long' } as const;
const integer = { type: 'integer' } as const;
const date = { type: 'date', format: 'epoch_millis' } as unknown as { type: 'date' };
const boolean = { type: 'boolean' } as const;

/** One enriched play. Ids only by default: names and addresses are added only when the user asks (indexNames). */
export const PLAY_MAPPING: Mapping = {
  event_time: date,
  event_id: long,
  customer_id: long,
  track_id: long,
  title: keyword,
  artist: keyword,
  mobile: boolean,
  device: keyword, // 'mobile' or 'pc': a readable split in Kibana
  zip: keyword, // where the customer listened
  state: keyword,
  city: keyword,
  location: { type: 'geo_point' },
  gender: keyword,
  age_band: keyword,
  age_derived: boolean, // the age was derived from the id, not read from the customer file
  level: keyword, // Free, Silver, Gold
  campaign: keyword,
  linked_with_apps: boolean,
  daypart: keyword,
  hour_of_day: integer, // 0-23, UTC wall-clock hour as in the log
  flags: keyword, // unknown_customer, unknown_track, unknown_zip
  log: keyword, // where the play came from: log name, partition and offset (the document id)
  log_partition: integer,
  log_offset: long,
  customer_name: keyword, // only with indexNames
  customer_address: keyword, // only with indexNames
};

/** One detected interest: a customer played one track 3+ times within 30 minutes. */
export const INTEREST_MAPPING: Mapping = {
  detected_at: date, // event time of the play that completed the window
  window_start: date, // event time of the window's first play
  customer_id: long,
  track_id: long,
};

/** One ad decision: the Gold offer shown to a targeted customer at their first play of a day. */
export const AD_DECISION_MAPPING: Mapping = {
  decided_at: date, // event time of the play that triggered it
  day: keyword, // YYYY-MM-DD
  customer_id: long,
  event_id: long,
};

export const MAPPINGS: Record<DocumentKind, Mapping> = {
  plays: PLAY_MAPPING,
  interests: INTEREST_MAPPING,
  'ad-decisions': AD_DECISION_MAPPING,
};

export const DEFAULT_INDEX_PREFIX = 'musicflow-';

/** The alias a kind is written and read through, e.g. `musicflow-plays`. */
export function aliasOf(prefix: string, kind: DocumentKind): string {
  return `${prefix}${kind}`;
}
