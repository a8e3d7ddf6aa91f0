import type { RemoteError } from './remote-protocol.js';

/** virErrorNumber values callers branch on (libvirt's include/libvirt/virterror.h). */
export const ErrorCode = {
  INTERNAL_ERROR: 1,
  NO_SUPPORT: 3,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  XML_ERROR: 27,
  DOM_EXIST: 28,
  OPERATION_DENIED: 29,
  SYSTEM_ERROR: 38,
  RPC: 39,
  NO_DOMAIN: 42,
  NO_NETWORK: 43,
  AUTH_FAILED: 45,
  NO_STORAGE_POOL: 49,
  NO_STORAGE_VOL: 50,
  NO_NODE_DEVICE: 53,
  OPERATION_INVALID: 55,
  NO_INTERFACE: 57,
  NO_NWFILTER: 62,
  NO_SECRET: 66,
  CONFIG_UNSUPPORTED: 67,
  OPERATION_TIMEOUT: 68,
  NO_DOMAIN_SNAPSHOT: 72,
  ARGUMENT_UNSUPPORTED: 74,
  STORAGE_POOL_BUILT: 76,
  OPERATION_ABORTED: 78,
  NO_DOMAIN_METADATA: 80,
  OPERATION_UNSUPPORTED: 84,
  AGENT_UNRESPONSIVE: 86,
  RESOURCE_BUSY: 87,
  ACCESS_DENIED: 88,
  STORAGE_VOL_EXIST: 90,
  XML_INVALID_SCHEMA: 92,
  DEVICE_MISSING: 99,
  NO_HOSTNAME: 108,
} as const;

/** An error reported by the daemon (remote_error), with libvirt's code, domain and message. */
export class LibvirtError extends Error {
  override name = 'LibvirtError';
  /** virErrorNumber (see ErrorCode). */
  readonly code: number;
  /** virErrorDomain: the libvirt subsystem that raised it (10 = QEMU, 12 = test driver, ...). */
  readonly domain: number;
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;

  constructor(err: Pick<RemoteError, 'code' | 'domain' | 'message' | 'level'> & Partial<RemoteError>, procedure?: string) {
    super(err.message ?? `libvirt error ${err.code}`);
    this.code = err.code;
    this.domain = err.domain;
    this.level = err.level;
    this.str1 = err.str1 ?? null;
    this.str2 = err.str2 ?? null;
    this.str3 = err.str3 ?? null;
    if (procedure) this.procedure = procedure;
  }

  /** The call that failed, for logs. */
  procedure?: string;
}

/**
 * The connection could not carry the call: never established, lost (daemon restarted, network
 * gone) or closed by us. The call may or may not have run on the daemon.
 */
export class LibvirtConnectionError extends Error {
  override name = 'LibvirtConnectionError';
}

/** No reply within the call's timeout. The call may still complete on the daemon. */
export class LibvirtTimeoutError extends Error {
  override name = 'LibvirtTimeoutError';
}

const hasCode = (err: unknown, code: number): boolean => err instanceof LibvirtError && err.code === code;

export const isLibvirtError = (err: unknown): err is LibvirtError => err instanceof LibvirtError;
export const isNoDomain = (err: unknown) => hasCode(err, ErrorCode.NO_DOMAIN);
export const isNoNetwork = (err: unknown) => hasCode(err, ErrorCode.NO_NETWORK);
export const isNoStoragePool = (err: unknown) => hasCode(err, ErrorCode.NO_STORAGE_POOL);
export const isNoStorageVol = (err: unknown) => hasCode(err, ErrorCode.NO_STORAGE_VOL);
export const isNoDomainSnapshot = (err: unknown) => hasCode(err, ErrorCode.NO_DOMAIN_SNAPSHOT);
export const isOperationInvalid = (err: unknown) => hasCode(err, ErrorCode.OPERATION_INVALID);
export const isOperationUnsupported = (err: unknown) =>
  hasCode(err, ErrorCode.OPERATION_UNSUPPORTED) || hasCode(err, ErrorCode.NO_SUPPORT);
export const isAlreadyExists = (err: unknown) =>
  hasCode(err, ErrorCode.DOM_EXIST) || hasCode(err, ErrorCode.STORAGE_VOL_EXIST);
export const isAgentUnresponsive = (err: unknown) => hasCode(err, ErrorCode.AGENT_UNRESPONSIVE);
/** Any "object not found" error, like go-libvirt's IsNotFound. */
export const isNotFound = (err: unknown) =>
  isNoDomain(err) || isNoNetwork(err) || isNoStoragePool(err) || isNoStorageVol(err) || isNoDomainSnapshot(err) ||
  hasCode(err, ErrorCode.NO_NODE_DEVICE) || hasCode(err, ErrorCode.NO_SECRET) || hasCode(err, ErrorCode.NO_INTERFACE);
export const isConnectionError = (err: unknown): err is LibvirtConnectionError => err instanceof LibvirtConnectionError;
export const isTimeout = (err: unknown): err is LibvirtTimeoutError => err instanceof LibvirtTimeoutError;
