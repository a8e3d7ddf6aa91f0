// Public API of the libvirt RPC client.
export { LibvirtConnection } from './libvirt-connection.js';
export type {
  DomainEventMap,
  EventSubscription,
  LibvirtConnectionEvents,
  LibvirtConnectionOptions,
} from './libvirt-connection.js';
export { LibvirtStream } from './libvirt-stream.js';
export { dialerForUri, localSocketPath, SshDialer, TlsDialer, UnixDialer } from './dialer.js';
export type { Dialer, SshDialerOptions, TlsDialerOptions } from './dialer.js';
export { parseLibvirtUri } from './libvirt-uri.js';
export type { LibvirtUri, Transport } from './libvirt-uri.js';
export {
  ErrorCode,
  isAgentUnresponsive,
  isAlreadyExists,
  isConnectionError,
  isLibvirtError,
  isNoDomain,
  isNoDomainSnapshot,
  isNoNetwork,
  isNoStoragePool,
  isNoStorageVol,
  isNotFound,
  isOperationInvalid,
  isOperationUnsupported,
  isTimeout,
  LibvirtConnectionError,
  LibvirtError,
  LibvirtTimeoutError,
} from './libvirt-error.js';
export * from './libvirt-constants.js';
export { typedParam, typedParamsToObject, typedParamValue, TypedParamType } from './typed-params.js';
export type { TypedParamJsValue } from './typed-params.js';
export { Procedure } from './remote-protocol.js';
export type * from './remote-protocol.js';
