// The Kafka consume loop (event-log.ts) over a scripted driver: a batch's offset is committed only after onBatch
// resolved, and not at all once a rebalance began while it was handed out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Fetched, GroupMember, JoinOptions, KafkaDriver } from '../../src/lib/adapters/kafka/driver.js';
import { KafkaEventLog } from '../../src/lib/adapters/kafka/event-log.js';
import { topicsOf, type KafkaSettings } from '../../src/lib/adapters/kafka/log-layout.js';
import type { ConsumedRecord, LogBatch } from '../../src/lib/ports.js';

const settings: KafkaSettings = { kafkaBrokers: ['127.0.0.1:9'], topic: 'plays', partitions: 1, kafkaSasl: null, kafkaTls: false, kafkaCa: '' };

function records(...offsets: number[]): ConsumedRecord[] {
  return offsets.map((offset) => ({ key: 'k', value: `v${offset}`, partition: 0, offset, appendedAt: 0 }));
}

/** A member that hands out `fetches` in generation 1, then ends; `generation` moves when a test says so. */
class ScriptedMember implements GroupMember {
  generation = 1;
  readonly commits: number[] = [];
  constructor(private readonly fetches: ConsumedRecord[][]) {}
  async next(): Promise<Fetched | null> {
    const records = this.fetches.shift();
    return records ? { generation: 1, assigned: new Set([0]), records } : null;
  }
  holds(generation: number): boolean {
    return generation === this.generation;
  }
  async commit(last: ConsumedRecord): Promise<void> {
    this.commits.push(last.offset + 1);
  }
  async rewind(): Promise<void> {}
  async close(): Promise<void> {}
}

function logOver(member: ScriptedMember): KafkaEventLog {
  const driver = {
    client: 'scripted',
    errors: { unreachable: () => false, credentialsRefused: () => false, describe: (e: Error) => e.message },
    listTopics: async () => topicsOf(settings).map((t) => t.topic),
    offsets: async () => [{ partition: 0, low: 0, high: 100 }],
    committedOffsets: async () => new Map<number, number>(),
    join: async (_options: JoinOptions) => member,
    close: async () => {},
  } as Partial<KafkaDriver> as KafkaDriver;
  return new KafkaEventLog(settings, driver);
}

async function consume(log: KafkaEventLog, onBatch: (batch: LogBatch) => Promise<void>): Promise<void> {
  await log.consume({ group: 'g', fromBeginning: false, untilIdle: false, signal: new AbortController().signal, maxBatch: 2, onBatch });
}

describe('the Kafka consume loop', () => {
  it('commits each batch after its onBatch resolved, never before', async () => {
    const member = new ScriptedMember([records(0, 1, 2), records(3)]);
    const committedAtStart: number[][] = [];
    await consume(logOver(member), async () => { committedAtStart.push([...member.commits]); });
    assert.deepEqual(committedAtStart, [[], [2], [2, 3]]);
    assert.deepEqual(member.commits, [2, 3, 4]);
  });

  it('commits nothing for a batch during which a rebalance began, and hands out no more of that fetch', async () => {
    const member = new ScriptedMember([records(0, 1, 2, 3)]);
    const handed: number[][] = [];
    await consume(logOver(member), async (batch) => {
      handed.push(batch.records.map((r) => r.offset));
      member.generation = 2; // the group rebalanced while the sinks worked
    });
    assert.deepEqual(handed, [[0, 1]]);
    assert.deepEqual(member.commits, []);
  });
});
