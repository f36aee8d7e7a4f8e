import { lookup } from 'node:dns/promises';
import type { LookupAddress, LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { WebhookPolicy } from './webhook-policy';

// Where a webhook must never be sent unless WEBHOOK_ALLOW_PRIVATE: this host, private networks,
// link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254), shared and reserved ranges.
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
// IPv6: unspecified, loopback and IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96),
// NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo (2001::/32), which wrap an
// IPv4 address that may be private, discard, documentation, unique-local, site- and link-local,
// multicast.
for (const [network, prefix] of [
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fec0::', 10],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** Whether an address is one a webhook must not reach (an IPv4-mapped IPv6 one as its IPv4). */
export function isBlockedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A webhook URL that cannot be used, with why (for the field's message or the delivery log). */
export class UnsafeUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

/** The URL's host as an address, when it is one ([::1] → ::1). */
function literalAddress(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) ? bare : undefined;
}

/**
 * Checks a webhook URL as it is set: https (http only with allowHttp), no fragment, and a host
 * that resolves, to public addresses only (any address with allowPrivate). Fails closed: a host
 * that does not resolve is refused too. Returns the URL as it will be called.
 */
export async function vetWebhookUrl(raw: string, policy: WebhookPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('url must be an absolute URL (https://…)');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new UnsafeUrlError(
      policy.allowHttp
        ? 'url must be http or https'
        : 'url must be https (WEBHOOK_ALLOW_HTTP is off)',
    );
  }
  if (url.hash) throw new UnsafeUrlError('url must not have a #fragment');
  await vetHost(url.hostname, policy);
  return url;
}

/** Refuses a host that is, or resolves to, an address the policy does not allow. */
export async function vetHost(hostname: string, policy: WebhookPolicy): Promise<void> {
  const literal = literalAddress(hostname);
  let addresses: string[];
  if (literal) {
    addresses = [literal];
  } else {
    try {
      addresses = (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new UnsafeUrlError(`url's host ${hostname} does not resolve`);
    }
  }
  if (policy.allowPrivate) return;
  // Which address is not said: the answer must not map the service's own network for a client.
  if (addresses.some(isBlockedAddress)) {
    throw new UnsafeUrlError(
      `url's host ${hostname} is or resolves to a loopback, private, link-local or reserved address (WEBHOOK_ALLOW_PRIVATE is off)`,
    );
  }
}

type LookupCallback = (
  error: Error | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * The DNS look-up of a delivery's connection: the addresses are checked again as the connection
 * is made (a name that resolved to a public address when the URL was set may resolve to a
 * private one now), and the connection goes to the address checked, never to another look-up's.
 */
export function vettedLookup(policy: WebhookPolicy) {
  return (
    hostname: string,
    options: LookupOneOptions | { all?: boolean },
    callback: LookupCallback,
  ) => {
    lookup(hostname, { all: true, verbatim: true }).then(
      (found) => {
        const allowed = policy.allowPrivate
          ? found
          : found.filter((entry) => !isBlockedAddress(entry.address));
        if (allowed.length === 0) {
          callback(new UnsafeUrlError(`${hostname} resolves to no public address`), []);
        } else if ((options as { all?: boolean }).all) {
          callback(null, allowed);
        } else {
          callback(null, allowed[0]!.address, allowed[0]!.family);
        }
      },
      (error: Error) => callback(error, []),
    );
  };
}

/** Whether a URL's host is an address literal (which no look-up vets): it is checked itself. */
export function addressOfUrl(url: URL): string | undefined {
  return literalAddress(url.hostname);
}
