/**
 * Reading the tiny test guest's serial console (see guest-image/README.md for
 * the line format this parses; that README is the contract).
 *
 *   const facts = parseGuestFacts(consoleText);
 *   assert.equal(facts.metaData?.uuid, serverId);
 *
 *   await waitForConsoleLine(() => readFile(log, 'utf8'), 'tiny-guest ready', 60_000);
 *
 * Convention in GuestFacts: `undefined` = the guest has not printed that fact
 * (yet); `null` = it printed the "none" form (e.g. `config-drive none`).
 */

export interface GuestAddress {
  address: string;
  prefix: number;
  /** default router, or null when the guest printed `router none` */
  router: string | null;
  mac: string;
  /** how the address was configured: a DHCP lease or network_data.json */
  source: 'dhcp' | 'static';
}

export interface GuestNetworkData {
  /** the network's "id" in network_data.json, e.g. network0 */
  id: string;
  /** e.g. ipv4, ipv4_dhcp, ipv6 */
  type: string;
  /** MAC address of the network's link, or null */
  mac: string | null;
  /** ADDRESS/PREFIX, or null (e.g. for ipv4_dhcp) */
  address: string | null;
  gateway: string | null;
}

export interface GuestUserData {
  /** the first line of user_data */
  firstLine: string;
  /** lines the user-data script printed (stdout and stderr), in order; [] if not a script */
  output: string[];
  /** exit code of the script; undefined when user_data is not a script (or it is still running) */
  exitCode?: number;
}

export interface GuestFacts {
  /** number of `tiny-guest boot` lines in the text (2 after a reboot); the other fields describe the last boot */
  boots: number;
  kernel?: string;
  /** guest uptime (s) when the boot script started */
  bootUptime?: number;
  configDrive?: { device: string; filesystem: string } | null;
  /** uuid/hostname/name from meta_data.json; null for `meta-data none` */
  metaData?: { uuid: string; hostname: string; name?: string } | null;
  /** names of the public keys, in the order printed */
  publicKeys: string[];
  /** the server's `meta` key/value pairs */
  meta: Record<string, string>;
  /** entries of network_data.json; null for `network-data none` */
  networkData?: GuestNetworkData[] | null;
  /** by interface name; null for `ip IFACE none`. The last line per interface wins (renewals). */
  addresses: Record<string, GuestAddress | null>;
  /** true when the guest printed `ip none` (no ethernet interface) */
  noNetworkInterface: boolean;
  /** null for `user-data none` */
  userData?: GuestUserData | null;
  /** guest uptime (s) at the `tiny-guest up` line */
  upSeconds?: number;
  /** the `tiny-guest ready` line was printed */
  ready: boolean;
  /** the guest's power-button handler ran */
  powerButton: boolean;
  /** the kernel printed `reboot: Power down` */
  poweredDown: boolean;
  /** the guest's own (non-kernel) console lines of the last boot, cleaned */
  lines: string[];
}

const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;
const KERNEL_LINE = /^\[\s*\d+\.\d+\]/;

/** Splits console text into lines without CR and terminal escape sequences. */
export function consoleLines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r/g, '').replace(ESCAPES, ''));
}

/** Parses everything the guest printed about its last boot. Never throws. */
export function parseGuestFacts(consoleText: string): GuestFacts {
  const all = consoleLines(consoleText);
  let start = 0;
  let boots = 0;
  all.forEach((l, i) => {
    if (l.startsWith('tiny-guest boot ')) {
      boots++;
      start = i;
    }
  });
  const facts: GuestFacts = {
    boots,
    publicKeys: [],
    meta: {},
    addresses: {},
    noNetworkInterface: false,
    ready: false,
    powerButton: false,
    poweredDown: false,
    lines: [],
  };
  if (boots === 0) return facts;

  for (const raw of all.slice(start)) {
    // kernel lines: never facts, except the final power-off
    if (KERNEL_LINE.test(raw)) {
      if (/\breboot: Power down\b/.test(raw)) facts.poweredDown = true;
      continue;
    }
    if (raw.includes('tiny-guest acpi power button: powering off')) facts.powerButton = true;
    const line = raw;
    if (line.trim() === '') continue;
    facts.lines.push(line);
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^tiny-guest boot kernel=(\S+) uptime=([\d.]+)$/))) {
      facts.kernel = m[1];
      facts.bootUptime = Number(m[2]);
    } else if (line === 'config-drive none') {
      facts.configDrive = null;
    } else if ((m = line.match(/^config-drive (\S+) (\S+)$/))) {
      facts.configDrive = { device: m[1], filesystem: m[2] };
    } else if (line === 'meta-data none') {
      facts.metaData = null;
    } else if ((m = line.match(/^meta-data uuid=(\S*) hostname=(.*)$/))) {
      facts.metaData = { uuid: m[1], hostname: m[2] };
    } else if ((m = line.match(/^meta-data name=(.*)$/))) {
      if (facts.metaData) facts.metaData.name = m[1];
      else facts.metaData = { uuid: '', hostname: '', name: m[1] };
    } else if ((m = line.match(/^public-key (.+)$/))) {
      facts.publicKeys.push(m[1]);
    } else if ((m = line.match(/^meta ([^=]*)=(.*)$/))) {
      facts.meta[m[1]] = m[2];
    } else if (line === 'network-data none') {
      facts.networkData = null;
    } else if ((m = line.match(/^network-data (\S+) type=(\S+) mac=(\S+) address=(\S+) gateway=(\S+)$/))) {
      const none = (v: string) => (v === 'none' ? null : v);
      (facts.networkData ??= []).push({
        id: m[1],
        type: m[2],
        mac: none(m[3]),
        address: none(m[4]),
        gateway: none(m[5]),
      });
    } else if (line === 'ip none') {
      facts.noNetworkInterface = true;
    } else if ((m = line.match(/^ip (\S+) none$/))) {
      facts.addresses[m[1]] = null;
    } else if (
      (m = line.match(/^ip (\S+) (\S+) prefix (\d+) router (\S+) mac (\S+) source (dhcp|static)$/))
    ) {
      facts.addresses[m[1]] = {
        address: m[2],
        prefix: Number(m[3]),
        router: m[4] === 'none' ? null : m[4],
        mac: m[5],
        source: m[6] as 'dhcp' | 'static',
      };
    } else if (line === 'user-data none') {
      facts.userData = null;
    } else if ((m = line.match(/^user-data: (.*)$/))) {
      facts.userData = { firstLine: m[1], output: [] };
    } else if ((m = line.match(/^user-data-output: (.*)$/))) {
      facts.userData?.output.push(m[1]);
    } else if ((m = line.match(/^user-data exit=(\d+)$/))) {
      if (facts.userData) facts.userData.exitCode = Number(m[1]);
    } else if ((m = line.match(/^tiny-guest up ([\d.]+)s$/))) {
      facts.upSeconds = Number(m[1]);
    } else if (line === 'tiny-guest ready') {
      facts.ready = true;
    }
  }
  return facts;
}

export interface ConsoleLineMatch {
  /** the matching console line (cleaned, see consoleLines) */
  line: string;
  /** the RegExp match, when pattern is a RegExp */
  match: RegExpMatchArray | null;
  /** the whole console text read at that moment */
  text: string;
}

export interface WaitOptions {
  /** poll interval, ms (default 250) */
  intervalMs?: number;
  /** only consider text after this character offset (e.g. the length before a reboot) */
  since?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls readText() until a console line matches pattern (a substring, or a
 * RegExp tested against each cleaned line), for at most deadlineMs
 * milliseconds from the call. Errors of readText (e.g. the log file does not
 * exist yet) count as "nothing yet". Throws on timeout, with the end of the
 * console text in the message.
 */
export async function waitForConsoleLine(
  readText: () => Promise<string>,
  pattern: string | RegExp,
  deadlineMs: number,
  options: WaitOptions = {},
): Promise<ConsoleLineMatch> {
  const interval = options.intervalMs ?? 250;
  const end = Date.now() + deadlineMs;
  let text = '';
  let lastError: unknown;
  for (;;) {
    try {
      text = await readText();
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const lines = consoleLines(text.slice(options.since ?? 0));
    for (const line of lines) {
      if (typeof pattern === 'string') {
        if (line.includes(pattern)) return { line, match: null, text };
      } else {
        const match = line.match(pattern);
        if (match) return { line, match, text };
      }
    }
    const left = end - Date.now();
    if (left <= 0) {
      const tail = consoleLines(text).slice(-15).join('\n');
      const why = lastError instanceof Error ? ` (last read error: ${lastError.message})` : '';
      throw new Error(
        `console line ${String(pattern)} not seen within ${deadlineMs} ms${why}; console ends with:\n${tail}`,
      );
    }
    await sleep(Math.min(interval, left));
  }
}
