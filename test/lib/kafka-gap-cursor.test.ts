// Which fetched records the Kafka consume loop hands out: each partition's contiguous and once, whatever a stale
// or repeated fetch delivers, and past a gap only once it has proved real.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GapRecoveryCursor, REAL_GAP_REPEATS } from '../../src/lib/adapters/kafka/gap-cursor.js';
import type { ConsumedRecord, LogBatch } from '../../src/lib/ports.js';

function fetched(partition: number, ...offsets: number[]): ConsumedRecord[] {
  return offsets.map((offset) => ({ key: String(offset), value: `v${offset}`, partition, offset, appendedAt: 0 }));
}

function offsetsOf(batches: LogBatch[]): Array<[number, number[]]> {
  return batches.map((b) => [b.partition, b.records.map((r) => r.offset)]);
}

const BOTH = new Set([0, 1]);

/** A cursor in generation 1 that reads partition 0 from `p0` and partition 1 from `p1`. */
function started(p0 = 0, p1 = 0): GapRecoveryCursor {
  const cursor = new GapRecoveryCursor();
  cursor.start(1, new Map([[0, p0], [1, p1]]));
  return cursor;
}

describe('the gap-recovery cursor', () => {
  it('hands out contiguous records a partition at a time, in pieces of at most the batch size', () => {
    const pass = started().pass([...fetched(0, 0, 1, 2), ...fetched(1, 0, 1)], BOTH, 2);
    assert.deepEqual(offsetsOf(pass.batches), [[0, [0, 1]], [0, [2]], [1, [0, 1]]]);
    assert.equal(pass.rewinds.size, 0);
  });

  it('stops a partition at a gap and asks for it again from the offset due, keeping what came before', () => {
    const pass = started().pass([...fetched(0, 0, 1, 3, 4), ...fetched(1, 0)], BOTH, 10);
    assert.deepEqual(offsetsOf(pass.batches), [[0, [0, 1]], [1, [0]]]);
    assert.deepEqual([...pass.rewinds], [[0, 2]]);
  });

  it('hands out nothing of a partition whose fetch starts past its committed offset (a stale fetch)', () => {
    const pass = started(5).pass(fetched(0, 8, 9), BOTH, 10);
    assert.deepEqual(pass.batches, []);
    assert.deepEqual([...pass.rewinds], [[0, 5]]);
  });

  it(`takes a gap as real once the same one came ${REAL_GAP_REPEATS} times (compaction, transaction markers)`, () => {
    const cursor = started();
    for (let time = 1; time < REAL_GAP_REPEATS; time += 1) {
      const pass = cursor.pass(fetched(0, 2, 3), BOTH, 10);
      assert.deepEqual(pass.batches, [], `time ${time}`);
      assert.deepEqual([...pass.rewinds], [[0, 0]]);
    }
    const pass = cursor.pass(fetched(0, 2, 3), BOTH, 10);
    assert.deepEqual(offsetsOf(pass.batches), [[0, [2, 3]]]);
    assert.equal(pass.rewinds.size, 0);
  });

  it('counts a gap again from one when something else came in between', () => {
    const cursor = started();
    cursor.pass(fetched(0, 2), BOTH, 10);
    cursor.pass(fetched(0, 2), BOTH, 10);
    cursor.pass(fetched(0, 4), BOTH, 10); // another gap: the count starts over
    const pass = cursor.pass(fetched(0, 2), BOTH, 10);
    assert.deepEqual(pass.batches, []);
    assert.deepEqual([...pass.rewinds], [[0, 0]]);
  });

  it('drops records already handed out (a redelivery), and continues after the last batch handed out', () => {
    const cursor = started();
    const first = cursor.pass(fetched(0, 0, 1, 2), BOTH, 10);
    for (const batch of first.batches) cursor.handedOut(batch);
    const again = cursor.pass(fetched(0, 1, 2, 3, 4), BOTH, 10);
    assert.deepEqual(offsetsOf(again.batches), [[0, [3, 4]]]);
    assert.equal(again.rewinds.size, 0);
  });

  it('offers again what was fetched but not handed out (a batch cut short by a stop or rebalance)', () => {
    const cursor = started();
    cursor.pass(fetched(0, 0, 1), BOTH, 10); // nothing handed out
    assert.deepEqual(offsetsOf(cursor.pass(fetched(0, 0, 1), BOTH, 10).batches), [[0, [0, 1]]]);
  });

  it('drops records of partitions not assigned to this member (any more), or without a known position', () => {
    const cursor = new GapRecoveryCursor();
    cursor.start(1, new Map([[0, 0], [1, 0]]));
    const pass = cursor.pass([...fetched(0, 0), ...fetched(1, 0), ...fetched(2, 0)], new Set([0, 2]), 10);
    assert.deepEqual(offsetsOf(pass.batches), [[0, [0]]]);
  });

  it('follows one generation at a time; a new one reads from its own positions and forgets counted gaps', () => {
    const cursor = started();
    assert.equal(cursor.follows(1), true);
    assert.equal(cursor.follows(2), false);
    cursor.pass(fetched(0, 2), BOTH, 10);
    cursor.pass(fetched(0, 2), BOTH, 10);
    cursor.start(2, new Map([[0, 0], [1, 0]]));
    assert.deepEqual(cursor.pass(fetched(0, 2), BOTH, 10).batches, []); // counted once, not a third time
    cursor.start(3, new Map([[0, 7]]));
    assert.deepEqual(offsetsOf(cursor.pass(fetched(0, 6, 7), new Set([0]), 10).batches), [[0, [7]]]);
  });
});
