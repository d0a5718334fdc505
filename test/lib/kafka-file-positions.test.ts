// How a file's position on Kafka survives a crash at each point of a step, on topics kept in memory.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FetchedRecord, KafkaMessage } from '../../src/lib/adapters/kafka/driver.js';
import { KafkaFilePositions, type KafkaRecordIo } from '../../src/lib/adapters/kafka/file-positions.js';
import type { FileStep } from '../../src/lib/ports.js';

const TOPIC = 'plays';
const PARTITIONS = 3;

/** Topics in memory; after `landing` more messages, sends stop there (the process died). */
class MemoryTopics implements KafkaRecordIo {
  readonly logs = new Map<string, FetchedRecord[][]>();
  landing = Number.POSITIVE_INFINITY;

  async offsets(topics: string[]) {
    return topics.flatMap((topic) => this.partitions(topic).map((records, partition) => ({ topic, partition, low: 0, high: records.length })));
  }

  async send(messages: KafkaMessage[]): Promise<void> {
    for (const m of messages) {
      if (this.landing <= 0) throw new Error('killed');
      this.landing -= 1;
      const partitions = this.partitions(m.topic);
      const partition = m.topic === TOPIC ? Number(m.key) % PARTITIONS : 0;
      partitions[partition].push({ topic: m.topic, partition, offset: partitions[partition].length, key: m.key, value: m.value, headers: new Map(Object.entries(m.headers ?? {})) });
    }
  }

  async read(ranges: Array<{ topic: string; partition: number; from: number; to: number }>) {
    return ranges.flatMap((r) => this.partitions(r.topic)[r.partition].slice(r.from, r.to));
  }

  private partitions(topic: string): FetchedRecord[][] {
    let partitions = this.logs.get(topic);
    if (!partitions) this.logs.set(topic, (partitions = Array.from({ length: topic === TOPIC ? PARTITIONS : 1 }, () => [])));
    return partitions;
  }
}

/** Lines `from + 1` to `to` of file `f`, one record each, keyed by line. */
function step(from: number, to: number): FileStep {
  const lines = Array.from({ length: to - from }, (_, i) => from + 1 + i);
  return {
    fileId: 'f', from: { line: from, byte: from * 10 }, to: { line: to, byte: to * 10 }, deadLetters: [],
    records: lines.map((line) => ({ key: String(line), value: `play ${line}`, source: { file: '/data/f.csv', line } })),
  };
}

describe('file positions on Kafka', () => {
  it('a crash in the middle of the first step: the lines that landed are found', async () => {
    const topics = new MemoryTopics();
    topics.landing = 1 + 4; // the checkpoint before the first step, and 4 of its records
    await assert.rejects(new KafkaFilePositions(topics, TOPIC).append(step(0, 10)), /killed/);
    const progress = await new KafkaFilePositions(topics, TOPIC).progress('f');
    assert.deepEqual(progress?.position, { line: 0, byte: 0 });
    assert.deepEqual([...(progress?.alsoSent ?? [])].sort((a, b) => a - b), [1, 2, 3, 4]);
  });

  it('a crash after a later step landed but before its position: its lines are found', async () => {
    const topics = new MemoryTopics();
    const positions = new KafkaFilePositions(topics, TOPIC);
    await positions.append(step(0, 10));
    topics.landing = 10; // the step's records land; its checkpoint does not
    await assert.rejects(positions.append(step(10, 20)), /killed/);
    const progress = await new KafkaFilePositions(topics, TOPIC).progress('f');
    assert.deepEqual(progress?.position, { line: 10, byte: 100 });
    assert.deepEqual([...(progress?.alsoSent ?? [])].sort((a, b) => a - b), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('a clean run: the position is where it stopped, nothing after it', async () => {
    const topics = new MemoryTopics();
    const positions = new KafkaFilePositions(topics, TOPIC);
    await positions.append(step(0, 10));
    await positions.append(step(10, 15));
    assert.deepEqual(await new KafkaFilePositions(topics, TOPIC).progress('f'), { position: { line: 15, byte: 150 }, alsoSent: new Set() });
    assert.equal(await new KafkaFilePositions(topics, TOPIC).progress('another file'), null);
  });
});
