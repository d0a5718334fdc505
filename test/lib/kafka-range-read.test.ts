// Reading ranges of Kafka partitions: what a consumer hands out outside the ranges is passed over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FetchedRecord } from '../../src/lib/adapters/kafka/driver.js';
import { RangeRead } from '../../src/lib/adapters/kafka/range-read.js';

function at(topic: string, partition: number, offset: number): FetchedRecord {
  return { topic, partition, offset, key: '', value: String(offset), headers: new Map() };
}

describe('reading ranges of partitions', () => {
  it('keeps the records inside [from, to), and is done once each range reached its last offset', () => {
    const read = new RangeRead([{ topic: 't', partition: 0, from: 2, to: 4 }, { topic: 'd', partition: 0, from: 0, to: 1 }]);
    assert.equal(read.offer(at('t', 0, 1)), false); // fetched before the seek took effect
    assert.equal(read.offer(at('t', 1, 2)), false); // a partition not asked for
    assert.equal(read.offer(at('t', 0, 2)), false);
    assert.equal(read.offer(at('t', 0, 3)), false);
    assert.equal(read.offer(at('t', 0, 4)), false); // past the end: that range is read already
    assert.equal(read.offer(at('d', 0, 0)), true);
    assert.deepEqual(read.records.map((r) => `${r.topic}${r.offset}`), ['t2', 't3', 'd0']);
  });

  it('counts a range as read when a later record shows its end was passed (compaction took the last offsets)', () => {
    const read = new RangeRead([{ topic: 't', partition: 0, from: 0, to: 3 }]);
    read.offer(at('t', 0, 0));
    assert.equal(read.offer(at('t', 0, 5)), true);
    assert.deepEqual(read.records.map((r) => r.offset), [0]);
  });
});
