// The dashboard's HTTP server (node:http): the page and its assets, the read-only JSON API, server-sent
// events that tell open pages when the data moved, and /metrics. GET and HEAD only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DEFAULTS } from '../config.js';
import { BackendUnavailableError, DamagedFileError } from '../errors.js';
import { DashboardApi, NotFoundError } from './api.js';
import { assetAt } from './assets.js';
import { BadRequestError, pathSegment } from './filters.js';
import { hostAllowed } from '../http/host.js';
import { listen, send, sendJson } from '../http/serve.js';
import { METRICS_CONTENT_TYPE } from '../http/prometheus.js';
import { renderMetrics } from './metrics.js';
import { Pulse } from './pulse.js';
import type { DashboardSources } from './sources.js';

export interface DashboardOptions {
  port: number; // 0 picks a free port
  host: string;
  /** Consumer group whose lag is shown (default: the configured default group). */
  group?: string;
  /** Where unexpected server errors are reported: the server itself never writes to the terminal. */
  onError: (err: Error) => void;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

/** How often open pages get the pipeline's pulse (and so learn that new plays arrived). */
export const LIVE_INTERVAL_MS = 1000;

const SECURITY_HEADERS: Record<string, string> = {
  // Everything from this server only: no CDN, no fonts, no tiles, no eval. Inline styles are allowed because
  // the chart library positions its tooltips with them.
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    + "connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

type Handler = (params: URLSearchParams, match: RegExpMatchArray) => Promise<object>;

/** The data cannot be read now, for a reason the message gives: 503 with it, not a bug to log. */
const unavailable = (err: unknown) => err instanceof BackendUnavailableError || err instanceof DamagedFileError;

export async function startDashboard(sources: DashboardSources, options: DashboardOptions): Promise<RunningDashboard> {
  // A damaged data file fails the start with its message instead of every request after it.
  await Promise.all([sources.log.health(), sources.store.health(), sources.index.health()]);
  const api = new DashboardApi(sources, new Pulse(sources, options.group ?? DEFAULTS.group));
  const routes: Array<[RegExp, Handler]> = [
    [/^\/api\/overview$/, (p) => api.overview(p)],
    [/^\/api\/series$/, (p) => api.series(p)],
    [/^\/api\/hours$/, (p) => api.hours(p)],
    [/^\/api\/breakdown\/([a-z_]+)$/, (p, m) => api.breakdown(m[1], p)],
    [/^\/api\/states\/([^/]+)\/customers$/, (p, m) => api.customersInState(pathSegment('state', m[1]), p)],
    [/^\/api\/customers\/([^/]+)$/, (_p, m) => api.customer(pathSegment('customer id', m[1]))],
    [/^\/api\/interests$/, (p) => api.interests(p)],
    [/^\/api\/pipeline$/, () => api.pipeline()],
  ];
  const live = new LiveChannel(api, options.onError);

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      options.onError(err);
      if (!res.headersSent) send(res, 500, 'application/json; charset=utf-8', JSON.stringify({ error: 'internal error, see the server log' }));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} not allowed: the dashboard is read-only (GET, HEAD)` });
    }
    const hostHeader = req.headers.host ?? '';
    if (!hostAllowed(hostHeader, options.host)) {
      return sendJson(res, 421, { error: `Host "${hostHeader}" is not this dashboard; open it as http://127.0.0.1 or by the --host it serves on` });
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    } catch {
      return sendJson(res, 400, { error: `not a request path: ${JSON.stringify(req.url)}` });
    }
    if (url.pathname === '/api/live') return live.join(req, res);
    if (url.pathname === '/metrics') {
      const [sample, model] = await Promise.all([api.pulse.current(), sources.models.deployedModel()]);
      return send(res, 200, METRICS_CONTENT_TYPE, renderMetrics(sample, model));
    }
    for (const [pattern, handler] of routes) {
      const match = url.pathname.match(pattern);
      if (!match) continue;
      try {
        return sendJson(res, 200, await handler(url.searchParams, match));
      } catch (err) {
        if (err instanceof BadRequestError) return sendJson(res, 400, { error: err.message });
        if (err instanceof NotFoundError) return sendJson(res, 404, { error: err.message });
        if (unavailable(err)) return sendJson(res, 503, { error: (err as Error).message });
        throw err;
      }
    }
    const asset = assetAt(url.pathname === '/index.html' ? '/' : url.pathname);
    if (asset) return send(res, 200, asset.type, asset.body, 'no-cache');
    return sendJson(res, 404, { error: `nothing at ${url.pathname}` });
  }

  const url = await listen(server, options.port, options.host);
  return {
    url,
    async close() {
      live.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}


/**
 * Server-sent events: every open page gets the pulse each second from one shared timer, which runs
 * only while a page is listening. The page refreshes its charts when the pulse's version changes.
 */
class LiveChannel {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(private readonly api: DashboardApi, private readonly reportError: (err: Error) => void) {}

  join(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(`retry: ${2 * LIVE_INTERVAL_MS}\n\n`);
    this.clients.add(res);
    req.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    void this.tick();
    this.timer ??= setInterval(() => void this.tick(), LIVE_INTERVAL_MS);
  }

  private async tick(): Promise<void> {
    if (this.busy) return; // a slow backend: skip a beat rather than pile up reads
    this.busy = true;
    try {
      this.broadcast('pulse', await this.api.live());
    } catch (err) {
      this.broadcast('problem', { error: (err as Error).message });
      if (!unavailable(err)) this.reportError(err as Error);
    } finally {
      this.busy = false;
    }
  }

  private broadcast(event: string, data: object): void {
    const message = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) client.write(message);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  close(): void {
    this.stop();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}
