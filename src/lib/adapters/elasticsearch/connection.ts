// One Elasticsearch client per adapter, and the failures the pipeline relies on: a node that cannot answer
// right now (refused, timed out, overloaded) becomes BackendUnavailableError, so `stream` pauses and retries
// the batch; refused credentials say which env vars to set.
import { readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config.js';
import { BackendUnavailableError, MusicflowError } from '../../errors.js';

/** Statuses that mean "try again later", not "this request is wrong". */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

export class ElasticsearchConnection {
  readonly client: Client;
  readonly label: string;

  constructor(readonly config: ElasticsearchConfig) {
    this.label = `Elasticsearch (${config.cloudId ? `cloud id ${config.cloudId.split(':')[0]}` : config.nodes.join(',')})`;
    this.client = new Client({
      ...(config.cloudId ? { cloud: { id: config.cloudId } } : { nodes: config.nodes }),
      ...(config.auth ? { auth: config.auth } : {}),
      ...(config.ca ? { tls: { ca: readFileSync(config.ca) } } : {}),
      requestTimeout: 60_000,
      maxRetries: 2,
    });
  }

  /** Runs Elasticsearch work, turning failures into errors that say what to do. */
  async run<T>(work: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await work(this.client);
    } catch (err) {
      throw this.explained(err);
    }
  }

  explained(err: unknown): unknown {
    if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) {
      return new BackendUnavailableError(this.label, `${err.message} (is it running? check --elasticsearch / MUSICFLOW_ELASTICSEARCH_URL)`);
    }
    if (err instanceof errors.ResponseError) {
      const status = err.statusCode ?? 0;
      if (TRANSIENT_STATUSES.has(status)) return new BackendUnavailableError(this.label, `answered ${status} (${reasonOf(err)})`);
      if (status === 401) {
        return new MusicflowError(`${this.label} refused the credentials (401): set MUSICFLOW_ELASTICSEARCH_API_KEY, or MUSICFLOW_ELASTICSEARCH_USERNAME and MUSICFLOW_ELASTICSEARCH_PASSWORD`);
      }
      if (status === 403) {
        return new MusicflowError(`${this.label} denied access (403: ${reasonOf(err)}): the user or API key needs the index privileges create_index, write, read, manage on ${this.config.prefix}* and manage_index_templates`);
      }
    }
    return err;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Elasticsearch's own reason for a failed request. */
export function reasonOf(err: InstanceType<typeof errors.ResponseError>): string {
  const body = err.body as { error?: { type?: string; reason?: string } | string } | undefined;
  const error = body?.error;
  if (typeof error === 'string') return error;
  return error?.reason ? `${error.type}: ${error.reason}` : err.message;
}

/** The error type Elasticsearch named in a failed response ('' for other errors). */
export function errorTypeOf(err: unknown): string {
  if (!(err instanceof errors.ResponseError)) return '';
  const error = (err.body as { error?: { type?: string } } | undefined)?.error;
  return typeof error === 'object' ? error?.type ?? '' : '';
}

export function statusOf(err: unknown): number {
  return err instanceof errors.ResponseError ? err.statusCode ?? 0 : 0;
}
