// A capability: an immutable small value (kind, object, rights) packed into one 32-bit word.

/** Kernel object kinds. 0 is the empty slot. */
export const Kind = {
  NONE: 0,
  PD: 1,
  EC: 2,
  SC: 3,
  PT: 4,
  SM: 5,
  MEM: 6,
  DEV: 7,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];
export const KIND_NAMES = ["none", "pd", "ec", "sc", "pt", "sm", "mem", "dev"] as const;

/**
 * Right bits. Their meaning depends on the kind: memory r/w/x; portal call;
 * semaphore up/down; PD/EC/SC ctrl (create in, delegate into, control); device assign.
 */
export const Right = {
  R: 1,
  W: 2,
  X: 4,
  CALL: 1,
  UP: 1,
  DOWN: 2,
  CTRL: 1,
  ASSIGN: 1,
} as const;

/** All rights of each kind. */
export const ALL_RIGHTS: Record<Kind, number> = {
  [Kind.NONE]: 0,
  [Kind.PD]: Right.CTRL,
  [Kind.EC]: Right.CTRL,
  [Kind.SC]: Right.CTRL,
  [Kind.PT]: Right.CALL,
  [Kind.SM]: Right.UP | Right.DOWN,
  [Kind.MEM]: Right.R | Right.W | Right.X,
  [Kind.DEV]: Right.ASSIGN,
};

// Layout of the word: kind in bits 0-2, rights in bits 3-6, object index in bits 8-31.
const KIND_MASK = 7;
const RIGHTS_SHIFT = 3;
const RIGHTS_MASK = 15;
const OBJECT_SHIFT = 8;
export const MAX_OBJECTS = 1 << 23;

export type Cap = number;
export const NO_CAP: Cap = 0;

export function cap(kind: Kind, object: number, rights: number): Cap {
  return kind | ((rights & RIGHTS_MASK) << RIGHTS_SHIFT) | (object << OBJECT_SHIFT);
}
export function capKind(c: Cap): Kind {
  return (c & KIND_MASK) as Kind;
}
export function capRights(c: Cap): number {
  return (c >>> RIGHTS_SHIFT) & RIGHTS_MASK;
}
export function capObject(c: Cap): number {
  return c >>> OBJECT_SHIFT;
}
/** The same capability with fewer rights: `rights` masked by what `c` has. */
export function withRights(c: Cap, rights: number): Cap {
  return cap(capKind(c), capObject(c), capRights(c) & rights);
}
/** Whether `sub` ⊆ `sup` as right sets. */
export function rightsWithin(sub: number, sup: number): boolean {
  return (sub & ~sup) === 0;
}

export function showCap(c: Cap): string {
  if (c === NO_CAP) return "-";
  return `${KIND_NAMES[capKind(c)]}#${capObject(c)}/${capRights(c).toString(2)}`;
}
