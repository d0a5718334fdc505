// The Kafka event log against a real broker (the test stack: `npm run stack:up`, a Kafka 4.x KRaft node),
// on each client library it can run on, and across them: what one client writes, the other reads.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { KafkaSettings } from '../../src/lib/adapters/kafka/log-layout.js';
import { openKafkaEventLog } from '../../src/lib/adapters/kafka/open.js';
import type { KafkaClient } from '../../src/lib/config.js';
import { BackendUnavailableError } from '../../src/lib/errors.js';
import { sleep } from '../../src/lib/sleep.js';
import type { ConsumedRecord, EventLog, LogBatch, LogRecord } from '../../src/lib/ports.js';
import type { DeadLetter } from '../../src/lib/records.js';
import { SERVER_TEST } from '../support/timeouts.js';

const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const skip = brokers ? false : 'MUSICFLOW_KAFKA_BROKERS is unset: start a broker with `npm run stack:up` (npm test does)';

type KafkaLog = EventLog & { readonly deadLetterTopic: string };
const CLIENTS: Record<KafkaClient, (settings: KafkaSettings) => KafkaLog> = {
  kafkajs: (settings) => openKafkaEventLog(settings, 'kafkajs'),
  platformatic: (settings) => openKafkaEventLog(settings, 'platformatic'),
};

function settingsOf(topic: string, partitions: number, at = (brokers ?? '').split(',')): KafkaSettings {
  return { kafkaBrokers: at, topic, partitions, kafkaSasl: null, kafkaTls: false, kafkaCa: '' };
}

const freshTopic = () => `musicflow.test.${randomUUID()}`;
/**
 * A consumer group of its own per test: a group is the broker's, not the topic's, and two runs of this file on one
 * stack (Node versions side by side, CI jobs) sharing a name would join one group over two topics, where each
 * leader assigns only its own topic's partitions and the other run's workers wait for records forever.
 */
const freshGroup = (name: string) => `${name}-${randomUUID()}`;

function records(count: number, customers: number): LogRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: String(i % customers),
    value: `${i},${i % customers},10,"2014-10-20 08:00:00",0,"10001"`,
    source: { file: '/data/tracks.csv', line: i + 1 },
  }));
}

/** Consumes until idle, collecting every batch handed out. */
async function drain(log: EventLog, group: string, opts: { fromBeginning?: boolean; maxBatch?: number; signal?: AbortSignal } = {}): Promise<LogBatch[]> {
  const batches: LogBatch[] = [];
  await log.consume({
    group, fromBeginning: opts.fromBeginning ?? false, untilIdle: true, signal: opts.signal ?? new AbortController().signal,
    maxBatch: opts.maxBatch ?? 1000, onBatch: async (batch) => { batches.push(batch); },
  });
  return batches;
}

const flat = (batches: LogBatch[]): ConsumedRecord[] => batches.flatMap((b) => b.records);

for (const [client, open] of Object.entries(CLIENTS)) {
  const freshLog = (partitions = 3) => open(settingsOf(freshTopic(), partitions));

  describe(`Kafka event log on ${client}`, { skip, concurrency: false }, () => {
    it('creates the topic with the configured partitions and a dead-letter topic', SERVER_TEST, async () => {
      const log = freshLog(3);
      try {
        await log.append(records(1, 1));
        const health = await log.health();
        assert.equal(health.ok, true, health.detail);
        assert.equal(health.facts?.partitions, 3);
        assert.equal((await log.deadLetterCounts()).total, 0);
      } finally {
        await log.close();
      }
    });

    it('keeps each customer in one partition, in order, with its source line, and commits what was handed out', SERVER_TEST, async (t) => {
      const log = freshLog(3);
      try {
        await log.append(records(300, 7));
        const group = freshGroup('g1');
        const batches = await drain(log, group, { maxBatch: 40, signal: t.signal });
        const all = flat(batches);
        assert.equal(all.length, 300);
        assert.ok(batches.every((b) => b.records.length <= 40 && b.records.every((r) => r.partition === b.partition)));
        const partitionOf = new Map<string, number>();
        for (const r of all) {
          assert.equal(partitionOf.get(r.key) ?? r.partition, r.partition, `customer ${r.key} split over partitions`);
          partitionOf.set(r.key, r.partition);
          assert.equal(r.source?.file, '/data/tracks.csv');
          assert.equal(r.value.split(',')[0], String(r.source!.line - 1));
          assert.ok(r.appendedAt > Date.now() - 600_000);
        }
        for (const key of partitionOf.keys()) {
          const lines = all.filter((r) => r.key === key).map((r) => r.source!.line);
          assert.deepEqual(lines, [...lines].sort((a, b) => a - b), `customer ${key} out of order`);
        }
        const lag = await log.lag(group);
        assert.equal(lag.length, 3);
        assert.equal(lag.reduce((s, p) => s + p.end, 0), 300);
        assert.ok(lag.every((p) => p.lag === 0 && p.committed === p.end));
        assert.equal(flat(await drain(log, group, { signal: t.signal })).length, 0, 'a committed group reads nothing again');
        assert.equal(flat(await drain(log, group, { fromBeginning: true, signal: t.signal })).length, 300, '--from-beginning reads everything again');
      } finally {
        await log.close();
      }
    });

    it('commits nothing for a batch whose processing failed', SERVER_TEST, async (t) => {
      const log = freshLog(1);
      try {
        await log.append(records(10, 1));
        let calls = 0;
        const group = freshGroup('g2');
        await assert.rejects(log.consume({
          group, fromBeginning: false, untilIdle: true, signal: t.signal, maxBatch: 4,
          onBatch: async () => {
            calls += 1;
            if (calls === 2) throw new Error('sink exploded');
          },
        }), /sink exploded/);
        const [p] = await log.lag(group);
        assert.equal(p.committed, 4, 'only the first batch of 4 is committed');
        assert.equal(p.lag, 6);
        const rest = flat(await drain(log, group, { signal: t.signal }));
        assert.deepEqual(rest.map((r) => r.offset), [4, 5, 6, 7, 8, 9]);
      } finally {
        await log.close();
      }
    });

    it('stops on the abort signal after committing the batch in hand', SERVER_TEST, async (t) => {
      const log = freshLog(1);
      try {
        await log.append(records(20, 1));
        const stop = new AbortController();
        const seen: number[] = [];
        const group = freshGroup('g3');
        await log.consume({
          group, fromBeginning: false, untilIdle: false, signal: AbortSignal.any([stop.signal, t.signal]), maxBatch: 5,
          onBatch: async (batch) => {
            seen.push(...batch.records.map((r) => r.offset));
            stop.abort();
          },
        });
        assert.deepEqual(seen, [0, 1, 2, 3, 4]);
        const [p] = await log.lag(group);
        assert.equal(p.committed, 5);
      } finally {
        await log.close();
      }
    });

    it('keeps dead letters as JSON in <topic>.deadletters, oldest first', SERVER_TEST, async () => {
      const log = freshLog(1);
      try {
        const letters: DeadLetter[] = [4, 8].map((line) => ({
          source: '/data/tracks.csv', line, reason: `bad line ${line}`, raw: 'x,y', stage: 'replay', at: 1_000 + line,
        }));
        await log.appendDeadLetters(letters);
        assert.equal((await log.deadLetterCounts()).total, 2);
        assert.deepEqual(await log.readDeadLetters(10), letters);
        assert.deepEqual(await log.readDeadLetters(1), letters.slice(0, 1));
        await log.appendDeadLetters(letters); // the same file seeded or replayed again
        assert.deepEqual(await log.deadLetterCounts(), { total: 2, byStage: { seed: 0, replay: 2, stream: 0 } });
        assert.deepEqual(await log.readDeadLetters(10), letters);
        assert.equal(log.deadLetterTopic, `${log.name}.deadletters`);
      } finally {
        await log.close();
      }
    });

    it('hands out every record when a second worker joins half way, never a batch past a gap in its partition', SERVER_TEST, async (t) => {
      const log = freshLog(3);
      const second = open(settingsOf(log.name, 3));
      try {
        await log.append(records(3000, 50));
        // As the sinks do: a partition's records apply past its watermark only, so a batch starting beyond
        // watermark + 1 would leave a hole for good.
        const watermarks = new Map<number, number>();
        const holes: string[] = [];
        let handled = 0;
        let halfway!: () => void;
        const joinNow = new Promise<void>((resolve) => { halfway = resolve; });
        const group = freshGroup('g5');
        const options = {
          group, fromBeginning: false, untilIdle: true, signal: t.signal, maxBatch: 20,
          onBatch: async (batch: LogBatch) => {
            const watermark = watermarks.get(batch.partition) ?? -1;
            const first = batch.records[0].offset;
            if (first > watermark + 1) holes.push(`partition ${batch.partition}: a batch from ${first} after ${watermark}`);
            watermarks.set(batch.partition, Math.max(watermark, batch.records[batch.records.length - 1].offset));
            handled += batch.records.length;
            if (handled >= 600) halfway();
            await sleep(5);
          },
        };
        const firstWorker = log.consume(options);
        await joinNow;
        await Promise.all([firstWorker, second.consume(options)]);
        assert.deepEqual(holes, []);
        const lag = await log.lag(group);
        assert.deepEqual(lag.map((p) => (watermarks.get(p.partition) ?? -1) + 1), lag.map((p) => p.end));
        assert.ok(lag.every((p) => p.lag === 0), JSON.stringify(lag));
      } finally {
        await second.close();
        await log.close();
      }
    });

    it('refuses --from-beginning while the group has running workers, and says what to do', SERVER_TEST, async (t) => {
    const log = freshLog(1);
    const other = open(settingsOf(log.name, 1));
    const stop = new AbortController();
    try {
      await log.append(records(3, 1));
      let started!: () => void;
      const running = new Promise<void>((resolve) => { started = resolve; });
      const group = freshGroup('g4');
      const worker = log.consume({
        group, fromBeginning: false, untilIdle: false, signal: AbortSignal.any([stop.signal, t.signal]), maxBatch: 10, onBatch: async () => started(),
      });
      await running;
      await assert.rejects(drain(other, group, { fromBeginning: true, signal: t.signal }), new RegExp(`consumer group "${group}" has running workers; stop them first, or drop --from-beginning`));
      stop.abort();
      await worker;
    } finally {
      stop.abort();
      await other.close();
      await log.close();
    }
  });

  it('fails, saying so, rather than wait forever when its consumer group is also used for another topic', SERVER_TEST, async (t) => {
    const log = freshLog(3);
    const other = freshLog(3);
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, t.signal]);
    const group = freshGroup('shared');
    const outcome = (running: Promise<void>) => running.then(() => null, (err: Error) => err);
    try {
      await log.append(records(30, 10));
      let started!: () => void;
      const running = new Promise<void>((resolve) => { started = resolve; });
      const first = outcome(log.consume({ group, fromBeginning: false, untilIdle: false, signal, maxBatch: 10, onBatch: async () => started() }));
      await running;
      const second = outcome(other.consume({ group, fromBeginning: false, untilIdle: false, signal, maxBatch: 10, onBatch: async () => {} }));
      // Whichever member the leader handed the other topic's partitions fails; the other is then stopped.
      const failed = await Promise.race([first, second]);
      assert.match(String(failed?.message), new RegExp(`consumer group "${group}" is also used for musicflow\\.test\\.[^ ]+, not only musicflow\\.test\\.[^ ;]+; .*--group / MUSICFLOW_GROUP`));
      stop.abort();
      await Promise.all([first, second]);
    } finally {
      stop.abort();
      await Promise.all([log.close(), other.close()]);
    }
  });

  it('says the broker is unreachable, naming it, when nothing listens there', SERVER_TEST, async () => {
      const log = open(settingsOf('nowhere', 1, ['127.0.0.1:1']));
      try {
        await assert.rejects(log.append(records(1, 1)), (err: Error) => err instanceof BackendUnavailableError && /127\.0\.0\.1:1/.test(err.message));
        const health = await log.health();
        assert.equal(health.ok, false);
      } finally {
        await log.close();
      }
    });
  });
}

describe('the two Kafka clients share one log', { skip, concurrency: false }, () => {
  it('puts a key in the same partition and reads the other client\'s records with their source lines', SERVER_TEST, async (t) => {
    const topic = freshTopic();
    const kafkajs = CLIENTS.kafkajs(settingsOf(topic, 3));
    const platformatic = CLIENTS.platformatic(settingsOf(topic, 3));
    try {
      const all = records(200, 13);
      await kafkajs.append(all.slice(0, 100));
      await platformatic.append(all.slice(100));
      for (const [reader, group] of [[kafkajs, freshGroup('read-by-kafkajs')], [platformatic, freshGroup('read-by-platformatic')]] as const) {
        const read = flat(await drain(reader, group, { maxBatch: 30, signal: t.signal }));
        assert.equal(read.length, 200, group);
        const partitionOf = new Map<string, number>();
        for (const r of read) {
          assert.equal(partitionOf.get(r.key) ?? r.partition, r.partition, `${group}: customer ${r.key} split over partitions`);
          partitionOf.set(r.key, r.partition);
        }
        assert.deepEqual(read.map((r) => r.source!.line).sort((a, b) => a - b), all.map((r) => r.source!.line), group);
        assert.ok(read.every((r) => r.source?.file === '/data/tracks.csv' && r.value.split(',')[0] === String(r.source.line - 1)), group);
      }
    } finally {
      await Promise.all([kafkajs.close(), platformatic.close()]);
    }
  });

  it('lets workers on either client share one consumer group', SERVER_TEST, async (t) => {
    // No timing assumptions: records keep coming until the platformatic worker, started after the kafkajs one was
    // handed a batch, has been handed some and so has the kafkajs worker since (each then holds a part of the
    // partitions, as neither stops before the end); then the workers run until every record is handed out and
    // committed, and are stopped.
    const topic = freshTopic();
    const kafkajs = CLIENTS.kafkajs(settingsOf(topic, 3));
    const platformatic = CLIENTS.platformatic(settingsOf(topic, 3));
    const group = freshGroup('mixed');
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, t.signal]);
    const workers: Array<Promise<void>> = [];
    try {
      const seen = new Map<string, number>(); // partition:offset -> times handed out
      const byClient = { kafkajs: 0, platformatic: 0 };
      let kafkajsSinceJoin = 0;
      let failure: unknown = null;
      const start = (log: EventLog, client: KafkaClient) => {
        const running = log.consume({
          group, fromBeginning: false, untilIdle: false, signal, maxBatch: 20,
          onBatch: async (batch) => {
            byClient[client] += batch.records.length;
            if (client === 'kafkajs' && byClient.platformatic > 0) kafkajsSinceJoin += batch.records.length;
            for (const r of batch.records) seen.set(`${r.partition}:${r.offset}`, (seen.get(`${r.partition}:${r.offset}`) ?? 0) + 1);
          },
        });
        running.catch((err: unknown) => { failure ??= err; });
        workers.push(running);
      };
      const until = async (what: string, done: () => boolean | Promise<boolean>) => {
        while (!(await done())) {
          if (failure) throw failure;
          if (signal.aborted) throw new Error(`stopped waiting until ${what}`);
          await sleep(100);
        }
      };
      let appended = 300;
      await kafkajs.append(records(appended, 50));
      start(kafkajs, 'kafkajs');
      await until('the kafkajs worker is handed a batch', () => byClient.kafkajs > 0);
      start(platformatic, 'platformatic');
      await until('both workers are handed records after the second joined', async () => {
        if (byClient.platformatic > 0 && kafkajsSinceJoin > 0) return true;
        await kafkajs.append(records(60, 50)); // 50 customers: every partition gets some
        appended += 60;
        return false;
      });
      await until('every record is handed out and committed', async () =>
        seen.size === appended && (await kafkajs.lag(group)).every((p) => p.lag === 0));
      stop.abort();
      await Promise.all(workers);
      assert.ok(byClient.kafkajs > 0 && byClient.platformatic > 0, JSON.stringify(byClient));
      const lag = await platformatic.lag(group);
      assert.equal(lag.reduce((sum, p) => sum + p.end, 0), appended);
      assert.ok(lag.every((p) => p.lag === 0), JSON.stringify(lag));
    } finally {
      stop.abort();
      await Promise.allSettled(workers);
      await Promise.all([kafkajs.close(), platformatic.close()]);
    }
  });

  it('reads the dead letters the other client wrote', SERVER_TEST, async () => {
    const topic = freshTopic();
    const kafkajs = CLIENTS.kafkajs(settingsOf(topic, 1));
    const platformatic = CLIENTS.platformatic(settingsOf(topic, 1));
    try {
      const letter = (line: number, stage: DeadLetter['stage']): DeadLetter => ({ source: '/data/tracks.csv', line, reason: `bad line ${line}`, raw: 'x', stage, at: line });
      await kafkajs.appendDeadLetters([letter(3, 'replay')]);
      await platformatic.appendDeadLetters([letter(9, 'stream')]);
      assert.equal((await kafkajs.deadLetterCounts()).total, 2);
      assert.deepEqual(await kafkajs.readDeadLetters(10), [letter(3, 'replay'), letter(9, 'stream')]);
      assert.deepEqual(await platformatic.readDeadLetters(10), [letter(3, 'replay'), letter(9, 'stream')]);
    } finally {
      await Promise.all([kafkajs.close(), platformatic.close()]);
    }
  });
});
