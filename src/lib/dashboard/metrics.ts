// The dashboard's /metrics: the pipeline's pulse and the deployed model.
import type { ModelRecord } from '../ports.js';
import { one, renderPrometheus, type Metric } from '../http/prometheus.js';
import type { PulseSample } from './pulse.js';

export function renderMetrics(s: PulseSample, model: ModelRecord | null): string {
  const c = s.counts;
  const metrics: Metric[] = [
    one('events_processed_total', 'counter', 'Plays the stream has applied to the store.', c.eventsProcessed),
    one('events_per_second', 'gauge', 'Plays processed per second over the last seconds (0 until measured).', s.eventsPerSec ?? 0),
    one('consumer_lag', 'gauge', 'Records in the event log not yet processed by the consumer group, all partitions.', s.lag),
    {
      name: 'musicflow_partition_lag', type: 'gauge', help: 'Records not yet processed, per partition.',
      samples: s.partitions.map((p) => ({ labels: { partition: p.partition }, value: p.lag })),
    },
    one('dead_letters_total', 'counter', 'Lines that could not be used, kept in the dead letters.', s.deadLetters),
    one('interests_total', 'counter', 'Interests detected (3 plays of one track within 30 minutes).', c.interests),
    one('targeted_customers', 'gauge', 'Customers the deployed model targets.', c.targetedCustomers),
    one('eligible_customers', 'gauge', 'Active customers below Gold.', c.eligibleCustomers),
    one('ad_decisions_total', 'counter', 'Offers decided for targeted listeners.', c.adDecisions),
    one('sms_queued_total', 'counter', 'SMS messages queued for targeted listeners.', c.smsQueued),
    one('profiles', 'gauge', 'Customers with a live listening profile.', c.profiles),
    one('customers', 'gauge', 'Customers in the store.', c.customers),
    one('tracks', 'gauge', 'Tracks in the store.', c.tracks),
    one('indexed_plays_total', 'counter', 'Plays in the index.', s.indexed.plays),
    one('indexed_mobile_plays_total', 'counter', 'Plays in the index made on a mobile device.', s.indexed.mobilePlays),
    one('model_deployed_version', 'gauge', 'Version of the deployed ad-click model (0 when none).', model?.version ?? 0),
  ];
  return renderPrometheus(metrics);
}
