/** The field types the frame table is written in, and the compile-time check of a table against a frame's type. */

export type UintWidth = 'u8' | 'u16' | 'u32' | 'u64';

/** A big-endian unsigned integer; a value outside min..max does not decode (decode_error). */
export interface UintType {
  readonly kind: 'uint';
  readonly width: UintWidth;
  readonly min?: number;
  readonly max?: number;
}
/** A u8: 1 is true, anything else false. `optionalAtEnd`: a frame that ends before it has false. */
export interface BoolType {
  readonly kind: 'bool';
  readonly optionalAtEnd?: boolean;
}
/** Bytes of a length both sides know. */
export interface FixedType {
  readonly kind: 'fixed';
  readonly size: number;
}
/** Length-prefixed bytes (u8 prefix when max < 256, u16 when max < 65,536, else u32). */
export interface BytesType {
  readonly kind: 'bytes';
  readonly max: number;
  readonly min?: number;
}
/** Length-prefixed UTF-8, max in bytes. */
export interface StringType {
  readonly kind: 'string';
  readonly max: number;
}
/** A u8 flag (0 or 1), then the value when it is 1. `atEnd`: a frame that ends before it has none. */
export interface OptionalType<T extends ValueType = ValueType> {
  readonly kind: 'optional';
  readonly of: T;
  readonly atEnd?: boolean;
}
/** The items of a list, as many as its count field (declared earlier in the same fields) says. */
export interface ListType<T extends ValueType = ValueType> {
  readonly kind: 'list';
  readonly of: T;
}
/** Fields one after the other, in the order they are declared. */
export interface StructType<F extends Fields = Fields> {
  readonly kind: 'struct';
  readonly fields: F;
}
/**
 * The number of items of the list `list`, written where this field stands. Over `max` does not
 * encode (RangeError) nor decode (too_large). `optionalAtEnd`: a frame that ends before it has none.
 */
export interface CountType {
  readonly kind: 'count';
  readonly width: 'u16' | 'u32';
  readonly list: string;
  readonly max?: number;
  readonly optionalAtEnd?: boolean;
}

/** The types of fields that are part of the value (all but counts). */
export type ValueType =
  | UintType
  | BoolType
  | FixedType
  | BytesType
  | StringType
  | OptionalType
  | ListType
  | StructType;
export type FieldType = ValueType | CountType;

/**
 * Named fields; the order of the properties is the order on the wire (so names are never
 * integer-like: JavaScript lists those first).
 */
export type Fields = { readonly [name: string]: FieldType };

/** The field types that can carry a value of type V (checked against the frame types at compile time). */
export type TypeFor<V> = null extends V
  ? OptionalType<TypeFor<NonNullable<V>>>
  : [V] extends [boolean]
    ? BoolType
    : [V] extends [number]
      ? UintType
      : [V] extends [string]
        ? StringType
        : [V] extends [Uint8Array]
          ? BytesType | FixedType
          : [V] extends [ReadonlyArray<infer E>]
            ? ListType<TypeFor<E>>
            : StructType<FieldsFor<V>>;

/** Every property of V with a type that carries it, plus any count fields. */
export type FieldsFor<V> = { readonly [K in keyof V]-?: TypeFor<Exclude<V[K], undefined>> } & Fields;

export const u32: UintType = { kind: 'uint', width: 'u32' };
export const u64: UintType = { kind: 'uint', width: 'u64' };
export const bool: BoolType = { kind: 'bool' };
/** A bool added to a frame later, last in it: a frame from an older peer ends before it (false). */
export const boolAtEnd: BoolType = { kind: 'bool', optionalAtEnd: true };

export function uint(width: UintWidth, min: number, max: number): UintType {
  return { kind: 'uint', width, min, max };
}
export function fixed(size: number): FixedType {
  return { kind: 'fixed', size };
}
export function bytes(max: number, min = 0): BytesType {
  return min === 0 ? { kind: 'bytes', max } : { kind: 'bytes', max, min };
}
export function string(max: number): StringType {
  return { kind: 'string', max };
}
export function optional<T extends ValueType>(of: T, options: { atEnd?: boolean } = {}): OptionalType<T> {
  return { kind: 'optional', of, ...options };
}
export function list<T extends ValueType>(of: T): ListType<T> {
  return { kind: 'list', of };
}
export function struct<F extends Fields>(fields: F): StructType<F> {
  return { kind: 'struct', fields };
}
export function count(
  width: CountType['width'],
  list: string,
  options: { max?: number; optionalAtEnd?: boolean } = {},
): CountType {
  return { kind: 'count', width, list, ...options };
}
