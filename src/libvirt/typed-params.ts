// virTypedParameter helpers: libvirt's name/value lists (migration parameters, domain stats,
// block and CPU tuning) as a discriminated union on the wire and a plain object for callers.
import type { TypedParam } from './remote-protocol.js';

/** virTypedParameterType */
export const TypedParamType = {
  INT: 1,
  UINT: 2,
  LLONG: 3,
  ULLONG: 4,
  DOUBLE: 5,
  BOOLEAN: 6,
  STRING: 7,
} as const;

export type TypedParamJsValue = number | bigint | boolean | string;

export const typedParam = {
  int: (field: string, value: number): TypedParam => ({ field, value: { type: 1, value } }),
  uint: (field: string, value: number): TypedParam => ({ field, value: { type: 2, value } }),
  llong: (field: string, value: bigint): TypedParam => ({ field, value: { type: 3, value } }),
  ullong: (field: string, value: bigint): TypedParam => ({ field, value: { type: 4, value } }),
  double: (field: string, value: number): TypedParam => ({ field, value: { type: 5, value } }),
  boolean: (field: string, value: boolean): TypedParam => ({ field, value: { type: 6, value: value ? 1 : 0 } }),
  string: (field: string, value: string): TypedParam => ({ field, value: { type: 7, value } }),
};

/** The value of one parameter; booleans come back as booleans. */
export function typedParamValue(p: TypedParam): TypedParamJsValue {
  return p.value.type === TypedParamType.BOOLEAN ? p.value.value !== 0 : p.value.value;
}

/** A list as an object. Repeated fields (e.g. several `migrate_disks`) keep the last value. */
export function typedParamsToObject(params: TypedParam[]): Record<string, TypedParamJsValue> {
  const out: Record<string, TypedParamJsValue> = {};
  for (const p of params) out[p.field] = typedParamValue(p);
  return out;
}
