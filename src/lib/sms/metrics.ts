// `sms serve`'s /metrics (Prometheus text) and /health: what this sender did since it started, and the queue as a
// whole (pending, failed, the age of the oldest pending message). It answers only Host headers that name it (DNS
// rebinding) and binds to loopback unless told otherwise; it shows counts, never a message or a phone number.
import { createServer } from 'node:http';
import { hostAllowed } from '../http/host.js';
import { METRICS_CONTENT_TYPE, one, renderPrometheus } from '../http/prometheus.js';
import { listen, send, sendJson } from '../http/serve.js';
import type { SmsQueueStats } from '../ports.js';
import type { SenderStats } from './sender.js';

export interface SmsMetricsOptions {
  port: number;
  host: string;
  /** Reported, never written to the terminal by the server itself. */
  onError: (err: Error) => void;
  now?: () => number;
}

export interface RunningSmsMetrics {
  url: string;
  close(): Promise<void>;
}

/** Seconds since the oldest pending message was queued (0 when none is pending). */
export function oldestPendingAgeSec(stats: SmsQueueStats, now: number): number {
  return stats.oldestPendingAt === null ? 0 : Math.max(0, (now - stats.oldestPendingAt) / 1000);
}

export function smsMetricsText(sender: SenderStats, queue: SmsQueueStats, now: number): string {
  return renderPrometheus([
    one('sms_sender_sent_total', 'counter', 'Messages this sender handed to the provider and acknowledged.', sender.sent),
    one('sms_sender_retried_total', 'counter', 'Tries this sender repeated after a timeout, connection error, 429 or 5xx.', sender.retried),
    one('sms_sender_failed_total', 'counter', 'Messages this sender moved to the SMS dead letters.', sender.failed),
    one('sms_sender_released_total', 'counter', 'Messages this sender handed back to the queue unsent (shutdown, claim ending).', sender.released),
    one('sms_sent', 'gauge', 'Messages sent, by every sender.', queue.sent),
    one('sms_retried', 'gauge', 'Tries repeated, by every sender.', queue.retried),
    one('sms_failed', 'gauge', 'Messages on the SMS dead-letter list.', queue.failed),
    one('sms_pending', 'gauge', 'Messages queued or claimed, not yet sent or failed.', queue.pending),
    one('sms_oldest_pending_age_seconds', 'gauge', 'Age of the oldest pending message (0 when none is pending).', oldestPendingAgeSec(queue, now)),
  ]);
}

export async function startSmsMetrics(sender: () => SenderStats, queueStats: () => Promise<SmsQueueStats>, options: SmsMetricsOptions): Promise<RunningSmsMetrics> {
  const now = options.now ?? Date.now;
  const server = createServer((req, res) => {
    const answer = async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return sendJson(res, 405, { error: `${req.method} not allowed (GET, HEAD)` });
      }
      if (!hostAllowed(req.headers.host ?? '', options.host)) {
        return sendJson(res, 421, { error: `Host "${req.headers.host ?? ''}" is not this server; call it by the address it serves on` });
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') return send(res, 200, METRICS_CONTENT_TYPE, smsMetricsText(sender(), await queueStats(), now()));
      if (path === '/health') return sendJson(res, 200, { ok: true });
      return sendJson(res, 404, { error: `nothing at ${path}; ask GET /metrics` });
    };
    answer().catch((err: Error) => {
      options.onError(err);
      if (!res.headersSent) sendJson(res, 503, { error: err.message });
      else res.destroy();
    });
  });
  const url = await listen(server, options.port, options.host);
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}
