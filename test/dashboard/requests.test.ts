// Hostile requests to the dashboard: Host headers from DNS rebinding, malformed paths and parameters.
// Every one gets a 4xx naming the problem, never a 5xx and never data it should not give.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Backends } from '../../src/lib/app/backends.js';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { startDashboard, type RunningDashboard } from '../../src/lib/dashboard/server.js';
import { hostAllowed } from '../../src/lib/http/host.js';
import { tempDir } from '../support/fixtures.js';
import { showServerError } from './setup.js';

/** A GET with a Host header of our choosing (fetch would not send one that differs from the URL). */
function getWithHost(base: string, path: string, host: string): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path, headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
}

describe('dashboard requests', { concurrency: false }, () => {
  let backends: Backends;
  let dashboard: RunningDashboard;
  before(async () => {
    backends = await openBackends(resolveConfig({ dataDir: tempDir('musicflow-requests-') }, {}));
    await backends.store.upsertCustomers([{
      id: 48, name: 'Forty Eight', gender: 'female', address: '1 Elm St', zip: '94103', signDate: '2013-05-05',
      active: true, level: 0, campaign: 0, linkedWithApps: false, age: 31, ageSource: 'file',
    }]);
    dashboard = await startDashboard(backends, { port: 0, host: '127.0.0.1', onError: showServerError });
  });
  after(async () => {
    await dashboard?.close();
    await backends?.close();
  });

  it('answers loopback literals and localhost, and refuses names that only start like them (DNS rebinding)', async () => {
    const port = new URL(dashboard.url).port;
    for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`, '127.0.0.2']) {
      assert.equal(await getWithHost(dashboard.url, '/api/customers/48', host), 200, host);
    }
    for (const host of ['127.0.0.1.attacker.example', `127.evil.com:${port}`, '127.evil.com', 'attacker.example', 'localhost.attacker.example',
      '127.0.0.1.', '[::1].evil']) {
      assert.equal(await getWithHost(dashboard.url, '/api/customers/48', host), 421, JSON.stringify(host));
    }
  });

  it('accepts the host it was asked to serve on, and any address literal (never a name) when serving on every address', () => {
    assert.ok(hostAllowed('musicbox.lan:8080', 'musicbox.lan'));
    assert.ok(hostAllowed('192.168.1.20:8080', '192.168.1.20'));
    assert.ok(!hostAllowed('192.168.1.21:8080', '192.168.1.20'));
    assert.ok(!hostAllowed('evil.example', 'musicbox.lan'));
    assert.ok(hostAllowed('10.1.2.3:8080', '0.0.0.0'));
    assert.ok(hostAllowed('[fe80::1]:8080', '::'));
    assert.ok(!hostAllowed('rebound.example:8080', '0.0.0.0'));
    assert.ok(!hostAllowed('10.1.2.3.evil.example', '0.0.0.0'));
  });

  it('refuses malformed ids and parameters with 400 naming them, never 5xx', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/customers/%E0%A4%A', /customer id: malformed percent-encoding/],
      ['/api/customers/0x30', /customer id/],
      ['/api/customers/1e1', /customer id/],
      ['/api/customers/%20', /customer id/],
      ['/api/customers/-1', /customer id/],
      ['/api/customers/99999999999999999999', /customer id/],
      ['/api/states/%E0%A4%A/customers', /state: malformed/],
      ['/api/overview?level=%20', /level/],
      ['/api/overview?level=1.0', /level/],
      ['/api/overview?range=toString', /range/],
      ['/api/overview?range=__proto__', /range/],
      ['/api/overview?from=0x10', /from/],
      ['/api/overview?to=1e12', /to/],
      ['/api/breakdown/track?limit=0x10', /limit/],
      ['/api/breakdown/track?limit=%201', /limit/],
      ['/api/interests?limit=1.5', /limit/],
    ];
    for (const [path, reason] of cases) {
      const res = await fetch(new URL(path, dashboard.url));
      assert.equal(res.status, 400, path);
      assert.match(((await res.json()) as { error: string }).error, reason, path);
    }
  });

  it('still reads well-formed ids and parameters', async () => {
    const res = await fetch(new URL('/api/customers/48', dashboard.url));
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { customerId: number }).customerId, 48);
    for (const path of ['/api/overview?level=0', '/api/overview?level=gold', '/api/overview?from=1000&to=2000', '/api/interests?limit=100']) {
      assert.equal((await fetch(new URL(path, dashboard.url))).status, 200, path);
    }
  });
});
