// The performance goals (issues 11 and 12), each printed beside the figure this bench run measured. A goal that this run
// did not measure says which option measures it; nothing here is asserted anywhere.
// The results are the bench's own JSON, read loosely: any part may be missing from a run.
import { GOAL as ADS_GOAL, goalMet as adsGoalMet, type LoadResult } from './bench-ads.js';

type Results = Record<string, any>;

export interface GoalLine { goal: string; figure: string; met: boolean | null }

const line = (goal: string, value: number | null | undefined, unit: string, met: (v: number) => boolean, missing: string): GoalLine =>
  (typeof value === 'number' && Number.isFinite(value)
    ? { goal, figure: `${value.toLocaleString('en-US')} ${unit}`, met: met(value) }
    : { goal, figure: missing, met: null });

const worst = (values: unknown): number | undefined => {
  const list = (Array.isArray(values) ? values : [values]).filter((v): v is number => typeof v === 'number');
  return list.length > 0 ? Math.max(...list) : undefined;
};

export function performanceGoals(r: Results): GoalLine[] {
  const embedded = r.embedded;
  const one = r.servers?.stream_1_worker?.kafkajs;
  const notEmbedded = 'not run (drop --skip-embedded)';
  const notServers = 'not run (add --servers with the stack exported)';
  return [
    line(`embedded stream >= 100,000 plays/s over ${Number(r.events).toLocaleString('en-US')} plays`, embedded?.stream?.events_per_sec, 'plays/s', (v) => v >= 100_000, notEmbedded),
    line('embedded stream >= 30% of the ceiling loop', embedded ? Math.round(embedded.stream_vs_ceiling * 1000) / 10 : undefined, '%', (v) => v >= 30, notEmbedded),
    line('servers: Node CPU per play <= 6 us (1 worker, kafkajs)', one?.node_cpu_us_per_play, 'us', (v) => v <= 6, notServers),
    line('servers: Redis CPU per play <= 3 us (1 worker, kafkajs)', one?.redis_cpu_us_per_play, 'us', (v) => v <= 3, notServers),
    line('servers: 1 worker >= 60,000 plays/s over the whole run', one?.events_per_sec, 'plays/s', (v) => v >= 60_000, notServers),
    line('peak RSS of an embedded stream worker <= 300 MB', embedded?.stream?.peak_rss_mb, 'MB', (v) => v <= 300, notEmbedded),
    line('peak RSS of a servers stream worker <= 300 MB', worst(one?.peak_rss_mb), 'MB', (v) => v <= 300, notServers),
    ...adsGoals(r.ads),
    line('dashboard API p95 < 100 ms', r.dashboard?.p95_ms, `ms (at ${Number(r.dashboard?.events ?? 0).toLocaleString('en-US')} plays)`, (v) => v < 100, 'not run (drop --skip-dashboard)'),
  ];
}

/** Issue 12's goal on each store the run measured: the p99, with the rate reached, the errors and the server's CPU time per request beside it. */
function adsGoals(ads: Results | undefined): GoalLine[] {
  const notRun = { embedded: 'not run (drop --skip-ads)', redis: 'not run (export the stack: MUSICFLOW_REDIS_URL and MUSICFLOW_KAFKA_BROKERS)' };
  return (['embedded', 'redis'] as const).map((store) => {
    const goal = `ads serve p99 < ${ADS_GOAL.p99_ms} ms at ${ADS_GOAL.rate.toLocaleString('en-US')} requests/s on one core, ${store === 'redis' ? 'Redis' : 'embedded'}`;
    const r: LoadResult | undefined = ads?.[store];
    if (!r) return { goal, figure: notRun[store], met: null };
    const figure = `${r.latency_ms.p99} ms (p50 ${r.latency_ms.p50} ms; ${r.rate.toLocaleString('en-US')} requests/s, ${r.errors} errors; `
      + `server CPU ${r.server_cpu_us_per_request} us/request)`;
    return { goal, figure, met: adsGoalMet(r) };
  });
}

export function formatGoals(goals: GoalLine[]): string[] {
  return goals.map((g) => `${g.met === null ? '  -  ' : g.met ? ' met ' : ' NOT '} ${g.goal}: ${g.figure}`);
}
