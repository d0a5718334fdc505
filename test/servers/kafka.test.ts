// The Kafka event log against a real broker (the test stack: `npm run stack:up`, a Kafka 4.x KRaft node).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { KafkaEventLog } from '../../src/lib/adapters/kafka.js';
import { BackendUnavailableError } from '../../src/lib/errors.js';
import type { ConsumedRecord, LogBatch, LogRecord } from '../../src/lib/ports.js';
import type { DeadLetter } from '../../src/lib/records.js';

const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const skip = brokers ? false : 'MUSICFLOW_KAFKA_BROKERS is unset: start a broker with `npm run stack:up` (npm test does)';

function freshLog(partitions = 3): KafkaEventLog {
  return new KafkaEventLog({
    kafkaBrokers: (brokers ?? '').split(','), topic: `musicflow.test.${randomUUID()}`, partitions, kafkaSasl: null, kafkaTls: false,
  });
}

function records(count: number, customers: number): LogRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: String(i % customers),
    value: `${i},${i % customers},10,"2014-10-20 08:00:00",0,"10001"`,
    source: { file: '/data/tracks.csv', line: i + 1 },
  }));
}

/** Consumes until idle, collecting every batch handed out. */
async function drain(log: KafkaEventLog, group: string, opts: { fromBeginning?: boolean; maxBatch?: number } = {}): Promise<LogBatch[]> {
  const batches: LogBatch[] = [];
  await log.consume({
    group, fromBeginning: opts.fromBeginning ?? false, untilIdle: true, signal: new AbortController().signal,
    maxBatch: opts.maxBatch ?? 1000, onBatch: async (batch) => { batches.push(batch); },
  });
  return batches;
}

const flat = (batches: LogBatch[]): ConsumedRecord[] => batches.flatMap((b) => b.records);

describe('Kafka event log', { skip, concurrency: false }, () => {
  it('creates the topic with the configured partitions and a dead-letter topic', async () => {
    const log = freshLog(3);
    try {
      await log.append(records(1, 1));
      const health = await log.health();
      assert.equal(health.ok, true, health.detail);
      assert.equal(health.facts?.partitions, 3);
      assert.equal(await log.deadLetterCount(), 0);
    } finally {
      await log.close();
    }
  });

  it('keeps each customer in one partition, in order, with its source line, and commits what was handed out', async () => {
    const log = freshLog(3);
    try {
      await log.append(records(300, 7));
      const batches = await drain(log, 'g1', { maxBatch: 40 });
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
      const lag = await log.lag('g1');
      assert.equal(lag.length, 3);
      assert.equal(lag.reduce((s, p) => s + p.end, 0), 300);
      assert.ok(lag.every((p) => p.lag === 0 && p.committed === p.end));
      assert.equal(flat(await drain(log, 'g1')).length, 0, 'a committed group reads nothing again');
      assert.equal(flat(await drain(log, 'g1', { fromBeginning: true })).length, 300, '--from-beginning reads everything again');
    } finally {
      await log.close();
    }
  });

  it('commits nothing for a batch whose processing failed', async () => {
    const log = freshLog(1);
    try {
      await log.append(records(10, 1));
      let calls = 0;
      await assert.rejects(log.consume({
        group: 'g2', fromBeginning: false, untilIdle: true, signal: new AbortController().signal, maxBatch: 4,
        onBatch: async () => {
          calls += 1;
          if (calls === 2) throw new Error('sink exploded');
        },
      }), /sink exploded/);
      const [p] = await log.lag('g2');
      assert.equal(p.committed, 4, 'only the first batch of 4 is committed');
      assert.equal(p.lag, 6);
      const rest = flat(await drain(log, 'g2'));
      assert.deepEqual(rest.map((r) => r.offset), [4, 5, 6, 7, 8, 9]);
    } finally {
      await log.close();
    }
  });

  it('stops on the abort signal after committing the batch in hand', async () => {
    const log = freshLog(1);
    try {
      await log.append(records(20, 1));
      const stop = new AbortController();
      const seen: number[] = [];
      await log.consume({
        group: 'g3', fromBeginning: false, untilIdle: false, signal: stop.signal, maxBatch: 5,
        onBatch: async (batch) => {
          seen.push(...batch.records.map((r) => r.offset));
          stop.abort();
        },
      });
      assert.deepEqual(seen, [0, 1, 2, 3, 4]);
      const [p] = await log.lag('g3');
      assert.equal(p.committed, 5);
    } finally {
      await log.close();
    }
  });

  it('keeps dead letters as JSON in <topic>.deadletters, oldest first', async () => {
    const log = freshLog(1);
    try {
      const letters: DeadLetter[] = [4, 8].map((line) => ({
        source: '/data/tracks.csv', line, reason: `bad line ${line}`, raw: 'x,y', stage: 'replay', at: 1_000 + line,
      }));
      await log.appendDeadLetters(letters);
      assert.equal(await log.deadLetterCount(), 2);
      assert.deepEqual(await log.readDeadLetters(10), letters);
      assert.deepEqual(await log.readDeadLetters(1), letters.slice(0, 1));
      assert.equal(log.deadLetterTopic, `${log.name}.deadletters`);
    } finally {
      await log.close();
    }
  });

  it('says the broker is unreachable, naming it, when nothing listens there', async () => {
    const log = new KafkaEventLog({ kafkaBrokers: ['127.0.0.1:1'], topic: 'nowhere', partitions: 1, kafkaSasl: null, kafkaTls: false });
    try {
      await assert.rejects(log.append(records(1, 1)), (err: Error) => err instanceof BackendUnavailableError && /127\.0\.0\.1:1/.test(err.message));
      const health = await log.health();
      assert.equal(health.ok, false);
    } finally {
      await log.close();
    }
  });
});
