/**
 * What a lab is started with: the command line's flags (cli.ts) or a test's overrides, over
 * the defaults of a learner's own machine.
 */
import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Requester } from '../bridge/bridge.js';
import type { BridgeLimits } from '../bridge/terminalLimits.js';
import type { ClusterConfig } from '../cluster/node.js';
import type { LabLimits } from '../limits.js';
import { consoleLogger, type Logger } from '../log.js';
import type { MailWorldOptions } from '../mta/mailWorld.js';
import { DEFAULT_QUOTA, type QuotaLimits } from '../quota/usage.js';
import type { ServiceId } from '../services.js';
import type { LabMode } from '../world/access.js';

export interface LabConfig {
  dataDir: string;
  host: string;
  httpPort: number;
  portOffset: number;
  /** Per-service port overrides (dns: the lab DNS, UDP and TCP); 0 picks any free port (tests). */
  ports: Partial<Record<ServiceId | 'http' | 'dns', number>>;
  tlsCert?: string;
  tlsKey?: string;
  maxMessageSize: number;
  /** Every sandbox's disk quota: Maildirs, queues, transcripts and logs. */
  quota: QuotaLimits;
  requireTlsAuth: boolean;
  siteDir: string;
  log: Logger;
  /** Browser-terminal limits (tests lower them). */
  bridgeLimits?: Partial<BridgeLimits>;
  /** Decides whose sandbox a terminal opens in; single-learner mode uses the default sandbox. */
  terminalRequester?: (req: IncomingMessage) => Promise<Requester | undefined>;
  /** single: one learner at home, loopback only; classroom: logins, one sandbox per learner. */
  mode: LabMode;
  /** The URL learners open (join links); defaults to http://<host>:<http port>/. */
  publicUrl?: string;
  /** A postgres:// URL: the shared database several nodes use. Without it, SQLite in the data dir. */
  database?: string;
  /** Set when this lab is one node of several sharing `database` (classroom mode only). */
  cluster?: ClusterConfig;
  /** The mail queue's clock and retry timing (tests shorten them). */
  world?: Partial<MailWorldOptions>;
  /** Lets a scraper from another machine read /metrics in classroom mode (Authorization: Bearer). */
  metricsToken?: string;
  /**
   * Reverse proxies (IP addresses and CIDR ranges) whose X-Forwarded-For names the web client;
   * without them every request is taken to come from its TCP peer.
   */
  trustProxy?: string[];
  /** Connection caps, timeouts and login throttling (tests and the benchmark lower them). */
  limits?: Partial<LabLimits>;
  /**
   * Runs the IMAP and POP3 servers' busiest paths once before the lab is ready (lab/warmUp.ts):
   * on for `maillab serve`, off for the labs tests start in their own process.
   */
  warmUp?: boolean;
}

export const DEFAULT_SITE_DIR = fileURLToPath(new URL('../../../dist/', import.meta.url));

export function defaultConfig(overrides: Partial<LabConfig> = {}): LabConfig {
  return {
    dataDir: './data',
    host: '127.0.0.1',
    httpPort: 8080,
    portOffset: 2000,
    ports: {},
    maxMessageSize: 10 * 1024 * 1024,
    quota: DEFAULT_QUOTA,
    requireTlsAuth: false,
    mode: 'single',
    siteDir: DEFAULT_SITE_DIR,
    log: consoleLogger,
    ...overrides,
  };
}
