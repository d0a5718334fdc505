// Starting a musicflow HTTP server (the port and host errors a user can fix, said as flags; the URL to print)
// and answering on it.
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';

/** Listens on host:port (0 picks a free port) and resolves the server's URL, ending in '/'. */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new UsageError(`--port ${port}: already in use on ${host}; pick another port with --port`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new UsageError(`--host ${host}: not an address of this machine`));
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${(server.address() as AddressInfo).port}/`;
}

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': cache });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: object): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}
