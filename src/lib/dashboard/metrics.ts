// /metrics in the Prometheus text exposition format (version 0.0.4), every name prefixed musicflow_.
import type { ModelRecord } from '../ports.js';
import type { PulseSample } from './pulse.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Array<{ labels?: Record<string, string | number>; value: number }>;
}

function one(name: string, type: Metric['type'], help: string, value: number): Metric {
  return { name: `musicflow_${name}`, type, help, samples: [{ value }] };
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

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
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const sample of m.samples) {
      const labels = sample.labels
        ? `{${Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',')}}`
        : '';
      lines.push(`${m.name}${labels} ${sample.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
