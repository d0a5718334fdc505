// Kafka with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and TLS, against the test stack's broker: besides
// PLAINTEXT it listens with SASL, with TLS (a test CA) and with both; `npm run stack:up` prints where, as
// MUSICFLOW_STACK_KAFKA_* lines. The settings go through resolveConfig from env, as a user would set them;
// each Kafka client library musicflow can run on is checked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openKafkaEventLog } from '../../src/lib/adapters/kafka/open.js';
import { resolveConfig, type Config, type KafkaClient } from '../../src/lib/config.js';
import { BackendUnavailableError } from '../../src/lib/errors.js';
import type { EventLog, LogRecord } from '../../src/lib/ports.js';
import { smallFixture, tempDir } from '../support/fixtures.js';
import { SERVER_TEST } from '../support/timeouts.js';

const stack = {
  saslBrokers: process.env.MUSICFLOW_STACK_KAFKA_SASL_BROKERS ?? '',
  tlsBrokers: process.env.MUSICFLOW_STACK_KAFKA_TLS_BROKERS ?? '',
  saslTlsBrokers: process.env.MUSICFLOW_STACK_KAFKA_SASL_TLS_BROKERS ?? '',
  ca: process.env.MUSICFLOW_STACK_KAFKA_CA ?? '',
  username: process.env.MUSICFLOW_STACK_KAFKA_SASL_USERNAME ?? '',
  password: process.env.MUSICFLOW_STACK_KAFKA_SASL_PASSWORD ?? '',
};
const skip = Object.values(stack).some((v) => v === '')
  ? 'MUSICFLOW_STACK_KAFKA_* (the secured listeners) are unset: start the stack with `npm run stack:up` (npm test does; a broker started before the listeners existed has none: restart it)'
  : false;
const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

type Env = Record<string, string>;

const CLIENTS: Record<KafkaClient, (config: Config) => EventLog> = {
  kafkajs: (config) => openKafkaEventLog(config, 'kafkajs'),
  platformatic: (config) => openKafkaEventLog(config, 'platformatic'),
};

function saslEnv(brokers: string, mechanism: string, password = stack.password): Env {
  return {
    MUSICFLOW_KAFKA_BROKERS: brokers, MUSICFLOW_KAFKA_SASL_MECHANISM: mechanism,
    MUSICFLOW_KAFKA_SASL_USERNAME: stack.username, MUSICFLOW_KAFKA_SASL_PASSWORD: password,
  };
}

/** What musicflow resolves from `env`, on a topic of its own. */
function configOf(env: Env): Config {
  return resolveConfig({}, { MUSICFLOW_TOPIC: `musicflow.secure.${randomUUID()}`, MUSICFLOW_PARTITIONS: '2', ...env });
}

function records(count: number): LogRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: String(i % 5), value: `play ${i}` }));
}

/** Appends `count` records, consumes them with a new group until idle (or `signal`), and gives back the values read. */
async function roundTrip(log: EventLog, count: number, signal: AbortSignal): Promise<string[]> {
  try {
    await log.append(records(count));
    const values: string[] = [];
    await log.consume({
      group: `secure-${randomUUID()}`, fromBeginning: false, untilIdle: true, signal, maxBatch: 1000,
      onBatch: async (batch) => { values.push(...batch.records.map((r) => r.value)); },
    });
    return values.sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1]));
  } finally {
    await log.close();
  }
}

const expected = (count: number) => records(count).map((r) => r.value);

/** The built CLI with `env` as its only musicflow settings. */
function musicflow(env: Env, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MUSICFLOW_')));
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...inherited, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const [client, open] of Object.entries(CLIENTS)) {
  describe(`Kafka over SASL and TLS on ${client} (the test stack)`, { skip, concurrency: false }, () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
      it(`appends and consumes with SASL ${mechanism}`, SERVER_TEST, async (t) => {
        const config = configOf(saslEnv(stack.saslBrokers, mechanism));
        assert.equal(config.kafkaSasl?.mechanism, mechanism);
        assert.deepEqual(await roundTrip(open(config), 40, t.signal), expected(40));
      });
    }

    it('appends and consumes over TLS, trusting the CA named by MUSICFLOW_KAFKA_CA (which implies TLS)', SERVER_TEST, async (t) => {
      const config = configOf({ MUSICFLOW_KAFKA_BROKERS: stack.tlsBrokers, MUSICFLOW_KAFKA_CA: stack.ca });
      assert.equal(config.kafkaTls, true);
      assert.deepEqual(await roundTrip(open(config), 40, t.signal), expected(40));
    });

    it('appends with SASL SCRAM-SHA-512 over TLS (the mechanism as Kafka spells it)', SERVER_TEST, async () => {
      const log = open(configOf({ ...saslEnv(stack.saslTlsBrokers, 'SCRAM-SHA-512'), MUSICFLOW_KAFKA_CA: stack.ca }));
      try {
        await log.append(records(40));
        const lag = await log.lag('nobody-yet');
        assert.equal(lag.reduce((sum, p) => sum + p.end, 0), 40);
      } finally {
        await log.close();
      }
    });

    it('a wrong password fails as unavailable, naming the broker and the env var to check', SERVER_TEST, async () => {
      const log = open(configOf(saslEnv(stack.saslBrokers, 'scram-sha-256', 'not-the-password')));
      try {
        await assert.rejects(log.append(records(1)), (err: Error) => {
          assert.ok(err instanceof BackendUnavailableError, `${err.name}: ${err.message}`);
          assert.ok(err.message.includes(stack.saslBrokers), err.message);
          assert.match(err.message, /MUSICFLOW_KAFKA_SASL_PASSWORD/);
          return true;
        });
      } finally {
        await log.close();
      }
    });

    it('TLS without the CA fails as unavailable, saying to set MUSICFLOW_KAFKA_CA', SERVER_TEST, async () => {
      const log = open(configOf({ MUSICFLOW_KAFKA_BROKERS: stack.tlsBrokers, MUSICFLOW_KAFKA_TLS: '1' }));
      try {
        await assert.rejects(log.append(records(1)), (err: Error) => {
          assert.ok(err instanceof BackendUnavailableError, `${err.name}: ${err.message}`);
          assert.ok(err.message.includes(stack.tlsBrokers), err.message);
          assert.match(err.message, /certificate.*MUSICFLOW_KAFKA_CA/);
          return true;
        });
      } finally {
        await log.close();
      }
    });
  });
}

describe('the CLI on Kafka over SASL and TLS (the test stack)', { skip, concurrency: false }, () => {
  it('the CLI replays and streams until idle with SCRAM-SHA-256 over TLS, all from env', SERVER_TEST, () => {
    const fx = smallFixture();
    const id = randomUUID().slice(0, 8);
    const env: Env = {
      ...saslEnv(stack.saslTlsBrokers, 'scram-sha-256'), MUSICFLOW_KAFKA_CA: stack.ca,
      MUSICFLOW_TOPIC: `musicflow.secure.cli.${id}`, MUSICFLOW_GROUP: `secure-${id}`, MUSICFLOW_HOME: tempDir('musicflow-secure-'),
    };
    const seed = musicflow(env, 'seed', '--customers', fx.customers, '--music', fx.music, '--json');
    assert.equal(seed.status, 0, seed.stderr);
    const replay = musicflow(env, 'replay', '--file', fx.tracks, '--json');
    assert.equal(replay.status, 0, replay.stderr);
    const sent = JSON.parse(replay.stdout) as { events_sent: number; rejected: number; backend: string };
    assert.equal(sent.backend, 'kafka+embedded store');
    assert.equal(sent.events_sent, fx.goodEvents.length);
    assert.equal(sent.rejected, fx.badLines);
    const stream = musicflow(env, 'stream', '--until-idle', '--json');
    assert.equal(stream.status, 0, stream.stderr);
    const done = JSON.parse(stream.stdout) as { events_processed: number; interests: number; lag: number };
    assert.equal(done.events_processed, fx.goodEvents.length);
    assert.equal(done.interests, fx.expectedInterests.length);
    assert.equal(done.lag, 0);
  });

  it('the CLI exits 1 on a wrong password, naming the broker and MUSICFLOW_KAFKA_SASL_PASSWORD', SERVER_TEST, () => {
    const fx = smallFixture();
    const env: Env = { ...saslEnv(stack.saslBrokers, 'plain', 'not-the-password'), MUSICFLOW_HOME: tempDir('musicflow-secure-') };
    const replay = musicflow(env, 'replay', '--file', fx.tracks, '--json');
    assert.equal(replay.status, 1, replay.stderr);
    assert.equal(replay.stdout, '');
    assert.match(replay.stderr, /error: Kafka \(127\.0\.0\.1:\d+\).*authentication failed.*MUSICFLOW_KAFKA_SASL_PASSWORD/i);
    assert.doesNotMatch(replay.stderr, /\n\s+at /, 'a message, not a stack trace');
  });
});
