// `musicflow ads serve`: the offer API the music service calls when a listener accesses it.
//   GET /offers/<customer id>  the one-day Gold offer when that customer is targeted and eligible, or none;
//                              showing it records the day's ad decision and SMS, once (bearer token)
//   GET /metrics               Prometheus text: requests, offers shown, decisions, latency (bearer token)
//   GET /health                whether the store answers (no token: for load balancers)
// It answers only Host headers that name it (DNS rebinding), binds to loopback unless told otherwise, and
// reads the token from the environment, never from a flag or the config file.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BackendUnavailableError, DamagedFileError } from '../errors.js';
import { hostAllowed } from '../http/host.js';
import { listen, send, sendJson } from '../http/serve.js';
import { METRICS_CONTENT_TYPE, one, renderPrometheus } from '../http/prometheus.js';
import { LatencyHistogram } from '../latency.js';
import { DecidedToday, offerAtAccess, type OfferCheck } from '../model/offer.js';
import { OFFER_TEXT } from '../pipeline/target.js';
import { DAY, floorTo } from '../pipeline/time.js';
import type { CatalogStore, ModelRegistry, StoreStatus } from '../ports.js';

export interface AdsServerOptions {
  port: number; // 0 picks a free port
  host: string;
  token: string;
  now?: () => number;
  /** Where unexpected server errors are reported: the server itself never writes to the terminal. */
  onError: (err: Error) => void;
}

export interface RunningAdsServer {
  url: string;
  close(): Promise<void>;
}

/** What GET /offers/<id> answers: the offer to show now, or null, and why. */
export interface OfferResponse {
  customer_id: number;
  offer: { ad: string; text: string; valid_until: string } | null;
  reason: OfferCheck['reason'];
  probability: number | null;
  model_version: number | null;
}

const CUSTOMER_PATH = /^\/offers\/(\d{1,15})$/;

export async function startAdsServer(store: CatalogStore & ModelRegistry & Pick<StoreStatus, 'health'>, options: AdsServerOptions): Promise<RunningAdsServer> {
  const health = await store.health(); // a damaged or unreachable store fails the start, not every request
  if (!health.ok) throw new BackendUnavailableError(health.backend, health.detail);
  const now = options.now ?? Date.now;
  const expectedAuth = Buffer.from(`Bearer ${options.token}`);
  const decided = new DecidedToday();
  const stats = { requests: new Map<string, number>(), shown: 0, recorded: 0, latency: new LatencyHistogram() };
  const count = (outcome: string) => stats.requests.set(outcome, (stats.requests.get(outcome) ?? 0) + 1);

  // The Host headers seen, and whether each is allowed: callers send the same one on every request.
  const hosts = new Map<string, boolean>();
  const hostOk = (host: string): boolean => {
    let ok = hosts.get(host);
    if (ok === undefined) {
      ok = hostAllowed(host, options.host);
      if (hosts.size >= 64) hosts.clear(); // a bound against callers that send many
      hosts.set(host, ok);
    }
    return ok;
  };
  // The day's end, as the offer's valid_until: worked out again only when the day turns.
  let validUntil = { day: -1, text: '' };
  const validUntilOf = (at: number): string => {
    const day = floorTo(at, DAY);
    if (day !== validUntil.day) validUntil = { day, text: new Date(day + DAY).toISOString() };
    return validUntil.text;
  };

  const authorised = (req: IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  };

  async function handle(req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} not allowed (GET, HEAD)` });
    }
    if (!hostOk(req.headers.host ?? '')) {
      return sendJson(res, 421, { error: `Host "${req.headers.host ?? ''}" is not this server; call it by the address it serves on` });
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      const h = await store.health();
      return sendJson(res, h.ok ? 200 : 503, { ok: h.ok, backend: h.backend, detail: h.detail });
    }
    if (!authorised(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendJson(res, 401, { error: 'missing or wrong bearer token (Authorization: Bearer <MUSICFLOW_ADS_TOKEN>)' });
    }
    if (path === '/metrics') return send(res, 200, METRICS_CONTENT_TYPE, metrics());
    const match = CUSTOMER_PATH.exec(path);
    if (!match) return sendJson(res, 404, { error: `nothing at ${path}; ask GET /offers/<customer id>` });
    const at = now();
    const answer = await offerAtAccess(store, Number(match[1]), at, decided);
    if (answer.show_offer) stats.shown += 1;
    if (answer.recorded) stats.recorded += 1;
    const body: OfferResponse = {
      customer_id: answer.customer_id,
      offer: answer.show_offer ? { ad: answer.offer, text: OFFER_TEXT, valid_until: validUntilOf(at) } : null,
      reason: answer.reason,
      probability: answer.probability,
      model_version: answer.model_version,
    };
    sendJson(res, 200, body);
    stats.latency.record(performance.now() - started);
  }

  function metrics(): string {
    const latency = stats.latency.summary();
    const cpu = process.cpuUsage();
    return renderPrometheus([
      {
        name: 'musicflow_ads_requests_total', type: 'counter', help: 'Requests answered, by HTTP status.',
        samples: [...stats.requests].map(([status, value]) => ({ labels: { status }, value })),
      },
      one('ads_offers_shown_total', 'counter', 'Answers that showed the offer.', stats.shown),
      one('ads_decisions_recorded_total', 'counter', 'Ad decisions (and their SMS) this server recorded: one per customer a day.', stats.recorded),
      {
        name: 'musicflow_ads_cpu_seconds_total', type: 'counter', help: 'CPU time this server process has used (process.cpuUsage), in seconds.',
        samples: [{ labels: { mode: 'user' }, value: cpu.user / 1e6 }, { labels: { mode: 'system' }, value: cpu.system / 1e6 }],
      },
      {
        name: 'musicflow_ads_offer_latency_ms', type: 'gauge', help: 'Time to answer GET /offers, in milliseconds, since the server started.',
        samples: (['p50', 'p99', 'max'] as const).map((q) => ({ labels: { quantile: q }, value: latency[q] ?? 0 })),
      },
    ]);
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    handle(req, res, started)
      .catch((err: Error) => {
        const known = err instanceof BackendUnavailableError || err instanceof DamagedFileError;
        if (!known) options.onError(err);
        if (!res.headersSent) sendJson(res, known ? 503 : 500, { error: known ? err.message : 'internal error, see the server log' });
        else res.destroy();
      })
      .finally(() => count(String(res.statusCode)));
  });
  server.keepAliveTimeout = 65_000; // callers keep connections open; fewer handshakes per request

  const url = await listen(server, options.port, options.host);
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
