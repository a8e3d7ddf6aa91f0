// Dev-time generator: reads libvirt's src/remote/remote_protocol.x (from a libvirt source tree,
// never committed here) and prints src/libvirt/remote-protocol.ts: procedure numbers, the structs
// the selected procedures need (TypeScript types + XDR codecs) and a RemoteProcedures base class
// with one typed method per selected call. This keeps the mechanical protocol code apart from the
// hand-written transport, as go-libvirt does with its lvgen.
//
//   node --import tsx scripts/gen-libvirt-protocol.ts /path/to/remote_protocol.x > src/libvirt/remote-protocol.ts
import { readFileSync } from 'node:fs';

// Calls that get a generated method. Streams (console, screenshot, volume upload/download) and
// the event registration calls are wrapped by hand in libvirt-connection.ts, so only their
// structs are generated.
const CALLS = `
AUTH_LIST CONNECT_OPEN CONNECT_CLOSE CONNECT_SUPPORTS_FEATURE CONNECT_GET_TYPE CONNECT_GET_VERSION
CONNECT_GET_LIB_VERSION CONNECT_GET_HOSTNAME CONNECT_GET_URI CONNECT_GET_SYSINFO CONNECT_GET_MAX_VCPUS
CONNECT_IS_SECURE CONNECT_GET_CAPABILITIES CONNECT_GET_DOMAIN_CAPABILITIES CONNECT_GET_CPU_MODEL_NAMES
CONNECT_COMPARE_CPU CONNECT_BASELINE_CPU NODE_GET_INFO NODE_GET_FREE_MEMORY NODE_GET_CELLS_FREE_MEMORY
NODE_GET_CPU_STATS NODE_GET_MEMORY_STATS CONNECT_GET_ALL_DOMAIN_STATS
CONNECT_NUM_OF_DOMAINS CONNECT_LIST_DOMAINS CONNECT_NUM_OF_DEFINED_DOMAINS CONNECT_LIST_DEFINED_DOMAINS
CONNECT_LIST_ALL_DOMAINS
DOMAIN_DEFINE_XML DOMAIN_DEFINE_XML_FLAGS DOMAIN_UNDEFINE DOMAIN_UNDEFINE_FLAGS DOMAIN_CREATE
DOMAIN_CREATE_WITH_FLAGS DOMAIN_CREATE_XML DOMAIN_LOOKUP_BY_UUID DOMAIN_LOOKUP_BY_NAME DOMAIN_LOOKUP_BY_ID
DOMAIN_GET_STATE DOMAIN_GET_INFO DOMAIN_GET_XML_DESC DOMAIN_GET_BLOCK_INFO DOMAIN_BLOCK_STATS
DOMAIN_BLOCK_STATS_FLAGS DOMAIN_INTERFACE_STATS DOMAIN_MEMORY_STATS DOMAIN_SHUTDOWN DOMAIN_SHUTDOWN_FLAGS
DOMAIN_REBOOT DOMAIN_RESET DOMAIN_DESTROY DOMAIN_DESTROY_FLAGS DOMAIN_SUSPEND DOMAIN_RESUME
DOMAIN_MANAGED_SAVE DOMAIN_HAS_MANAGED_SAVE_IMAGE DOMAIN_MANAGED_SAVE_REMOVE DOMAIN_ATTACH_DEVICE
DOMAIN_ATTACH_DEVICE_FLAGS DOMAIN_DETACH_DEVICE DOMAIN_DETACH_DEVICE_FLAGS DOMAIN_UPDATE_DEVICE_FLAGS
DOMAIN_SET_MEMORY DOMAIN_SET_MEMORY_FLAGS DOMAIN_SET_MAX_MEMORY DOMAIN_GET_MAX_MEMORY DOMAIN_SET_VCPUS
DOMAIN_SET_VCPUS_FLAGS DOMAIN_GET_VCPUS_FLAGS DOMAIN_GET_MAX_VCPUS DOMAIN_INTERFACE_ADDRESSES
DOMAIN_IS_ACTIVE DOMAIN_IS_PERSISTENT DOMAIN_IS_UPDATED DOMAIN_GET_AUTOSTART DOMAIN_SET_AUTOSTART
DOMAIN_SET_METADATA DOMAIN_GET_METADATA DOMAIN_GET_HOSTNAME DOMAIN_GET_JOB_INFO DOMAIN_GET_JOB_STATS
DOMAIN_ABORT_JOB DOMAIN_GET_DISK_ERRORS DOMAIN_SEND_KEY DOMAIN_INJECT_NMI DOMAIN_GET_TIME DOMAIN_SET_TIME
DOMAIN_GET_FSINFO DOMAIN_FSFREEZE DOMAIN_FSTHAW DOMAIN_SET_USER_PASSWORD DOMAIN_RENAME DOMAIN_GET_CPU_STATS
DOMAIN_SNAPSHOT_CREATE_XML DOMAIN_SNAPSHOT_GET_XML_DESC DOMAIN_SNAPSHOT_NUM DOMAIN_SNAPSHOT_LIST_NAMES
DOMAIN_LIST_ALL_SNAPSHOTS DOMAIN_SNAPSHOT_LOOKUP_BY_NAME DOMAIN_SNAPSHOT_CURRENT DOMAIN_HAS_CURRENT_SNAPSHOT
DOMAIN_SNAPSHOT_GET_PARENT DOMAIN_REVERT_TO_SNAPSHOT DOMAIN_SNAPSHOT_DELETE
DOMAIN_BLOCK_COPY DOMAIN_BLOCK_REBASE DOMAIN_BLOCK_PULL DOMAIN_BLOCK_COMMIT DOMAIN_BLOCK_RESIZE
DOMAIN_GET_BLOCK_JOB_INFO DOMAIN_BLOCK_JOB_ABORT DOMAIN_BLOCK_JOB_SET_SPEED
DOMAIN_MIGRATE_PERFORM3_PARAMS DOMAIN_MIGRATE_SET_MAX_SPEED DOMAIN_MIGRATE_GET_MAX_SPEED
DOMAIN_MIGRATE_SET_MAX_DOWNTIME DOMAIN_MIGRATE_START_POST_COPY
CONNECT_LIST_ALL_STORAGE_POOLS CONNECT_FIND_STORAGE_POOL_SOURCES STORAGE_POOL_DEFINE_XML STORAGE_POOL_CREATE_XML
STORAGE_POOL_CREATE STORAGE_POOL_BUILD STORAGE_POOL_DESTROY STORAGE_POOL_DELETE STORAGE_POOL_UNDEFINE
STORAGE_POOL_REFRESH STORAGE_POOL_LOOKUP_BY_NAME STORAGE_POOL_LOOKUP_BY_UUID STORAGE_POOL_LOOKUP_BY_VOLUME
STORAGE_POOL_GET_INFO STORAGE_POOL_GET_XML_DESC STORAGE_POOL_GET_AUTOSTART STORAGE_POOL_SET_AUTOSTART
STORAGE_POOL_IS_ACTIVE STORAGE_POOL_IS_PERSISTENT STORAGE_POOL_NUM_OF_VOLUMES STORAGE_POOL_LIST_VOLUMES
STORAGE_POOL_LIST_ALL_VOLUMES
STORAGE_VOL_CREATE_XML STORAGE_VOL_CREATE_XML_FROM STORAGE_VOL_LOOKUP_BY_NAME STORAGE_VOL_LOOKUP_BY_KEY
STORAGE_VOL_LOOKUP_BY_PATH STORAGE_VOL_GET_INFO STORAGE_VOL_GET_INFO_FLAGS STORAGE_VOL_GET_XML_DESC
STORAGE_VOL_GET_PATH STORAGE_VOL_DELETE STORAGE_VOL_RESIZE STORAGE_VOL_WIPE
CONNECT_LIST_ALL_NETWORKS NETWORK_DEFINE_XML NETWORK_CREATE NETWORK_CREATE_XML NETWORK_DESTROY
NETWORK_UNDEFINE NETWORK_LOOKUP_BY_NAME NETWORK_LOOKUP_BY_UUID NETWORK_GET_XML_DESC NETWORK_GET_BRIDGE_NAME
NETWORK_IS_ACTIVE NETWORK_IS_PERSISTENT NETWORK_GET_AUTOSTART NETWORK_SET_AUTOSTART NETWORK_UPDATE
NETWORK_GET_DHCP_LEASES
`;

// Calls whose structs are generated but whose methods are written by hand.
const HAND_WRITTEN = `
DOMAIN_OPEN_CONSOLE DOMAIN_SCREENSHOT STORAGE_VOL_UPLOAD STORAGE_VOL_DOWNLOAD
CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY
CONNECT_NETWORK_EVENT_REGISTER_ANY CONNECT_NETWORK_EVENT_DEREGISTER_ANY
CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY
`;

// Event messages (type MESSAGE) decoded and routed by callbackID.
const EVENT_RE = /^(DOMAIN_EVENT_CALLBACK_|DOMAIN_EVENT_BLOCK_JOB_2$|DOMAIN_EVENT_BLOCK_THRESHOLD$|NETWORK_EVENT_LIFECYCLE$|STORAGE_POOL_EVENT_)/;

// Constants that remote_protocol.x takes from libvirt's C headers.
const C_CONSTANTS: Record<string, number> = {
  VIR_UUID_BUFLEN: 16,
  VIR_SECURITY_MODEL_BUFLEN: 257,
  VIR_SECURITY_LABEL_BUFLEN: 4097,
  VIR_SECURITY_DOI_BUFLEN: 257,
  VIR_TYPED_PARAM_INT: 1,
  VIR_TYPED_PARAM_UINT: 2,
  VIR_TYPED_PARAM_LLONG: 3,
  VIR_TYPED_PARAM_ULLONG: 4,
  VIR_TYPED_PARAM_DOUBLE: 5,
  VIR_TYPED_PARAM_BOOLEAN: 6,
  VIR_TYPED_PARAM_STRING: 7,
};

const ACRONYMS = new Set(['XML', 'UUID', 'ID', 'CPU', 'DHCP', 'URI', 'MAC', 'NMI', 'FS', 'FSINFO']);
const RESERVED = new Set(['default', 'new', 'class', 'function', 'in', 'delete', 'var', 'switch', 'case', 'const']);
// Type names that would shadow TypeScript globals.
const RENAMED: Record<string, string> = { error: 'RemoteError' };

type Decl =
  | { kind: 'void' }
  | { kind: 'scalar'; type: string; name: string }
  | { kind: 'fixed'; type: string; name: string; size: string }
  | { kind: 'var'; type: string; name: string; max: string | null }
  | { kind: 'optional'; type: string; name: string };

type Def =
  | { kind: 'struct'; name: string; fields: Decl[] }
  | { kind: 'typedef'; name: string; decl: Decl }
  | { kind: 'enum'; name: string; values: [string, string][] }
  | { kind: 'union'; name: string; discType: string; disc: string; arms: [string, Decl][] };

function tokenize(src: string): string[] {
  const noComments = src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/^%.*$/gm, '');
  return noComments.match(/[A-Za-z_][A-Za-z0-9_]*|0x[0-9a-fA-F]+|-?\d+|[{}()[\]<>;:,=*]/g) ?? [];
}

function parse(src: string): { consts: Map<string, string>; defs: Def[] } {
  const t = tokenize(src);
  let i = 0;
  const consts = new Map<string, string>();
  const defs: Def[] = [];
  const expect = (s: string) => {
    if (t[i] !== s) throw new Error(`expected ${s} at token ${i}, got ${t[i]} (near ${t.slice(i - 5, i + 5).join(' ')})`);
    i++;
  };
  const typeSpec = (): string => {
    if (t[i] === 'unsigned') {
      i++;
      if (['int', 'hyper', 'char', 'short'].includes(t[i])) return `unsigned ${t[i++]}`;
      return 'unsigned int';
    }
    return t[i++];
  };
  const decl = (): Decl => {
    if (t[i] === 'void') {
      i++;
      return { kind: 'void' };
    }
    const type = typeSpec();
    if (t[i] === '*') {
      i++;
      return { kind: 'optional', type, name: t[i++] };
    }
    const name = t[i++];
    if (t[i] === '[') {
      i++;
      const size = t[i++];
      expect(']');
      return { kind: 'fixed', type, name, size };
    }
    if (t[i] === '<') {
      i++;
      let max: string | null = null;
      if (t[i] !== '>') max = t[i++];
      expect('>');
      return { kind: 'var', type, name, max };
    }
    return { kind: 'scalar', type, name };
  };
  while (i < t.length) {
    const kw = t[i++];
    if (kw === 'const') {
      const name = t[i++];
      expect('=');
      consts.set(name, t[i++]);
      expect(';');
    } else if (kw === 'typedef') {
      const d = decl();
      if (d.kind === 'void') throw new Error('void typedef');
      defs.push({ kind: 'typedef', name: d.name, decl: d });
      expect(';');
    } else if (kw === 'struct') {
      const name = t[i++];
      expect('{');
      const fields: Decl[] = [];
      while (t[i] !== '}') {
        fields.push(decl());
        expect(';');
      }
      expect('}');
      expect(';');
      defs.push({ kind: 'struct', name, fields });
    } else if (kw === 'enum') {
      const name = t[i++];
      expect('{');
      const values: [string, string][] = [];
      while (t[i] !== '}') {
        const n = t[i++];
        expect('=');
        values.push([n, t[i++]]);
        if (t[i] === ',') i++;
      }
      expect('}');
      expect(';');
      defs.push({ kind: 'enum', name, values });
    } else if (kw === 'union') {
      const name = t[i++];
      expect('switch');
      expect('(');
      const discType = typeSpec();
      const disc = t[i++];
      expect(')');
      expect('{');
      const arms: [string, Decl][] = [];
      while (t[i] !== '}') {
        expect('case');
        const label = t[i++];
        expect(':');
        arms.push([label, decl()]);
        expect(';');
      }
      expect('}');
      expect(';');
      defs.push({ kind: 'union', name, discType, disc, arms });
    } else {
      throw new Error(`unexpected token ${kw} at ${i}`);
    }
  }
  return { consts, defs };
}

const pascal = (snake: string) =>
  snake
    .split('_')
    .filter(Boolean)
    .map((w) => (ACRONYMS.has(w.toUpperCase()) ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
const camelField = (name: string) => {
  const c = name.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
  return RESERVED.has(c) ? `${c}_` : c;
};
const methodName = (proc: string) => {
  const p = pascal(proc);
  const first = proc.split('_')[0];
  return ACRONYMS.has(first) ? first.toLowerCase() + p.slice(first.length) : p[0].toLowerCase() + p.slice(1);
};

function main(): void {
  const path = process.argv[2];
  if (!path) throw new Error('usage: gen-libvirt-protocol.ts /path/to/remote_protocol.x');
  const src = readFileSync(path, 'utf8');
  const { consts, defs } = parse(src);
  const byName = new Map(defs.map((d) => [d.name, d]));
  const procEnum = defs.find((d) => d.name === 'remote_procedure');
  if (!procEnum || procEnum.kind !== 'enum') throw new Error('no remote_procedure enum');
  const procs = new Map(procEnum.values.map(([n, v]) => [n.replace(/^REMOTE_PROC_/, ''), Number(v)]));

  const num = (s: string): number => {
    if (/^-?\d+$/.test(s) || /^0x/i.test(s)) return Number(s);
    if (s in C_CONSTANTS) return C_CONSTANTS[s];
    const v = consts.get(s);
    if (v === undefined) throw new Error(`unknown constant ${s}`);
    return num(v);
  };

  // Type names: remote_nonnull_X is the everyday handle X; remote_X (its optional form) is OptX.
  const tsName = (xname: string): string => {
    let n = xname.replace(/^remote_/, '');
    if (RENAMED[n]) return RENAMED[n];
    if (n.startsWith('nonnull_')) return pascal(n.slice('nonnull_'.length));
    if (byName.get(`remote_nonnull_${n}`)) return `Opt${pascal(n)}`;
    return pascal(n);
  };

  const needed = new Set<string>();
  const need = (type: string) => {
    const d = byName.get(type);
    if (!d || needed.has(type)) return;
    needed.add(type);
    if (d.kind === 'struct') d.fields.forEach((f) => f.kind !== 'void' && need(f.type));
    if (d.kind === 'typedef') d.decl.kind !== 'void' && need(d.decl.type);
    if (d.kind === 'union') d.arms.forEach(([, f]) => f.kind !== 'void' && need(f.type));
  };
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  const calls = words(CALLS);
  const handWritten = words(HAND_WRITTEN);
  const events = [...procs.keys()].filter((p) => EVENT_RE.test(p));
  for (const p of [...calls, ...handWritten, ...events]) {
    if (!procs.has(p)) throw new Error(`unknown procedure ${p}`);
    const base = `remote_${p.toLowerCase()}`;
    for (const suffix of ['_args', '_ret', '_msg']) need(base + suffix);
  }
  need('remote_error');

  const PRIM: Record<string, [string, string]> = {
    int: ['number', 'x.int'],
    'unsigned int': ['number', 'x.uint'],
    hyper: ['bigint', 'x.hyper'],
    'unsigned hyper': ['bigint', 'x.uhyper'],
    char: ['number', 'x.char'],
    'unsigned char': ['number', 'x.uchar'],
    short: ['number', 'x.short'],
    'unsigned short': ['number', 'x.ushort'],
    double: ['number', 'x.double'],
    bool: ['boolean', 'x.bool'],
  };
  // Typedefs are inlined in TypeScript types so a field reads `string | null`, not OptString.
  const baseTs = (type: string): string => {
    if (PRIM[type]) return PRIM[type][0];
    const d = byName.get(type);
    if (!d) throw new Error(`unknown type ${type}`);
    if (d.kind === 'typedef') return declTs(d.decl);
    if (d.kind === 'enum') return 'number';
    return tsName(type);
  };
  const baseCodec = (type: string): string => (PRIM[type] ? PRIM[type][1] : `${tsName(type)}Codec`);
  const maxArg = (max: string | null) => (max === null ? '' : String(num(max)));
  const declTs = (d: Decl): string => {
    switch (d.kind) {
      case 'void':
        return 'void';
      case 'scalar':
        return d.type === 'string' ? 'string' : baseTs(d.type);
      case 'optional': {
        const inner = baseTs(d.type);
        return `${inner.includes('|') ? `(${inner})` : inner} | null`;
      }
      case 'fixed':
        if (d.type === 'opaque') return 'Buffer';
        if (d.type === 'char') return 'string';
        return `${baseTs(d.type)}[]`;
      case 'var': {
        if (d.type === 'string') return 'string';
        if (d.type === 'opaque') return 'Buffer';
        const inner = baseTs(d.type);
        return inner.includes('|') ? `(${inner})[]` : `${inner}[]`;
      }
    }
  };
  const declCodec = (d: Decl): string => {
    switch (d.kind) {
      case 'void':
        return 'x.voidCodec';
      case 'scalar':
        return baseCodec(d.type);
      case 'optional':
        return `x.optional(${baseCodec(d.type)})`;
      case 'fixed':
        if (d.type === 'opaque') return `x.fixedOpaque(${num(d.size)})`;
        // rpcgen's char[N] is N four-byte chars holding a C string (virNodeInfo.model).
        if (d.type === 'char') return `x.charString(${num(d.size)})`;
        return `x.fixedArray(${baseCodec(d.type)}, ${num(d.size)})`;
      case 'var':
        if (d.type === 'string') return `x.string(${maxArg(d.max)})`;
        if (d.type === 'opaque') return `x.opaque(${maxArg(d.max)})`;
        return `x.array(${baseCodec(d.type)}${d.max ? `, ${num(d.max)}` : ''})`;
    }
  };

  const out: string[] = [];
  out.push(`// Generated by scripts/gen-libvirt-protocol.ts from libvirt's src/remote/remote_protocol.x. Do not edit.
// Procedure numbers and struct layouts are facts of the libvirt RPC protocol (program 0x20008086).
/* eslint-disable */
import * as x from './xdr.js';

export const REMOTE_PROGRAM = ${'0x' + num('REMOTE_PROGRAM').toString(16)};
export const REMOTE_PROTOCOL_VERSION = ${num('REMOTE_PROTOCOL_VERSION')};

/** Every procedure number of the remote program. */
export const Procedure = {`);
  for (const [n, v] of procs) out.push(`  ${n}: ${v},`);
  out.push(`} as const;
export type ProcedureName = keyof typeof Procedure;
`);

  for (const d of defs) {
    if (!needed.has(d.name)) continue;
    const name = tsName(d.name);
    if (d.kind === 'struct') {
      out.push(`export interface ${name} {`);
      for (const f of d.fields) if (f.kind !== 'void') out.push(`  ${camelField(f.name)}: ${declTs(f)};`);
      out.push('}');
      const fields = d.fields
        .filter((f) => f.kind !== 'void')
        .map((f) => `  ['${camelField((f as { name: string }).name)}', ${declCodec(f)}],`);
      out.push(`export const ${name}Codec: x.Codec<${name}> = x.struct<${name}>([\n${fields.join('\n')}\n]);\n`);
    } else if (d.kind === 'typedef') {
      out.push(`export const ${name}Codec: x.Codec<${declTs(d.decl)}> = ${declCodec(d.decl)};\n`);
    } else if (d.kind === 'enum') {
      out.push(`export const ${name} = {`);
      const prefix = d.values.length > 1 ? commonPrefix(d.values.map(([n]) => n)) : '';
      for (const [n, v] of d.values) out.push(`  ${n.slice(prefix.length)}: ${num(v)},`);
      out.push(`} as const;\nexport const ${name}Codec = x.int;\n`);
    } else if (d.kind === 'union') {
      const arms = d.arms.map(([label, f]) => `{ type: ${num(label)}; value: ${declTs(f)} }`);
      out.push(`export type ${name} =\n  | ${arms.join('\n  | ')};`);
      const codecs = d.arms.map(([label, f]) => `  ${num(label)}: ${declCodec(f)},`);
      out.push(`export const ${name}Codec: x.Codec<${name}> = x.union<${name}>({\n${codecs.join('\n')}\n});\n`);
    }
  }

  // Event messages by procedure number, for the connection's MESSAGE dispatch.
  out.push('/** Codecs of the event messages the connection decodes, by procedure number. */');
  out.push('export const EVENT_CODECS: Record<number, x.Codec<{ callbackID: number }>> = {');
  for (const p of events) {
    const msg = byName.get(`remote_${p.toLowerCase()}_msg`);
    if (msg?.kind !== 'struct' || !msg.fields.some((f) => f.kind !== 'void' && f.name === 'callbackID')) continue;
    out.push(`  ${procs.get(p)}: ${tsName(msg.name)}Codec, // ${p}`);
  }
  out.push('};\n');

  // Trailing flags default to 0 and need_results to 1, as every libvirt caller passes them.
  const DEFAULTS: Record<string, string> = { flags: '0', needResults: '1' };
  out.push(`/**
 * One typed method per libvirt call. Methods take the call's arguments in wire order; a reply
 * with one field is returned as that value, a longer reply as its struct. Subclasses provide
 * the transport through call().
 */
export abstract class RemoteProcedures {
  protected abstract call<A, R>(proc: number, argsCodec: x.Codec<A>, args: A, retCodec: x.Codec<R>): Promise<R>;
`);
  for (const p of calls) {
    const base = `remote_${p.toLowerCase()}`;
    const args = byName.get(`${base}_args`);
    const ret = byName.get(`${base}_ret`);
    const argFields = args?.kind === 'struct' ? args.fields.filter((f) => f.kind !== 'void') : [];
    const params = argFields.map((f) => ({ name: camelField((f as { name: string }).name), ts: declTs(f) }));
    let optionalFrom = params.length;
    while (optionalFrom > 0 && DEFAULTS[params[optionalFrom - 1].name]) optionalFrom--;
    const sig = params
      .map((q, k) => (k >= optionalFrom ? `${q.name} = ${DEFAULTS[q.name]}` : `${q.name}: ${q.ts}`))
      .join(', ');
    const argsExpr = args ? `${tsName(args.name)}Codec, { ${params.map((q) => q.name).join(', ')} }` : 'x.voidCodec, undefined';
    const retFields = ret?.kind === 'struct' ? ret.fields.filter((f) => f.kind !== 'void') : [];
    let retTs = 'void';
    let retExpr = 'x.voidCodec';
    let unwrap = '';
    if (ret) {
      retExpr = `${tsName(ret.name)}Codec`;
      retTs = tsName(ret.name);
      // List calls reply { items<>, ret: count }; the count repeats the array's length.
      const listReply =
        retFields.length === 2 && retFields[0].kind === 'var' && (retFields[1] as { name: string }).name === 'ret';
      if (listReply) {
        unwrap = `.${camelField((retFields[0] as { name: string }).name)}`;
        retTs = declTs(retFields[0]);
      } else if (retFields.length === 1) {
        unwrap = `.${camelField((retFields[0] as { name: string }).name)}`;
        retTs = declTs(retFields[0]);
      }
    }
    out.push(`  /** REMOTE_PROC_${p} (${procs.get(p)}) */`);
    if (unwrap) {
      out.push(`  async ${methodName(p)}(${sig}): Promise<${retTs}> {
    return (await this.call(Procedure.${p}, ${argsExpr}, ${retExpr}))${unwrap};
  }`);
    } else {
      out.push(`  ${methodName(p)}(${sig}): Promise<${retTs}> {
    return this.call(Procedure.${p}, ${argsExpr}, ${retExpr});
  }`);
    }
  }
  out.push('}');
  process.stdout.write(out.join('\n') + '\n');
}

function commonPrefix(names: string[]): string {
  let p = names[0];
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, p.lastIndexOf('_', p.length - 2) + 1);
  return p;
}

main();
