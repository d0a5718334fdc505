// Sends saved objects to Kibana's import API (POST [/s/<space>]/api/saved_objects/_import, multipart `file`) and
// reads its answer per object. Retries what may pass (5xx, dropped connections) and explains what will not.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { BackendUnavailableError, MusicflowError, UsageError } from '../errors.js';

export interface KibanaAuth {
  header: string | null; // the Authorization header, null to send none
  source: string; // which env vars it came from, for messages
}

export interface ImportRequest {
  kibanaUrl: string;
  space: string; // '' or 'default': the default space
  overwrite: boolean;
  ndjson: string;
  filename: string; // Kibana accepts only a file whose name ends in .ndjson
  auth: KibanaAuth;
  caFile: string; // '' = the system's CAs
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  timeoutMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, timeoutMs: 60_000 };

/** One object's fate, from Kibana's `successResults` or `errors`. */
export interface ObjectResult {
  type: string;
  id: string;
  title: string;
  status: 'created' | 'updated' | 'failed';
  destination_id?: string; // Kibana gave the object another id (e.g. a copy in another space)
  error?: string; // conflict, missing_references, unsupported_type, unknown, ...
  detail?: string;
}

export interface ImportOutcome {
  success: boolean;
  successCount: number;
  objects: ObjectResult[];
  attempts: number;
}

/** Kibana answered, and the answer means the import cannot succeed as asked. */
export class KibanaImportError extends MusicflowError {
  constructor(readonly status: number, message: string) {
    super(message, 1);
  }
}

const SPACE_ID = /^[a-z0-9_-]+$/;

/** The import endpoint for a Kibana URL (which may carry a base path) and a space. */
export function importUrl(kibanaUrl: string, space: string, overwrite: boolean): URL {
  let base: URL;
  try {
    base = new URL(kibanaUrl);
  } catch {
    throw new UsageError(`--kibana: "${kibanaUrl}" is not a URL (e.g. https://my-deployment.kb.us-east-1.aws.elastic-cloud.com)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`--kibana: "${kibanaUrl}" must start with http:// or https://`);
  if (space !== '' && !SPACE_ID.test(space)) throw new UsageError(`--space: "${space}" is not a Kibana space id (lowercase letters, digits, _ and -)`);
  const spacePath = space === '' || space === 'default' ? '' : `/s/${space}`;
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${spacePath}/api/saved_objects/_import`, base);
  if (overwrite) url.searchParams.set('overwrite', 'true');
  return url;
}

/** Credentials from env only: an API key, else a user and password; neither means no Authorization header. */
export function authFromEnv(env: NodeJS.ProcessEnv): KibanaAuth {
  if (env.MUSICFLOW_KIBANA_API_KEY) return { header: `ApiKey ${env.MUSICFLOW_KIBANA_API_KEY}`, source: 'MUSICFLOW_KIBANA_API_KEY' };
  const user = env.MUSICFLOW_KIBANA_USERNAME;
  const password = env.MUSICFLOW_KIBANA_PASSWORD;
  if (user && !password) throw new UsageError(`MUSICFLOW_KIBANA_USERNAME is set (${user}) but MUSICFLOW_KIBANA_PASSWORD is not`);
  if (password && !user) throw new UsageError('MUSICFLOW_KIBANA_PASSWORD is set but MUSICFLOW_KIBANA_USERNAME is not');
  if (user && password) {
    return { header: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, source: 'MUSICFLOW_KIBANA_USERNAME and MUSICFLOW_KIBANA_PASSWORD' };
  }
  return { header: null, source: 'none' };
}

function multipart(ndjson: string, filename: string): { body: Buffer; contentType: string } {
  const boundary = `musicflow-${randomBytes(12).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename.replace(/"/g, '')}"\r\nContent-Type: application/ndjson\r\n\r\n`),
    Buffer.from(ndjson),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

interface Answer { status: number; body: string }

function post(url: URL, headers: Record<string, string>, body: Buffer, ca: Buffer | undefined, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, timeout: timeoutMs };
    const req = url.protocol === 'https:' ? https.request(url, { ...options, ca }) : http.request(url, options);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

// Failures of the connection that a later attempt may not meet.
const PASSING = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

function kibanaMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string; error?: string };
    return parsed.message ?? parsed.error ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}

/** One line for an answer no retry will change, naming what fixes it. */
function explain(status: number, body: string, url: URL, req: ImportRequest): KibanaImportError {
  const where = req.space && req.space !== 'default' ? `space "${req.space}"` : 'the default space';
  switch (status) {
    case 401:
      return new KibanaImportError(401, req.auth.header === null
        ? `Kibana at ${req.kibanaUrl} wants credentials (401): set MUSICFLOW_KIBANA_API_KEY, or MUSICFLOW_KIBANA_USERNAME and MUSICFLOW_KIBANA_PASSWORD`
        : `Kibana at ${req.kibanaUrl} refused the credentials from ${req.auth.source} (401): check them, or create a new API key and set MUSICFLOW_KIBANA_API_KEY`);
    case 403: {
      const who = req.auth.header === null ? 'anonymous access needs' : `the credentials from ${req.auth.source} need`;
      return new KibanaImportError(403, `Kibana refused the import into ${where} (403): ${who} the Saved Objects Management (all) privilege there; use a key or user that has it`);
    }
    case 404:
      return new KibanaImportError(404, `no import API at ${url.origin}${url.pathname} (404): check --kibana / MUSICFLOW_KIBANA_URL (Kibana's URL, not Elasticsearch's) and that --space ${req.space || 'default'} exists`);
    case 413:
      return new KibanaImportError(413, `the file is too large for Kibana (413): raise savedObjects.maxImportPayloadBytes in kibana.yml, or import a smaller --file`);
    default:
      return new KibanaImportError(status, `Kibana answered ${status} to the import: ${kibanaMessage(body)}`);
  }
}

function connectionError(err: NodeJS.ErrnoException, req: ImportRequest, attempts: number): MusicflowError {
  const code = err.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return new BackendUnavailableError('Kibana', `${req.kibanaUrl}: its certificate is not trusted (${code}): set MUSICFLOW_KIBANA_CA to the PEM file of the CA that signed it`);
  }
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  return new BackendUnavailableError('Kibana', `${req.kibanaUrl}: ${err.message}${tries}; is Kibana running there? (--kibana / MUSICFLOW_KIBANA_URL)`);
}

interface ImportAnswer {
  success?: boolean;
  successCount?: number;
  successResults?: Array<{ type: string; id: string; meta?: { title?: string }; overwrite?: boolean; destinationId?: string }>;
  errors?: Array<{ type: string; id: string; title?: string; meta?: { title?: string }; error?: { type?: string; message?: string; references?: Array<{ type: string; id: string }> } }>;
}

function detailOf(error: NonNullable<ImportAnswer['errors']>[number]['error']): string | undefined {
  if (!error) return undefined;
  if (error.type === 'conflict') return 'already exists: import with --overwrite to update it';
  if (error.type === 'missing_references') return `refers to objects Kibana does not have: ${(error.references ?? []).map((r) => `${r.type} ${r.id}`).join(', ')}`;
  if (error.type === 'unsupported_type') return 'this Kibana does not know the object type';
  return error.message;
}

/** Kibana's documented answer, one result per object. */
function readImportAnswer(body: string): Omit<ImportOutcome, 'attempts'> {
  let answer: ImportAnswer;
  try {
    answer = JSON.parse(body) as ImportAnswer;
  } catch {
    throw new KibanaImportError(200, `Kibana's answer is not JSON: ${body.slice(0, 200)}`);
  }
  const done: ObjectResult[] = (answer.successResults ?? []).map((r) => ({
    type: r.type, id: r.id, title: r.meta?.title ?? '', status: r.overwrite ? 'updated' : 'created',
    ...(r.destinationId ? { destination_id: r.destinationId } : {}),
  }));
  const failed: ObjectResult[] = (answer.errors ?? []).map((e) => ({
    type: e.type, id: e.id, title: e.title ?? e.meta?.title ?? '', status: 'failed', error: e.error?.type ?? 'unknown',
    ...(detailOf(e.error) ? { detail: detailOf(e.error) } : {}),
  }));
  return { success: answer.success === true && failed.length === 0, successCount: answer.successCount ?? done.length, objects: [...done, ...failed] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Posts the file, retrying 5xx answers and passing connection failures with exponential backoff and full jitter. */
export async function importSavedObjects(req: ImportRequest, note: (line: string) => void, retry: RetryPolicy = DEFAULT_RETRY): Promise<ImportOutcome> {
  const url = importUrl(req.kibanaUrl, req.space, req.overwrite);
  const ca = req.caFile ? readFileSync(req.caFile) : undefined;
  const { body, contentType } = multipart(req.ndjson, req.filename);
  const headers: Record<string, string> = { 'kbn-xsrf': 'true', 'content-type': contentType, accept: 'application/json' };
  if (req.auth.header) headers.authorization = req.auth.header;
  for (let attempt = 1; ; attempt++) {
    let why: string;
    try {
      const answer = await post(url, headers, body, ca, retry.timeoutMs);
      if (answer.status === 200) return { ...readImportAnswer(answer.body), attempts: attempt };
      if (answer.status < 500) throw explain(answer.status, answer.body, url, req);
      if (attempt >= retry.attempts) throw new KibanaImportError(answer.status, `Kibana answered ${answer.status} to ${attempt} attempts: ${kibanaMessage(answer.body)}`);
      why = `Kibana answered ${answer.status}`;
    } catch (err) {
      if (err instanceof MusicflowError) throw err;
      const failure = err as NodeJS.ErrnoException;
      if (!PASSING.has(failure.code ?? '') || attempt >= retry.attempts) throw connectionError(failure, req, attempt);
      why = `${failure.code}`;
    }
    const delay = Math.round(Math.random() * retry.baseDelayMs * 2 ** (attempt - 1));
    note(`${why}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${retry.attempts})`);
    await sleep(delay);
  }
}
