// Which Host headers a musicflow server answers: the defence against DNS rebinding shared by the dashboard
// and the offer API.
import { isIP, isIPv4 } from 'node:net';

/** The host of a Host header or --host value: lower case, without port or IPv6 brackets. */
function bareHost(value: string): string {
  const host = value.trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1];
  return isIP(host) === 6 ? host : host.replace(/:\d+$/, '');
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/**
 * Which Host headers this server answers. A web page can point any DNS name at this machine (DNS rebinding)
 * and then read the answers, so names are accepted only if they are `localhost` or the one the user chose
 * to serve on; an address literal cannot be rebound, so loopback addresses are accepted, the served address,
 * and, when serving on every address (0.0.0.0, ::), any address literal.
 */
export function hostAllowed(hostHeader: string, servedHost: string): boolean {
  const host = bareHost(hostHeader);
  const served = bareHost(servedHost);
  if (host === '') return false;
  if (isLoopback(host) || host === served) return true;
  return isWildcard(served) && isIP(host) !== 0;
}
