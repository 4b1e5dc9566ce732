// The symmetry canonicaliser on differences, in WebAssembly (AssemblyScript): a successor's members' signatures from its parent's, the sort, and its representative's difference from the initial state.
//
// The same computation as `Symmetry.canonicalDiff(…, fromParent)` in src/checker/symmetry.ts,
// which stays the reference (and the path where this module cannot run): the tables it reads are
// built there (`Symmetry.diffTables`) and laid out by src/checker/symmetry-wasm.ts in the
// memory of the explorer's fingerprinter, where the successor vectors, the initial state and the
// difference already are. Compiled by scripts/build-wasm.mjs (asc) to
// symmetry-wasm.generated.ts. Every address is a byte address; every table is of i32.

// ---- the header: the tables' addresses and the layout's constants, read once by `init` ----

let W: i32 = 0; // words of a state
let REF: usize = 0; // the initial state
let M: i32 = 0; // members, across families
let F: i32 = 0; // families
let FAM_START: usize = 0; // F + 1: family f's members are FAM_START[f] .. FAM_START[f + 1]
let ENTRY_BASE: usize = 0; // M + 1: member m's entries are ENTRY_BASE[m] .. ENTRY_BASE[m + 1]
let ENTRY_AT: usize = 0; // per entry: the word it reads
let ENTRY_OP: usize = 0; // per entry: its operation (Op below)
let ENTRY_AUX: usize = 0; // per entry: the word WAIT and PARENT also read; the memory object of PTE
let REL_BASE: usize = 0; // M: each member's relative tables (address of its block)
let READER_START: usize = 0; // W + 1: the entries reading word j are READER_*[READER_START[j] ..]
let READER_MEMBER: usize = 0;
let READER_ENTRY: usize = 0; // global entry number (ENTRY_BASE[m] + k)
let ENTRY_LOCAL: usize = 0; // per global entry: k, its position in its member's signature
let STAMP: usize = 0; // per global entry: the epoch it was last replaced in
let PARENT_SIG: usize = 0; // M
let CHILD_SIG: usize = 0; // M
let REP_SIG: usize = 0; // M: the representative's signatures, in its member order
let PARENT: usize = 0; // W: the parent
let PARENT_DIFF: usize = 0; // 2W: its difference from REF
let PERM: usize = 0; // the permutation's tables, concatenated (offsets T_* below); identity outside members
let OBJ_START: usize = 0; // M + 1: member m's objects are OBJ_*[OBJ_START[m] ..], in the same order for every member of a family
let OBJ_TAB: usize = 0; // the object's entry in PERM
let OBJ_IDX: usize = 0; // the object's index in its table
let WORD_TAB: usize = 0; // per word: the PERM entry of the object it belongs to, or -1 if it never moves
let WORD_IDX: usize = 0; // per word: that object's index
let WORD_STRIDE: usize = 0; // per word: that object's record size
let WORD_OP: usize = 0; // per word: how its value is mapped (Op)
let WORD_AUX: usize = 0; // per word: the word WAIT and PARENT also read
let WORD_DEP: usize = 0; // per word j: the word whose operation reads j as its aux, or -1
let MARKS: usize = 0; // a bit per word of the result
let FROM_OF: usize = 0; // per word of the result: the word it is computed from
let IMAGES: usize = 0; // M: member m goes to position IMAGES[m] of its family
let ORDER: usize = 0; // M: scratch of the sort
let PERM_IMAGES: usize = 0; // M: the member images PERM holds now
let CHANGED: usize = 0; // W: scratch of `scanCanonical`, the words where a successor differs from its parent
// The fingerprinter's slots (`canonicalSlots`): successors' addresses, then per slot its
// difference (SLOT_BYTES apart), fingerprint (two words), length, and representative's signatures (M words).
let SLOT_ADDR: usize = 0;
let SLOT_DIFF: usize = 0;
let SLOT_BYTES: i32 = 0;
let SLOT_OUT: usize = 0;
let SLOT_LEN: usize = 0;
let SLOT_SIG: usize = 0;
let SLOT_IMAGES: usize = 0; // per slot, M words: the member images of its representative's permutation (`canonicalSlots`)
let IDENTITY: usize = 0; // M: each member's index in its family (the identity's images)
let T_PD: i32 = 0;
let T_EC: i32 = 0;
let T_SC: i32 = 0;
let T_PT: i32 = 0;
let T_SM: i32 = 0;
let T_MEM: i32 = 0;
let T_SLOT: i32 = 0;
let MEM_COUNT: i32 = 0;
let ROW_BASE: i32 = 0; // where the page-table rows start (the TLB's follow)
let ROW_WORDS: i32 = 0; // words per row
let MEM_INV: usize = 0; // MEM_COUNT: the permutation's inverse on memory objects; identity outside members
let KIND_TAB: usize = 0; // 8: per capability kind, the offset of its table (PERM and relative blocks alike), or -1
let NO_CAP: i32 = 0;
let EC_SM: i32 = 0; // EcState.SM
let SNAPSHOT_MARK: i32 = 0;
let HELD_COUNT: i32 = 0; // slots of held slot classes, which move with two members (`DiffTables.held`)
let HELD: usize = 0; // per such slot, 5 words: its PERM entry, its holder, the member it names, its kind's first in HELD_SLOTS, that member's family size
let HELD_SLOTS: usize = 0; // per kind of held class, per holder, the class's slots

let parentLength: i32 = 0; // words of pairs in PARENT_DIFF
let epoch: i32 = 0;
let moved: bool = false; // whether the last `sortMembers` moved a member (IMAGES holds its images then)

/** fingerprint.wat's `hash`: the difference of `words` words at `v` into the fingerprint at `out` (the fingerprinter's instance, imported). */
@external("env", "hash")
declare function fingerprint(v: usize, words: i32, out: usize): void;

// Word operations: symmetry.ts `Op`.
const COPY = 0;
const EC = 1;
const PD = 2;
const PT = 3;
const SLOT = 4;
const WAIT = 5;
const ITEM = 6;
const VALUE = 7;
const CAP = 8;
const PARENT_OP = 9;
const PTE = 10;
const ROW = 11;

const SEALED: i32 = 1 << 29;
const SIGNATURE_SEED: i32 = 0x2545f491;

@inline function ld(base: usize, i: i32): i32 {
  return load<i32>(base + ((<usize>i) << 2));
}
@inline function st(base: usize, i: i32, v: i32): void {
  store<i32>(base + ((<usize>i) << 2), v);
}

/** Reads the header at `h` (symmetry-wasm.ts writes it, in this order). */
export function init(h: usize): void {
  let k = 0;
  W = ld(h, k++);
  REF = <usize>ld(h, k++);
  M = ld(h, k++);
  F = ld(h, k++);
  FAM_START = <usize>ld(h, k++);
  ENTRY_BASE = <usize>ld(h, k++);
  ENTRY_AT = <usize>ld(h, k++);
  ENTRY_OP = <usize>ld(h, k++);
  ENTRY_AUX = <usize>ld(h, k++);
  REL_BASE = <usize>ld(h, k++);
  READER_START = <usize>ld(h, k++);
  READER_MEMBER = <usize>ld(h, k++);
  READER_ENTRY = <usize>ld(h, k++);
  ENTRY_LOCAL = <usize>ld(h, k++);
  STAMP = <usize>ld(h, k++);
  PARENT_SIG = <usize>ld(h, k++);
  CHILD_SIG = <usize>ld(h, k++);
  REP_SIG = <usize>ld(h, k++);
  PARENT = <usize>ld(h, k++);
  PARENT_DIFF = <usize>ld(h, k++);
  PERM = <usize>ld(h, k++);
  OBJ_START = <usize>ld(h, k++);
  OBJ_TAB = <usize>ld(h, k++);
  OBJ_IDX = <usize>ld(h, k++);
  WORD_TAB = <usize>ld(h, k++);
  WORD_IDX = <usize>ld(h, k++);
  WORD_STRIDE = <usize>ld(h, k++);
  WORD_OP = <usize>ld(h, k++);
  WORD_AUX = <usize>ld(h, k++);
  WORD_DEP = <usize>ld(h, k++);
  MARKS = <usize>ld(h, k++);
  FROM_OF = <usize>ld(h, k++);
  IMAGES = <usize>ld(h, k++);
  ORDER = <usize>ld(h, k++);
  PERM_IMAGES = <usize>ld(h, k++);
  CHANGED = <usize>ld(h, k++);
  SLOT_ADDR = <usize>ld(h, k++);
  SLOT_DIFF = <usize>ld(h, k++);
  SLOT_BYTES = ld(h, k++);
  SLOT_OUT = <usize>ld(h, k++);
  SLOT_LEN = <usize>ld(h, k++);
  SLOT_SIG = <usize>ld(h, k++);
  T_PD = ld(h, k++);
  T_EC = ld(h, k++);
  T_SC = ld(h, k++);
  T_PT = ld(h, k++);
  T_SM = ld(h, k++);
  T_MEM = ld(h, k++);
  T_SLOT = ld(h, k++);
  MEM_COUNT = ld(h, k++);
  ROW_BASE = ld(h, k++);
  ROW_WORDS = ld(h, k++);
  MEM_INV = <usize>ld(h, k++);
  KIND_TAB = <usize>ld(h, k++);
  NO_CAP = ld(h, k++);
  EC_SM = ld(h, k++);
  SNAPSHOT_MARK = ld(h, k++);
  SLOT_IMAGES = <usize>ld(h, k++);
  IDENTITY = <usize>ld(h, k++);
  HELD_COUNT = ld(h, k++);
  HELD = <usize>ld(h, k++);
  HELD_SLOTS = <usize>ld(h, k++);
  epoch = 0;
}

/** How many header words `init` reads. */
export function headerWords(): i32 {
  return 62;
}

/**
 * The parent's difference from the reference is `n` words of pairs; its vector and difference
 * are written already, and its signatures too unless `computeSignatures` (`signatureFrom` of
 * every member, here).
 */
export function setParent(n: i32, computeSignatures: bool): void {
  parentLength = n;
  if (!computeSignatures) return;
  for (let m = 0; m < M; m++) {
    const rel = <usize>ld(REL_BASE, m);
    const base = ld(ENTRY_BASE, m);
    const end = ld(ENTRY_BASE, m + 1);
    let h = 0;
    for (let e = base; e < end; e++) h += termOf(PARENT, rel, e, ld(ENTRY_LOCAL, e));
    st(PARENT_SIG, m, h);
  }
}

// ---- signatures: symmetry.ts `mix`, `term`, `code` ----

@inline function mix(h: i32, v: i32): i32 {
  return (h ^ v) * -1640531535 + 0x7f4a7c15; // 0x9e3779b1
}

@inline function term(k: i32, c: i32): i32 {
  let h = mix(mix(SIGNATURE_SEED, k), c);
  h ^= h >>> 16;
  h *= -2048144789; // 0x85ebca6b
  h ^= h >>> 13;
  h *= -1028477387; // 0xc2b2ae35
  return h ^ (h >>> 16);
}

/** Global entry e (local position k) of a member whose relative tables are at `rel`, in state `s`: its term. */
@inline function termOf(s: usize, rel: usize, e: i32, k: i32): i32 {
  const v = ld(s, ld(ENTRY_AT, e));
  let c = v;
  switch (ld(ENTRY_OP, e)) {
    case COPY:
      break;
    case EC:
      if (v >= 0) c = ld(rel, T_EC + v);
      break;
    case WAIT:
      if (v >= 0) c = ld(s, ld(ENTRY_AUX, e)) == EC_SM ? ld(rel, T_SM + v) : ld(rel, T_PT + v);
      break;
    case PT:
      if (v >= 0) c = ld(rel, T_PT + v);
      break;
    case ITEM:
      if (v != 0) c = ld(rel, T_SLOT + (v >>> 4) - 1) * 16 + (v & 15);
      break;
    case PD:
      if (v >= 0) c = ld(rel, T_PD + v);
      break;
    case SLOT:
      if (v >= 0) c = ld(rel, T_SLOT + v);
      break;
    case VALUE:
      if (v > 0 && (v & SEALED) != 0) {
        const key = (v >>> 21) & 0xff;
        if (key < MEM_COUNT) c = mix(v & ~(0xff << 21), ld(rel, T_MEM + key));
      }
      break;
    case PARENT_OP:
      if (ld(s, ld(ENTRY_AUX, e)) != NO_CAP && v >= 0) c = ld(rel, T_SLOT + (v & ~SNAPSHOT_MARK)) + ((v & SNAPSHOT_MARK) != 0 ? 1 << 24 : 0);
      break;
    case CAP: {
      const t = ld(KIND_TAB, v & 7);
      if (t >= 0) c = (v & 255) | (ld(rel, t + (v >>> 8)) << 8);
      break;
    }
    case PTE: {
      // A page-table entry counts without its position, and an empty one adds nothing (`pteTerm`).
      const x = ld(ENTRY_AUX, e);
      const r = (v >>> ((x & 7) * 4)) & 15;
      return r != 0 ? term(-1, ld(rel, T_MEM + x) * 16 + r) : 0;
    }
    default:
      unreachable();
  }
  return term(k, c);
}

/** Entries reading word j get their terms from `x` in place of the parent's, once each (`replaceTerms`). */
function replaceTerms(x: usize, j: i32): void {
  const end = ld(READER_START, j + 1);
  for (let q = ld(READER_START, j); q < end; q++) {
    const e = ld(READER_ENTRY, q);
    if (ld(STAMP, e) == epoch) continue;
    st(STAMP, e, epoch);
    const m = ld(READER_MEMBER, q);
    const rel = <usize>ld(REL_BASE, m);
    const k = ld(ENTRY_LOCAL, e);
    st(CHILD_SIG, m, ld(CHILD_SIG, m) - termOf(PARENT, rel, e, k) + termOf(x, rel, e, k));
  }
}

// ---- the representative: symmetry.ts `wordOf`, in the forward direction ----

/** Where word j of a state goes in its image under the permutation in PERM. */
@inline function image(j: i32): i32 {
  const t = ld(WORD_TAB, j);
  return t < 0 ? j : j + (ld(PERM, t) - ld(WORD_IDX, j)) * ld(WORD_STRIDE, j);
}

@inline function mark(to: i32, from: i32): void {
  const b = MARKS + ((<usize>(to >>> 5)) << 2);
  store<i32>(b, load<i32>(b) | (1 << (to & 31)));
  st(FROM_OF, to, from);
}

/** The value word `to` of the image takes, computed from word `from` of `s` (`wordOf`). */
@inline function mapped(s: usize, from: i32, to: i32): i32 {
  const v = ld(s, from);
  switch (ld(WORD_OP, from)) {
    case ROW: {
      // `from` is its row's first word: word k of the image row holds the entries of memory
      // objects 8k .. 8k + 7, each the source row's entry on its preimage (`moveRows`).
      const k = (to - ROW_BASE) % ROW_WORDS;
      let r = 0;
      for (let y = 0, x = k << 3; y < 8 && x < MEM_COUNT; y++, x++) {
        const z = ld(MEM_INV, x);
        r |= ((ld(s, from + (z >>> 3)) >>> ((z & 7) << 2)) & 15) << (y << 2);
      }
      return r;
    }
    case COPY:
      return v;
    case EC:
      return v >= 0 ? ld(PERM, T_EC + v) : v;
    case PD:
      return v >= 0 ? ld(PERM, T_PD + v) : v;
    case PT:
      return v >= 0 ? ld(PERM, T_PT + v) : v;
    case SLOT:
      return v >= 0 ? ld(PERM, T_SLOT + v) : v;
    case WAIT:
      return v < 0 ? v : ld(s, ld(WORD_AUX, from)) == EC_SM ? ld(PERM, T_SM + v) : ld(PERM, T_PT + v);
    case ITEM:
      return v == 0 ? v : ((ld(PERM, T_SLOT + (v >>> 4) - 1) + 1) << 4) | (v & 15);
    case VALUE:
      if (v > 0 && (v & SEALED) != 0) {
        const key = (v >>> 21) & 0xff;
        if (key < MEM_COUNT) return (v & ~(0xff << 21)) | (ld(PERM, T_MEM + key) << 21);
      }
      return v;
    case CAP: {
      const t = ld(KIND_TAB, v & 7);
      return t >= 0 ? (v & 255) | (ld(PERM, t + (v >>> 8)) << 8) : v;
    }
    case PARENT_OP:
      return ld(s, ld(WORD_AUX, from)) == NO_CAP || v < 0 ? v : ld(PERM, T_SLOT + (v & ~SNAPSHOT_MARK)) | (v & SNAPSHOT_MARK);
    default:
      unreachable();
  }
  return v;
}

/**
 * `canonicalDiff(x, d, n, ref, true)`: `x` is a successor of the parent set last, and `d[0..n)`
 * its difference from the reference. Leaves the successor's signatures, the member images (when
 * one moves) and the representative's signatures in memory, and returns the length of the
 * representative's difference written over `d`.
 */
export function canonicalDiff(x: usize, d: usize, n: i32): i32 {
  resumeSignatures();
  // The words where x and the parent differ, four at a time: cheaper than walking the two
  // differences from the reference (about 40 words each).
  const end = W & ~3;
  for (let j = 0; j < end; j += 4) {
    const at = (<usize>j) << 2;
    let mask = i32x4.bitmask(i32x4.ne(v128.load(x + at), v128.load(PARENT + at)));
    while (mask != 0) {
      replaceTerms(x, j + ctz(mask));
      mask &= mask - 1;
    }
  }
  for (let j = end; j < W; j++) if (ld(x, j) != ld(PARENT, j)) replaceTerms(x, j);
  return represent(x, d, n);
}

/**
 * `canonicalDiff` of `x` whose difference from the reference is not known yet. The words where
 * `x` differs from its parent are found sixteen at a time (few, so the loop rarely branches);
 * they give the successor's signatures, and the sort its representative. Its difference from
 * the reference is among the parent's words and those: when no member moves, the two lists are
 * merged at `d` (`mergeChanged`); otherwise the representative's words are computed from both,
 * with no merge. Returns the length of the representative's difference, left at `d`. The whole
 * vector is compared with the parent only, not also with the reference, where the differing
 * words are many more and scattered (docs/performance-history.md, twelfth and fourteenth
 * passes).
 */
export function scanCanonical(x: usize, d: usize): i32 {
  resumeSignatures();
  let c = 0;
  // Sixteen words a turn, one branch when none changed (nearly every turn).
  const end = W & ~15;
  for (let j = 0; j < end; j += 16) {
    const at = (<usize>j) << 2;
    const a = i32x4.ne(v128.load(x + at), v128.load(PARENT + at));
    const b = i32x4.ne(v128.load(x + at, 16), v128.load(PARENT + at, 16));
    const e = i32x4.ne(v128.load(x + at, 32), v128.load(PARENT + at, 32));
    const f = i32x4.ne(v128.load(x + at, 48), v128.load(PARENT + at, 48));
    if (!v128.any_true(v128.or(v128.or(a, b), v128.or(e, f)))) continue;
    let mask = i32x4.bitmask(a) | (i32x4.bitmask(b) << 4) | (i32x4.bitmask(e) << 8) | (i32x4.bitmask(f) << 12);
    while (mask != 0) {
      const i = j + ctz(mask);
      replaceTerms(x, i);
      st(CHANGED, c++, i);
      mask &= mask - 1;
    }
  }
  for (let j = end; j < W; j++) {
    if (ld(x, j) != ld(PARENT, j)) {
      replaceTerms(x, j);
      st(CHANGED, c++, j);
    }
  }
  if (!sortMembers()) return mergeChanged(x, d, c);
  // A representative that moves members: its difference is computed from the words where x
  // differs from the reference, which are among the parent's and the changed ones (a changed
  // word back at the reference's value is computed too, and drops out), with no merge.
  rewritePermutation();
  for (let p = 0; p < parentLength; p += 2) markWord(ld(PARENT_DIFF, p));
  for (let q = 0; q < c; q++) markWord(ld(CHANGED, q));
  return emitMarked(x, d);
}

/**
 * x's difference from the reference at `d`, when x is its own representative: the parent's
 * pairs with the `c` changed words' own values (a word back at the reference's value drops out),
 * a merge of two short lists in index order, as fingerprint.wat's `scan` writes it. Returns its length.
 */
function mergeChanged(x: usize, d: usize, c: i32): i32 {
  let w = 0;
  let p = 0;
  for (let q = 0; q < c; q++) {
    const j = ld(CHANGED, q);
    while (p < parentLength && ld(PARENT_DIFF, p) < j) {
      st(d, w, ld(PARENT_DIFF, p));
      st(d, w + 1, ld(PARENT_DIFF, p + 1));
      w += 2;
      p += 2;
    }
    if (p < parentLength && ld(PARENT_DIFF, p) == j) p += 2;
    const v = ld(x, j);
    if (v != ld(REF, j)) {
      st(d, w, j);
      st(d, w + 1, v);
      w += 2;
    }
  }
  for (; p < parentLength; p += 2) {
    st(d, w, ld(PARENT_DIFF, p));
    st(d, w + 1, ld(PARENT_DIFF, p + 1));
    w += 2;
  }
  return w;
}

/**
 * `scanCanonical` of the successors whose addresses are SLOT_ADDR[0..count), into the slots:
 * slot k gets successor k's representative's difference, length, fingerprint and signatures.
 * One call for a state's first successors (ahead.ts), where a call, a hash and a copy of the
 * signatures from JavaScript per successor cost more than the work they start.
 */
export function canonicalSlots(count: i32): void {
  for (let k = 0; k < count; k++) {
    const d = SLOT_DIFF + <usize>(k * SLOT_BYTES);
    const n = scanCanonical(<usize>ld(SLOT_ADDR, k), d);
    st(SLOT_LEN, k, n);
    fingerprint(d, n, SLOT_OUT + ((<usize>k) << 3));
    memory.copy(SLOT_SIG + ((<usize>(k * M)) << 2), REP_SIG, (<usize>M) << 2);
    memory.copy(SLOT_IMAGES + ((<usize>(k * M)) << 2), moved ? IMAGES : IDENTITY, (<usize>M) << 2);
  }
}

/** Whether the last canonicalisation moved a member: then IMAGES holds its member images, otherwise they are the identity's (IDENTITY). */
export function lastMoved(): bool {
  return moved;
}

/** The successor's signatures start as the parent's; entries get their own terms as `replaceTerms` meets them. */
function resumeSignatures(): void {
  for (let m = 0; m < M; m++) st(CHILD_SIG, m, ld(PARENT_SIG, m));
  if (++epoch == 1 << 30) {
    memory.fill(STAMP, 0, (<usize>ld(ENTRY_BASE, M)) << 2);
    epoch = 1;
  }
}

/** With the successor's signatures known: the sort, the permutation, and the representative's difference over `d[0..n)`, `x`'s. */
function represent(x: usize, d: usize, n: i32): i32 {
  if (!sortMembers()) return n;
  rewritePermutation();
  for (let k = 0; k < n; k += 2) markWord(ld(d, k));
  return emitMarked(x, d);
}

/** Each family sorted by the successor's signatures, ties by index (insertion sort: families are small): sets REP_SIG, and IMAGES when a member moves; returns whether one does. */
function sortMembers(): bool {
  // Most often the members are in order already: the parent's were (it is a representative),
  // and a step changes few signatures. Then no member moves, and the representative's
  // signatures are the successor's (IMAGES is read only when one moves).
  let sorted = true;
  for (let f = 0; f < F && sorted; f++) {
    const end = ld(FAM_START, f + 1);
    for (let m = ld(FAM_START, f) + 1; m < end; m++)
      if (ld(CHILD_SIG, m - 1) > ld(CHILD_SIG, m)) {
        sorted = false;
        break;
      }
  }
  moved = false;
  if (sorted) {
    memory.copy(REP_SIG, CHILD_SIG, (<usize>M) << 2);
    return false;
  }
  for (let f = 0; f < F; f++) {
    const base = ld(FAM_START, f);
    const len = ld(FAM_START, f + 1) - base;
    for (let i = 0; i < len; i++) st(ORDER, base + i, i);
    for (let a = 1; a < len; a++) {
      const xi = ld(ORDER, base + a);
      const xs = ld(CHILD_SIG, base + xi);
      let j = a - 1;
      while (j >= 0) {
        const oj = ld(ORDER, base + j);
        const os = ld(CHILD_SIG, base + oj);
        if (!(os > xs || (os == xs && oj > xi))) break;
        st(ORDER, base + j + 1, oj);
        j--;
      }
      st(ORDER, base + j + 1, xi);
    }
    for (let j = 0; j < len; j++) {
      const o = ld(ORDER, base + j);
      if (o != j) moved = true;
      st(IMAGES, base + o, j);
      st(REP_SIG, base + j, ld(CHILD_SIG, base + o));
    }
  }
  return moved;
}

/**
 * The permutation's tables (`permutation`) for the images `sortMembers` set: member i's objects
 * become those of member IMAGES[i]. Only members whose image differs from the one PERM holds are
 * rewritten: their entries and the inverse's on their images depend on nothing else (the images
 * of the members rewritten are the same set before and after, as both are permutations). The
 * slots of held slot classes, which move with two members, are all set again.
 */
function rewritePermutation(): void {
  for (let f = 0; f < F; f++) {
    const base = ld(FAM_START, f);
    const len = ld(FAM_START, f + 1) - base;
    for (let i = 0; i < len; i++) {
      const img = ld(IMAGES, base + i);
      if (ld(PERM_IMAGES, base + i) == img) continue;
      st(PERM_IMAGES, base + i, img);
      const from = ld(OBJ_START, base + i);
      const count = ld(OBJ_START, base + i + 1) - from;
      const to = ld(OBJ_START, base + img);
      for (let k = 0; k < count; k++) {
        const tab = ld(OBJ_TAB, from + k);
        const idx = ld(OBJ_IDX, to + k);
        st(PERM, tab, idx);
        if (tab >= T_MEM && tab < T_MEM + MEM_COUNT) st(MEM_INV, idx, tab - T_MEM);
      }
    }
  }
  // A held class's slot i of holder h goes to slot IMAGES[i] of holder IMAGES[h]'s class: it
  // depends on two members, so every such slot is set again (a few per replica).
  for (let r = 0; r < HELD_COUNT; r++) {
    const row = HELD + ((<usize>(r * 5)) << 2);
    st(PERM, ld(row, 0), ld(HELD_SLOTS, ld(row, 3) + ld(IMAGES, ld(row, 1)) * ld(row, 4) + ld(IMAGES, ld(row, 2))));
  }
}

/**
 * Marks the words of the image that read word j of the successor (with the word each is
 * computed from), j being one where it differs from the reference: `emitMarked` computes them.
 * A row word marks its whole image row (an entry can move to another word of it), each
 * computed from the row.
 */
@inline function markWord(j: i32): void {
  if (ld(WORD_OP, j) == ROW) {
    const from = j - (j - ROW_BASE) % ROW_WORDS;
    const to = image(from);
    for (let w = 0; w < ROW_WORDS; w++) mark(to + w, from);
    return;
  }
  mark(image(j), j);
  const dep = ld(WORD_DEP, j);
  if (dep >= 0) mark(image(dep), dep);
}

/** The marked words of x's image, computed in index order over `d` as pairs where they differ from the reference (the marks cleared); returns the length. */
function emitMarked(x: usize, d: usize): i32 {
  let w = 0;
  const blocks = (W + 31) >>> 5;
  for (let b = 0; b < blocks; b++) {
    let bits = ld(MARKS, b);
    if (bits == 0) continue;
    st(MARKS, b, 0);
    do {
      const low = bits & -bits;
      bits ^= low;
      const to = (b << 5) + 31 - clz(low);
      const v = mapped(x, ld(FROM_OF, to), to);
      if (v != ld(REF, to)) {
        st(d, w, to);
        st(d, w + 1, v);
        w += 2;
      }
    } while (bits != 0);
  }
  return w;
}
