// Kibana cannot run here, so these tests talk to a test DOUBLE of Kibana's saved objects import API: a node:http
// server on loopback that records each request and answers what Kibana's documentation says it answers.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_INDEX_PREFIX } from '../../src/lib/adapters/elasticsearch/mapping.js';
import { BackendUnavailableError } from '../../src/lib/errors.js';
import { KibanaImportError, authFromEnv, importSavedObjects, type ImportRequest, type RetryPolicy } from '../../src/lib/kibana/import.js';
import { savedObjects, toNdjson } from '../../src/lib/kibana/saved-objects.js';
import { tempDir } from '../support/fixtures.js';

const BIN = fileURLToPath(new URL('../../../bin/musicflow', import.meta.url));
const FAST: RetryPolicy = { attempts: 3, baseDelayMs: 5, timeoutMs: 5_000 };
const OUR_NDJSON = toNdjson(savedObjects(DEFAULT_INDEX_PREFIX));

interface Recorded { method: string; url: string; headers: IncomingHttpHeaders; body: string }
interface Answer { status: number; body: unknown }

/** The test double of Kibana's import API: answers in order (the last one repeats) and records every request. */
async function kibanaDouble(...answers: Answer[]): Promise<{ url: string; requests: Recorded[]; server: Server }> {
  return listen('http', createServer, answers);
}

/** The same double over TLS, with a certificate for 127.0.0.1. */
async function tlsKibanaDouble(tls: { key: Buffer; cert: Buffer }, ...answers: Answer[]) {
  return listen('https', (handler) => createTlsServer(tls, handler), answers);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(scheme: string, create: (handler: Handler) => Server, answers: Answer[]): Promise<{ url: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = create((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers[Math.min(requests.length, answers.length) - 1];
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  doubles.push(server);
  return { url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}
const doubles: Server[] = [];
after(() => { for (const s of doubles) s.close(); });

/** The `file` part of a multipart/form-data body: its filename and content. */
function filePart(recorded: Recorded): { filename: string; content: string } | null {
  const boundary = /boundary=(.+)$/.exec(recorded.headers['content-type'] ?? '')?.[1];
  if (!boundary) return null;
  for (const part of recorded.body.split(`--${boundary}`)) {
    const match = /^\r\nContent-Disposition: form-data; name="file"; filename="([^"]+)"\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*)\r\n$/.exec(part);
    if (match) return { filename: match[1], content: match[2] };
  }
  return null;
}

function request(url: string, overrides: Partial<ImportRequest> = {}): ImportRequest {
  return { kibanaUrl: url, space: '', overwrite: false, ndjson: OUR_NDJSON, filename: 'musicflow-kibana.ndjson', auth: authFromEnv({}), caFile: '', ...overrides };
}

const ALL_CREATED = {
  success: true,
  successCount: 2,
  successResults: [
    { type: 'index-pattern', id: 'musicflow-plays', meta: { title: 'musicflow-plays', icon: 'indexPatternApp' } },
    { type: 'dashboard', id: 'musicflow-dashboard', meta: { title: 'musicflow: listening', icon: 'dashboardApp' }, overwrite: true },
  ],
  warnings: [],
};

async function musicflow(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
  });
}

describe('kibana import, against a test double of Kibana\'s import API', () => {
  it('double: POSTs our NDJSON as the multipart `file` part, with kbn-xsrf, to the default space', async () => {
    const kibana = await kibanaDouble({ status: 200, body: ALL_CREATED });
    await importSavedObjects(request(kibana.url), () => {}, FAST);
    const [sent] = kibana.requests;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/api/saved_objects/_import');
    assert.equal(sent.headers['kbn-xsrf'], 'true');
    assert.match(sent.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
    assert.equal(sent.headers.authorization, undefined, 'no credentials set, none sent');
    const file = filePart(sent);
    assert.ok(file, 'a part named "file"');
    assert.match(file.filename, /\.ndjson$/);
    assert.equal(file.content, OUR_NDJSON);
  });

  it('double: puts the space in the path and overwrite=true in the query, after any base path', async () => {
    const kibana = await kibanaDouble({ status: 200, body: ALL_CREATED });
    await importSavedObjects(request(kibana.url, { space: 'analysts', overwrite: true }), () => {}, FAST);
    await importSavedObjects(request(`${kibana.url}/kibana/`, { space: 'default' }), () => {}, FAST);
    assert.deepEqual(kibana.requests.map((r) => r.url), ['/s/analysts/api/saved_objects/_import?overwrite=true', '/kibana/api/saved_objects/_import']);
  });

  it('double: sends the API key, or user and password, from env', async () => {
    const kibana = await kibanaDouble({ status: 200, body: ALL_CREATED });
    const apiKey = authFromEnv({ MUSICFLOW_KIBANA_API_KEY: 'a2V5OnNlY3JldA==', MUSICFLOW_KIBANA_USERNAME: 'ignored', MUSICFLOW_KIBANA_PASSWORD: 'ignored' });
    await importSavedObjects(request(kibana.url, { auth: apiKey }), () => {}, FAST);
    const basic = authFromEnv({ MUSICFLOW_KIBANA_USERNAME: 'elastic', MUSICFLOW_KIBANA_PASSWORD: 'changeme' });
    await importSavedObjects(request(kibana.url, { auth: basic }), () => {}, FAST);
    assert.equal(kibana.requests[0].headers.authorization, 'ApiKey a2V5OnNlY3JldA==');
    assert.equal(kibana.requests[1].headers.authorization, `Basic ${Buffer.from('elastic:changeme').toString('base64')}`);
    assert.throws(() => authFromEnv({ MUSICFLOW_KIBANA_USERNAME: 'elastic' }), /MUSICFLOW_KIBANA_PASSWORD is not/);
  });

  it('double: reports created and updated objects from successResults, and exits 0', async () => {
    const kibana = await kibanaDouble({ status: 200, body: ALL_CREATED });
    const human = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url }, 'kibana', 'import');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /created\s+index-pattern musicflow-plays "musicflow-plays"/);
    assert.match(human.stdout, /updated\s+dashboard musicflow-dashboard "musicflow: listening"/);
    const json = await musicflow({}, 'kibana', 'import', '--kibana', kibana.url, '--space', 'analysts', '--overwrite', '--json');
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.space, 'analysts');
    assert.deepEqual(report.objects.map((o: { status: string }) => o.status), ['created', 'updated']);
    assert.equal(kibana.requests[1].url, '/s/analysts/api/saved_objects/_import?overwrite=true');
  });

  it('double: names each object Kibana could not import, and exits 1', async () => {
    const kibana = await kibanaDouble({
      status: 200,
      body: {
        success: false,
        successCount: 1,
        successResults: [{ type: 'index-pattern', id: 'musicflow-plays', meta: { title: 'musicflow-plays' } }],
        errors: [
          { type: 'dashboard', id: 'musicflow-dashboard', title: 'musicflow: listening', meta: { title: 'musicflow: listening' }, error: { type: 'conflict' } },
          { type: 'lens', id: 'musicflow-panel-top-tracks', title: 'Top tracks', meta: {}, error: { type: 'missing_references', references: [{ type: 'index-pattern', id: 'musicflow-plays' }] } },
          { type: 'map', id: 'musicflow-panel-plays-map', title: 'Plays by location', meta: {}, error: { type: 'unsupported_type' } },
        ],
      },
    });
    const human = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url }, 'kibana', 'import');
    assert.equal(human.code, 1);
    assert.match(human.stdout, /failed\s+dashboard musicflow-dashboard "musicflow: listening": conflict: .*--overwrite/);
    assert.match(human.stdout, /failed\s+lens musicflow-panel-top-tracks "Top tracks": missing_references: .*index-pattern musicflow-plays/);
    assert.match(human.stdout, /failed\s+map musicflow-panel-plays-map "Plays by location": unsupported_type/);
    assert.match(human.stdout, /1 imported .*, 3 failed/);
    const json = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url }, 'kibana', 'import', '--json');
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(report.objects.filter((o: { status: string }) => o.status === 'failed').map((o: { id: string; error: string }) => `${o.id} ${o.error}`),
      ['musicflow-dashboard conflict', 'musicflow-panel-top-tracks missing_references', 'musicflow-panel-plays-map unsupported_type']);
  });

  const refusals: Array<[number, RegExp]> = [
    [401, /wants credentials \(401\): set MUSICFLOW_KIBANA_API_KEY, or MUSICFLOW_KIBANA_USERNAME and MUSICFLOW_KIBANA_PASSWORD/],
    [403, /refused the import into space "analysts" \(403\): .*Saved Objects Management/],
    [404, /no import API at .*\/s\/analysts\/api\/saved_objects\/_import \(404\): check --kibana \/ MUSICFLOW_KIBANA_URL .* --space analysts exists/],
    [413, /too large for Kibana \(413\): raise savedObjects\.maxImportPayloadBytes/],
  ];
  for (const [status, explained] of refusals) {
    it(`double: explains a ${status} in one line, does not retry it, and exits 1`, async () => {
      const kibana = await kibanaDouble({ status, body: { statusCode: status, error: 'refused', message: 'refused' } });
      const result = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url }, 'kibana', 'import', '--space', 'analysts');
      assert.equal(result.code, 1);
      assert.match(result.stderr, explained);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(kibana.requests.length, 1);
    });
  }

  it('double: a 401 with credentials names where they came from', async () => {
    const kibana = await kibanaDouble({ status: 401, body: { statusCode: 401, message: 'unauthorized' } });
    const result = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url, MUSICFLOW_KIBANA_API_KEY: 'stale' }, 'kibana', 'import');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refused the credentials from MUSICFLOW_KIBANA_API_KEY \(401\)/);
  });

  it('double: retries 5xx answers with backoff, saying so, then reads the success', async () => {
    const kibana = await kibanaDouble({ status: 503, body: { message: 'not ready' } }, { status: 500, body: {} }, { status: 200, body: ALL_CREATED });
    const notes: string[] = [];
    const outcome = await importSavedObjects(request(kibana.url), (n) => notes.push(n), FAST);
    assert.equal(kibana.requests.length, 3);
    assert.equal(outcome.attempts, 3);
    assert.equal(outcome.success, true);
    assert.match(notes[0], /Kibana answered 503; retrying in \d+\.\d s \(attempt 2 of 3\)/);
    assert.match(notes[1], /Kibana answered 500; retrying .* \(attempt 3 of 3\)/);
  });

  it('double: gives up after the last 5xx with Kibana\'s message', async () => {
    const kibana = await kibanaDouble({ status: 502, body: { message: 'bad gateway' } });
    await assert.rejects(importSavedObjects(request(kibana.url), () => {}, FAST),
      (e: Error) => e instanceof KibanaImportError && /Kibana answered 502 to 3 attempts: bad gateway/.test(e.message));
    assert.equal(kibana.requests.length, 3);
  });

  it('retries a refused connection, then says Kibana is unreachable and which setting names it', async () => {
    const closed = await kibanaDouble({ status: 200, body: ALL_CREATED });
    await new Promise((resolve) => closed.server.close(resolve)); // nothing listens on that port now
    const notes: string[] = [];
    await assert.rejects(importSavedObjects(request(closed.url), (n) => notes.push(n), FAST),
      (e: Error) => e instanceof BackendUnavailableError && /Kibana is unreachable: .*ECONNREFUSED.* after 3 attempts; .*MUSICFLOW_KIBANA_URL/.test(e.message));
    assert.deepEqual(notes.map((n) => n.replace(/\d+\.\d s/, 'N s')), ['ECONNREFUSED; retrying in N s (attempt 2 of 3)', 'ECONNREFUSED; retrying in N s (attempt 3 of 3)']);
  });

  it('double: sends a user\'s --file as it is, under a name ending in .ndjson', async () => {
    const kibana = await kibanaDouble({ status: 200, body: ALL_CREATED });
    const file = join(tempDir(), 'mine.json');
    writeFileSync(file, '{"type":"index-pattern","id":"mine","attributes":{"title":"mine-*"},"references":[]}\n');
    const result = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url }, 'kibana', 'import', '--file', file);
    assert.equal(result.code, 0, result.stderr);
    const part = filePart(kibana.requests[0]);
    assert.deepEqual(part, { filename: 'mine.json.ndjson', content: '{"type":"index-pattern","id":"mine","attributes":{"title":"mine-*"},"references":[]}\n' });
  });

  it('double: takes Kibana\'s URL from the config file key "kibana"', async () => {
    const kibana = await kibanaDouble({ status: 200, body: ALL_CREATED });
    const config = join(tempDir(), 'musicflow.json');
    writeFileSync(config, JSON.stringify({ kibana: kibana.url }));
    const result = await musicflow({}, 'kibana', 'import', '--config', config);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(kibana.requests.length, 1);
  });

  it('double over TLS: trusts Kibana\'s certificate through MUSICFLOW_KIBANA_CA, and says to set it when it is missing', { skip: existsSync('/usr/bin/openssl') ? false : 'no /usr/bin/openssl to make a test certificate' }, async () => {
    const dir = tempDir();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const kibana = await tlsKibanaDouble({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, { status: 200, body: ALL_CREATED });
    const trusted = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url, MUSICFLOW_KIBANA_CA: join(dir, 'cert.pem') }, 'kibana', 'import');
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal(kibana.requests.length, 1);
    const untrusted = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url }, 'kibana', 'import');
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /certificate is not trusted .*: set MUSICFLOW_KIBANA_CA/);
    const missing = await musicflow({ MUSICFLOW_KIBANA_URL: kibana.url, MUSICFLOW_KIBANA_CA: join(dir, 'nope.pem') }, 'kibana', 'import');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.pem: cannot read the Kibana CA certificate named by env MUSICFLOW_KIBANA_CA/);
  });

  it('refuses usage mistakes with exit 2, before sending anything', async () => {
    const noUrl = await musicflow({}, 'kibana', 'import');
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /--kibana URL or MUSICFLOW_KIBANA_URL/);
    const both = await musicflow({}, 'kibana', 'import', '--kibana', 'http://127.0.0.1:9', '--file', 'x.ndjson', '--prefix', 'p-');
    assert.equal(both.code, 2);
    const space = await musicflow({}, 'kibana', 'import', '--kibana', 'http://127.0.0.1:9', '--space', 'Bad Space');
    assert.equal(space.code, 2);
    assert.match(space.stderr, /--space: "Bad Space" is not a Kibana space id/);
  });
});
