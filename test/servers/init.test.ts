// `musicflow init` without prompts (flags only), run as a user would: the built CLI in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../../src/lib/config.js';
import { tempDir } from '../support/fixtures.js';
import { SERVER_TEST } from '../support/timeouts.js';

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const redis = process.env.MUSICFLOW_REDIS_URL;
const elasticsearch = process.env.MUSICFLOW_ELASTICSEARCH_URL;
const noElasticsearch = brokers && redis && elasticsearch ? false
  : 'MUSICFLOW_KAFKA_BROKERS / MUSICFLOW_REDIS_URL / MUSICFLOW_ELASTICSEARCH_URL are unset: start the stack with `npm run stack:up` (npm test does)';
const noServers = brokers && redis ? false : 'MUSICFLOW_KAFKA_BROKERS / MUSICFLOW_REDIS_URL are unset: start the stack with `npm run stack:up` (npm test does)';
const secured = {
  brokers: process.env.MUSICFLOW_STACK_KAFKA_SASL_TLS_BROKERS ?? '',
  ca: process.env.MUSICFLOW_STACK_KAFKA_CA ?? '',
  username: process.env.MUSICFLOW_STACK_KAFKA_SASL_USERNAME ?? '',
  password: process.env.MUSICFLOW_STACK_KAFKA_SASL_PASSWORD ?? '',
};
const noSecured = redis && Object.values(secured).every((v) => v !== '') ? false
  : 'MUSICFLOW_STACK_KAFKA_* (the secured listeners) or MUSICFLOW_REDIS_URL are unset: start the stack with `npm run stack:up` (npm test does)';

/** Runs the CLI in `cwd` with no musicflow settings inherited from this process, only those of `env`. */
function musicflowWith(env: Record<string, string>, cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MUSICFLOW_')));
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, env: { ...inherited, ...env }, encoding: 'utf8', input: '' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const musicflow = (cwd: string, ...args: string[]) => musicflowWith({}, cwd, ...args);

describe('musicflow init (flags, no prompts)', { concurrency: false }, () => {
  it('writes an embedded config with every setting of the defaults and no secrets', SERVER_TEST, () => {
    const dir = tempDir('musicflow-init-');
    const run = musicflow(dir, 'init', '--yes', '--embedded', '--data-dir', './state', '--json');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.mode, 'embedded');
    const file = JSON.parse(readFileSync(join(dir, 'musicflow.json'), 'utf8'));
    assert.deepEqual(Object.keys(file).sort(), Object.keys(DEFAULTS).sort());
    assert.equal(file.kafkaSasl, null);
    assert.equal(file.kafkaCa, '');
    assert.equal(file.dataDir, './state');
    assert.deepEqual(file.kafkaBrokers, []);
    assert.equal(file.redisUrl, '');
  });

  it('refuses to replace an existing file without --force, and names the way out', SERVER_TEST, () => {
    const dir = tempDir('musicflow-init-');
    writeFileSync(join(dir, 'musicflow.json'), '{}\n');
    const run = musicflow(dir, 'init', '--yes', '--embedded');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--force/);
    assert.equal(readFileSync(join(dir, 'musicflow.json'), 'utf8'), '{}\n');
    assert.equal(musicflow(dir, 'init', '--yes', '--embedded', '--force').status, 0);
  });

  it('writes nothing when the servers do not answer, and says which', SERVER_TEST, () => {
    const dir = tempDir('musicflow-init-');
    const run = musicflow(dir, 'init', '--yes', '--servers', '--kafka', '127.0.0.1:1', '--redis', 'redis://127.0.0.1:1');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /DOWN kafka/);
    assert.match(run.stderr, /DOWN redis store/);
    assert.equal(existsSync(join(dir, 'musicflow.json')), false);
  });

  it('refuses a missing --kafka-ca file and a SASL mechanism without a user, naming the option', SERVER_TEST, () => {
    const dir = tempDir('musicflow-init-');
    const ca = musicflow(dir, 'init', '--yes', '--servers', '--kafka', '127.0.0.1:1', '--redis', 'redis://127.0.0.1:1', '--kafka-ca', 'missing.pem');
    assert.equal(ca.status, 1);
    assert.match(ca.stderr, /missing\.pem: cannot read the Kafka CA certificate named by --kafka-ca/);
    const sasl = musicflow(dir, 'init', '--yes', '--servers', '--kafka', '127.0.0.1:1', '--redis', 'redis://127.0.0.1:1', '--kafka-sasl-mechanism', 'scram-sha-256');
    assert.equal(sasl.status, 2);
    assert.match(sasl.stderr, /--kafka-sasl-username/);
    const password = musicflow(dir, 'init', '--yes', '--servers', '--kafka', '127.0.0.1:1', '--redis', 'redis://127.0.0.1:1',
      '--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'app');
    assert.equal(password.status, 2);
    assert.match(password.stderr, /MUSICFLOW_KAFKA_SASL_PASSWORD.*--no-check/);
    assert.equal(existsSync(join(dir, 'musicflow.json')), false);
  });

  it('checks Kafka over SASL and TLS and writes the mechanism, user and CA but never the password', { ...SERVER_TEST, skip: noSecured }, () => {
    const dir = tempDir('musicflow-init-');
    const run = musicflowWith({ MUSICFLOW_KAFKA_SASL_PASSWORD: secured.password }, dir, 'init', '--yes', '--servers', '--kafka', secured.brokers,
      '--redis', redis!, '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', secured.username, '--kafka-ca', secured.ca, '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).checks.map((h: { backend: string; ok: boolean }) => [h.backend, h.ok]).slice(0, 1), [['kafka', true]]);
    assert.match(run.stderr, /export MUSICFLOW_KAFKA_SASL_PASSWORD/);
    const text = readFileSync(join(dir, 'musicflow.json'), 'utf8');
    assert.ok(!text.includes(secured.password), 'the password is not in the file');
    const file = JSON.parse(text);
    assert.deepEqual(file.kafkaSasl, { mechanism: 'scram-sha-512', username: secured.username });
    assert.equal(file.kafkaCa, secured.ca);
    assert.equal(file.kafkaTls, true);
    const status = musicflowWith({ MUSICFLOW_KAFKA_SASL_PASSWORD: secured.password }, dir, 'status', '--config', 'musicflow.json', '--json');
    assert.equal(status.status, 0, status.stderr);
    const noPassword = musicflow(dir, 'status', '--config', 'musicflow.json', '--json');
    assert.equal(noPassword.status, 2);
    assert.match(noPassword.stderr, /needs a password: set MUSICFLOW_KAFKA_SASL_PASSWORD/);
  });

  it('checks Kafka and Redis and writes them, keeping a Redis password out of the file', { ...SERVER_TEST, skip: noServers }, () => {
    const dir = tempDir('musicflow-init-');
    const withPassword = redis!.replace('redis://', 'redis://:hunter2@');
    const run = musicflow(dir, 'init', '--yes', '--servers', '--kafka', brokers!, '--redis', withPassword, '--config', 'servers.json', '--json');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.checks.map((h: { backend: string; ok: boolean }) => [h.backend, h.ok]), [['kafka', true], ['redis store', true], ['redis index', true]]);
    const text = readFileSync(join(dir, 'servers.json'), 'utf8');
    assert.doesNotMatch(text, /hunter2/);
    const file = JSON.parse(text);
    assert.deepEqual(file.kafkaBrokers, brokers!.split(','));
    assert.equal(file.redisUrl, redis);
    assert.match(run.stderr, /password was left out/);
    const status = musicflow(dir, 'status', '--config', 'servers.json', '--json');
    assert.equal(status.status, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).backend, 'kafka+redis');
  });

  it('checks Elasticsearch too and writes it as the index, with no credentials in the file', { ...SERVER_TEST, skip: noElasticsearch }, () => {
    const dir = tempDir('musicflow-init-');
    const env = { MUSICFLOW_ELASTICSEARCH_API_KEY: 'c2VjcmV0LWtleQ==', MUSICFLOW_ELASTICSEARCH_PREFIX: `musicflow-test-init-${Date.now()}-`, MUSICFLOW_ELASTICSEARCH_REPLICAS: '0' };
    const refused = musicflowWith(env, dir, 'init', '--yes', '--servers', '--kafka', brokers!, '--redis', redis!, '--elasticsearch', 'http://user:pw@127.0.0.1:9200');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /MUSICFLOW_ELASTICSEARCH_USERNAME and _PASSWORD \(or _API_KEY\), not in the URL/);
    const run = musicflowWith(env, dir, 'init', '--yes', '--servers', '--kafka', brokers!, '--redis', redis!, '--elasticsearch', elasticsearch!, '--json');
    assert.equal(run.status, 0, run.stderr);
    const checks = JSON.parse(run.stdout).checks.map((h: { backend: string; ok: boolean }) => [h.backend.split(' ')[0], h.ok]);
    assert.deepEqual(checks, [['kafka', true], ['redis', true], ['Elasticsearch', true]]);
    const text = readFileSync(join(dir, 'musicflow.json'), 'utf8');
    assert.doesNotMatch(text, /c2VjcmV0LWtleQ/);
    assert.equal(JSON.parse(text).elasticsearch, elasticsearch);
    writeFileSync(join(dir, 'with-key.json'), JSON.stringify({ ...JSON.parse(text), elasticsearchApiKey: 'x' }));
    const secret = musicflow(dir, 'status', '--config', 'with-key.json');
    assert.equal(secret.status, 2);
    assert.match(secret.stderr, /Elasticsearch credentials belong in env/);
  });
});
