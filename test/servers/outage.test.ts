// `stream` while Redis is down: it pauses, retries, and once Redis is back ends with the counts of an
// undisturbed run. Uses a redis-server of its own (so stopping it disturbs nobody) and the stack's Kafka.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { seedFiles } from '../../src/lib/app/seed.js';
import { sleep } from '../../src/lib/sleep.js';
import { streamLog } from '../../src/lib/app/stream.js';
import { smallFixture, tempDir } from '../support/fixtures.js';
import { SERVER_TEST } from '../support/timeouts.js';

const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const skip = !brokers ? 'MUSICFLOW_KAFKA_BROKERS is unset: start the stack with `npm run stack:up` (npm test does)'
  : !hasRedisServer ? 'redis-server is not installed (apt-get install redis-server)' : false;
const never = new AbortController().signal;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A redis-server keeping an append-only file in `dir`, so a restart finds what was written. */
function startRedis(port: number, dir: string): void {
  const started = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--daemonize', 'yes', '--pidfile', `${dir}/redis.pid`, '--logfile', `${dir}/redis.log`]);
  assert.equal(started.status, 0, String(started.stderr));
  for (let i = 0; i < 50 && spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() !== 'PONG'; i++) {
    spawnSync('sleep', ['0.1']);
  }
}

const stopRedis = (port: number) => spawnSync('redis-cli', ['-p', String(port), 'shutdown']);

describe('stream while Redis is down', { skip }, () => {
  it('pauses, says so, and ends with the counts of an undisturbed run once Redis is back', SERVER_TEST, async () => {
    const fx = smallFixture();
    const port = await freePort();
    const dir = tempDir('musicflow-redis-outage-');
    startRedis(port, dir);
    const config = resolveConfig(
      { dataDir: tempDir('musicflow-outage-'), kafka: brokers, redis: `redis://127.0.0.1:${port}`, topic: `musicflow.test.${randomUUID()}` },
      { MUSICFLOW_REDIS_PREFIX: 'outage:' },
    );
    const b = await openBackends(config);
    try {
      await seedFiles(b, { customers: fx.customers, music: fx.music });
      await replayFile(b.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
      stopRedis(port);
      const pauses: string[] = [];
      const run = streamLog(b, { group: `outage-${randomUUID()}`, fromBeginning: false, untilIdle: true, maxBatch: 4, signal: never }, (event) => {
        if (event.kind === 'paused') pauses.push(event.problem);
      });
      for (let waited = 0; !pauses.some((p) => /unreachable/.test(p)); waited += 100) {
        assert.ok(waited < 60_000, `stream never said it paused; pauses: ${pauses.join(' | ')}`);
        await sleep(100);
      }
      startRedis(port, dir);
      const report = await run;
      assert.equal(report.events_processed, fx.goodEvents.length);
      assert.equal(report.interests, fx.expectedInterests.length);
      assert.equal(report.lag, 0);
      assert.deepEqual((await b.store.interestsOf(1)).map((i) => [i.customerId, i.trackId]), fx.expectedInterests);
      assert.equal((await b.store.counts()).eventsProcessed, fx.goodEvents.length, 'nothing counted twice');
      assert.equal((await b.index.totals({})).plays, fx.goodEvents.length);
    } finally {
      await b.close();
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
    }
  });
});
