import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePacket, PacketReader, PacketType } from '../../src/libvirt/packet.js';
import {
  DomainCodec,
  NodeGetInfoRetCodec,
  OptStringCodec,
  TypedParamCodec,
  type TypedParam,
} from '../../src/libvirt/remote-protocol.js';
import { typedParam, typedParamsToObject } from '../../src/libvirt/typed-params.js';
import * as x from '../../src/libvirt/xdr.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const enc = <T>(c: x.Codec<T>, v: T) => x.encode(c, v).toString('hex');

test('ints are 4-byte big-endian, signed and unsigned', () => {
  assert.equal(enc(x.int, -1), 'ffffffff');
  assert.equal(enc(x.int, 0x01020304), '01020304');
  assert.equal(enc(x.uint, 0xfffffffe), 'fffffffe');
  assert.equal(x.decode(x.int, hex('fffffffe')), -2);
  assert.equal(x.decode(x.uint, hex('fffffffe')), 4294967294);
  assert.throws(() => x.encode(x.int, 2 ** 31), /out of range/);
  assert.throws(() => x.encode(x.uint, -1), /out of range/);
});

test('hyper is 8 bytes and decodes to BigInt', () => {
  assert.equal(enc(x.hyper, -2n), 'fffffffffffffffe');
  assert.equal(enc(x.uhyper, 2n ** 64n - 1n), 'ffffffffffffffff');
  assert.equal(enc(x.uhyper, 0x0102030405060708n), '0102030405060708');
  assert.equal(x.decode(x.hyper, hex('8000000000000000')), -(2n ** 63n));
  assert.equal(x.decode(x.uhyper, hex('0000000100000000')), 4294967296n);
});

test('double is IEEE 754 big-endian', () => {
  assert.equal(enc(x.double, 1.5), '3ff8000000000000');
  assert.equal(x.decode(x.double, hex('c000000000000000')), -2);
});

test('strings carry a length and pad to a multiple of four', () => {
  assert.equal(enc(x.string(), ''), '00000000');
  assert.equal(enc(x.string(), 'abc'), '00000003 61626300'.replace(' ', ''));
  assert.equal(enc(x.string(), 'abcd'), '0000000461626364');
  assert.equal(enc(x.string(), 'abcde'), '00000005616263646500 0000'.replace(' ', ''));
  assert.equal(enc(x.string(), 'é'), '00000002c3a90000');
  assert.equal(x.decode(x.string(), hex('0000000568656c6c6f000000')), 'hello');
  assert.throws(() => x.encode(x.string(3), 'abcd'), /exceeds maximum 3/);
});

test('opaque keeps bytes; fixed opaque has no length', () => {
  assert.equal(enc(x.opaque(), Buffer.from([1, 2])), '0000000201020000');
  assert.equal(enc(x.fixedOpaque(6), Buffer.from([1, 2, 3, 4, 5, 6])), '0102030405060000');
  assert.deepEqual(x.decode(x.fixedOpaque(3), hex('aabbcc00')), Buffer.from([0xaa, 0xbb, 0xcc]));
});

test('optional pointers are a bool then the value', () => {
  assert.equal(enc(OptStringCodec, null), '00000000');
  assert.equal(enc(OptStringCodec, 'a'), '00000001' + '00000001' + '61000000');
  assert.equal(x.decode(OptStringCodec, hex('00000000')), null);
  assert.equal(x.decode(OptStringCodec, hex('00000001 00000002 6869 0000')), 'hi');
  assert.throws(() => x.decode(OptStringCodec, hex('00000002')), /invalid bool/);
});

test('variable arrays carry a count; fixed arrays do not', () => {
  assert.equal(enc(x.array(x.int), [1, -1]), '00000002' + '00000001' + 'ffffffff');
  assert.equal(enc(x.fixedArray(x.uint, 2), [7, 8]), '0000000700000008');
  assert.throws(() => x.encode(x.fixedArray(x.uint, 2), [7]), /needs 2 items/);
  assert.throws(() => x.decode(x.array(x.int), hex('7fffffff')), /exceeds the data left/);
});

test("rpcgen's char takes 4 bytes, so char[32] is 128 bytes", () => {
  assert.equal(enc(x.char, -1), 'ffffffff');
  assert.equal(enc(x.charString(4), 'ab'), '00000061' + '00000062' + '00000000' + '00000000');
  // virNodeInfo as the daemon sends it: model char[32], memory uhyper, then six ints.
  const model = Buffer.alloc(128);
  'x86_64'.split('').forEach((ch, i) => model.writeInt32BE(ch.charCodeAt(0), i * 4));
  const body = Buffer.concat([model, hex('0000000000100000'), hex('00000002 00000a28 00000001 00000001 00000002 00000001')]);
  assert.deepEqual(x.decode(NodeGetInfoRetCodec, body), {
    model: 'x86_64',
    memory: 1048576n,
    cpus: 2,
    mhz: 2600,
    nodes: 1,
    sockets: 1,
    cores: 2,
    threads: 1,
  });
});

test('a domain handle is name, 16-byte uuid, id', () => {
  const uuid = hex('00112233445566778899aabbccddeeff');
  const bytes = x.encode(DomainCodec, { name: 'vm', uuid, id: -1 });
  assert.equal(bytes.toString('hex'), '00000002' + '766d0000' + '00112233445566778899aabbccddeeff' + 'ffffffff');
  assert.deepEqual(x.decode(DomainCodec, bytes), { name: 'vm', uuid, id: -1 });
});

test('typed params are a union on the type int', () => {
  const cases: [TypedParam, string][] = [
    [typedParam.int('a', -1), '00000001 61000000 00000001 ffffffff'],
    [typedParam.uint('a', 2), '00000001 61000000 00000002 00000002'],
    [typedParam.llong('a', -1n), '00000001 61000000 00000003 ffffffffffffffff'],
    [typedParam.ullong('a', 5n), '00000001 61000000 00000004 0000000000000005'],
    [typedParam.double('a', 1.5), '00000001 61000000 00000005 3ff8000000000000'],
    [typedParam.boolean('a', true), '00000001 61000000 00000006 00000001'],
    [typedParam.string('a', 'xy'), '00000001 61000000 00000007 00000002 78790000'],
  ];
  for (const [param, bytes] of cases) {
    const want = bytes.replace(/\s+/g, '');
    assert.equal(enc(TypedParamCodec, param), want, param.field + ' type ' + param.value.type);
    assert.deepEqual(x.decode(TypedParamCodec, hex(want)), param);
  }
  assert.throws(() => x.decode(TypedParamCodec, hex('00000001 61000000 00000009 00000000')), /no arm 9/);
  assert.deepEqual(typedParamsToObject([typedParam.boolean('live', true), typedParam.ullong('bw', 7n)]), { live: true, bw: 7n });
});

test('decoding refuses truncated and trailing data', () => {
  assert.throws(() => x.decode(x.hyper, hex('00000001')), /truncated/);
  assert.throws(() => x.decode(x.int, hex('0000000100')), /trailing/);
});

test('packets are length-prefixed with a six-word header, and reassembled from any split', () => {
  const pkt = encodePacket(
    { program: 0x20008086, version: 1, procedure: 212, type: PacketType.CALL, serial: 7, status: 0 },
    hex('0000002a'),
  );
  assert.equal(pkt.toString('hex'), '00000020' + '20008086' + '00000001' + '000000d4' + '00000000' + '00000007' + '00000000' + '0000002a');
  const reader = new PacketReader();
  const two = Buffer.concat([pkt, pkt]);
  const got = [...reader.push(two.subarray(0, 3)), ...reader.push(two.subarray(3, 40)), ...reader.push(two.subarray(40))];
  assert.equal(got.length, 2);
  for (const p of got) {
    assert.equal(p.procedure, 212);
    assert.equal(p.serial, 7);
    assert.deepEqual(p.body, hex('0000002a'));
  }
  assert.throws(() => new PacketReader().push(hex('00000004')), /invalid libvirt packet length/);
});
