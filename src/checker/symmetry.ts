// Symmetry reduction over replicas: the permutations of a replicated component's copies that map the system onto itself, and one representative per orbit of states.
import type { System } from "../components/step.js";
import { wordName } from "../components/names.js";
import { keysOf } from "../dsl/keys.js";
import type { ExprModel, ObjectRef, SystemModel } from "../dsl/model.js";
import { capKind, capObject, capRights, Kind, NO_CAP } from "../kernel/cap.js";
import { CPU, DEV, EC, EcState, MEM, PD, PT, SC, SLOT, SM, type Layout, type StateVector } from "../kernel/layout.js";
import { SNAPSHOT_MARK } from "../kernel/space.js";

/**
 * A permutation of the kernel's objects induced by permuting replicas (spec/invariants.md
 * §10.2): for each table, the image of every index. Objects outside the permuted replicas
 * (other components', spares, devices) map to themselves.
 */
export interface Permutation {
  readonly comp: Int32Array;
  readonly pd: Int32Array;
  readonly ec: Int32Array;
  readonly sc: Int32Array;
  readonly pt: Int32Array;
  readonly sm: Int32Array;
  readonly mem: Int32Array;
  readonly slot: Int32Array;
}

/** The objects of one replica, in the same order for every replica of its family. */
export interface Member {
  readonly comp: number;
  readonly ec: readonly number[];
  readonly sc: readonly number[];
  readonly pt: readonly number[];
  readonly sm: readonly number[];
  readonly mem: readonly number[];
  /** First global slot and count. */
  readonly slotBase: number;
  readonly slots: number;
  /** Model objects (for comparing programs). */
  readonly threads: readonly number[];
  readonly portals: readonly number[];
  readonly regions: readonly number[];
  readonly semaphores: readonly number[];
}

/** Object kinds a permutation maps, by capability kind. */
const CAP_TABLE: Partial<Record<number, keyof Permutation>> = { [Kind.PD]: "pd", [Kind.EC]: "ec", [Kind.SC]: "sc", [Kind.PT]: "pt", [Kind.SM]: "sm", [Kind.MEM]: "mem" };

const SEALED = 1 << 29;
/** Codes of a member's own objects (OWN + local index) and of its family's other members' objects, in signatures. */
const OWN = 1 << 20;
const OTHER = 1 << 21;
/** The code of a member's slot in slot class c (a slot of a component outside the family that holds one per member): OWN_CLASS + c. */
const OWN_CLASS = OWN + (1 << 16);
/**
 * Codes of another family's objects: FOREIGN + (family << 16) + local index, whichever of its
 * members holds them, so that permuting that family leaves a member's signature as it was
 * (families past the sixteenth share codes: a tie more, never a signature that moves). A slot
 * of one of another family's slot classes: FOREIGN_CLASS + class.
 */
const FOREIGN = 1 << 22;
const FOREIGN_CLASS = FOREIGN + (1 << 20);
const foreign = (family: number, local: number): number => FOREIGN + ((family & 15) << 16) + local;

/** A signature's seed, mixed with each entry's position. */
const SIGNATURE_SEED = 0x2545f491;

/** One step of a hash. */
const mix = (h: number, v: number): number => (Math.imul(h ^ v, 0x9e3779b1) + 0x7f4a7c15) | 0;

/**
 * A signature entry's term: entry `k` (its position among the member's entries) with code `c`
 * (its word, made relative), hashed and finalised (murmur3's fmix32). A signature is the sum of
 * its entries' terms (mod 2^32), not a hash of them in order, so a successor's is its parent's
 * with the terms of the entries whose words changed replaced: a step changes a few words.
 * Page-table entries are the exception (`pteTerm`).
 */
function term(k: number, c: number): number {
  let h = mix(mix(SIGNATURE_SEED, k), c);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The term of a page-table entry: what the member maps on memory object x, coded `c` (0: nothing).
 * These entries are indexed by memory object, whose order a permutation changes (a replica's
 * own object is mapped at another index in the permuted state), so they count as a multiset:
 * hashed without their position, and an empty one adds nothing.
 */
function pteTerm(c: number): number {
  return c === 0 ? 0 : term(-1, c);
}

/**
 * Whether word `w` of an EC record holds a value, which may be sealed with a key: a message
 * word, or a variable's value (not its labels word; `ec.ts`, `setVar`).
 */
function holdsValue(L: Layout, w: number): boolean {
  const vars = EC.MSG + L.config.msgWords;
  return w >= EC.MSG && (w < vars || (w - vars) % 2 === 0);
}

/**
 * A value's code in a signature: a value sealed with a memory object's key (spec/language.md,
 * `seal`) names the object, made relative to the member (`rel`, its memory table), as a
 * permutation maps the key (`apply`); any other value is itself.
 */
function sealedCode(v: number, rel: Int32Array): number {
  if (v > 0 && (v & SEALED) !== 0) {
    const key = (v >>> 21) & 0xff;
    if (key < rel.length) return mix(v & ~(0xff << 21), rel[key]!);
  }
  return v;
}

/**
 * A slot's derivation-tree parent's code in a signature (word SLOT.PARENT, the slot's
 * capability `cap`): the parent slot made relative to the member (`rel`, its slot table), and
 * its snapshot mark, as a permutation maps them (`apply`); meaningless, and itself, in an empty slot.
 */
function parentCode(v: number, cap: number, rel: Int32Array): number {
  if (cap === NO_CAP || v < 0) return v;
  return rel[v & ~SNAPSHOT_MARK]! + ((v & SNAPSHOT_MARK) !== 0 ? 1 << 24 : 0);
}

/** Tables indexed by object, one per kind a permutation maps. */
type Tables = Readonly<Record<"pd" | "ec" | "sc" | "pt" | "sm" | "mem", Int32Array>>;

/**
 * A member's view of the object tables: each index's code in its signature; `byKind` as
 * `byCapKind` gives them; `slot` for global slots (its own, its family's other members', and
 * those of the slot classes that hold one slot per member).
 */
type Relative = Tables & { readonly byKind: readonly (Int32Array | null)[]; readonly slot: Int32Array };

/** The tables by capability kind (cap.ts `Kind`): null for the kinds no permutation moves. */
function byCapKind(t: Tables): readonly (Int32Array | null)[] {
  return [null, t.pd, t.ec, t.sc, t.pt, t.sm, t.mem, null];
}

/** A capability word (cap.ts: kind and rights in the low byte, the object above) with its object mapped through its kind's table. */
function mapCap(c: number, tables: readonly (Int32Array | null)[]): number {
  const t = tables[c & 7];
  return t ? (c & 255) | (t[c >>> 8]! << 8) : c;
}

/**
 * Word operations of the compiled forms below. A permutation's `apply` and a member's
 * `signature` walk the layout's tables and branch on each word's role; for the
 * canonicaliser, which runs on every successor, each is compiled once into a flat list of
 * (word, operation) entries that gives the same result.
 */
const Op = {
  /** The word as it is. */
  COPY: 0,
  /** An index into a table, or negative for none: EC, PD, PT, global slot. */
  EC: 1,
  PD: 2,
  PT: 3,
  SLOT: 4,
  /** EC.WAIT: a semaphore while the EC's state (word `aux`) is SM, a portal otherwise. */
  WAIT: 5,
  /** EC.MSG_CAP: a UTCB item (ipc.ts `packItem`). */
  ITEM: 6,
  /** A value that may be sealed with a key (a memory object). */
  VALUE: 7,
  /** A capability word (`mapCap`). */
  CAP: 8,
  /** SLOT.PARENT: a global slot with the snapshot mark, meaningful unless the slot's capability (word `aux`) is empty. */
  PARENT: 9,
  /** In a signature: the 4-bit page-table entry on memory object `aux` (`pteTerm`). */
  PTE: 10,
  /**
   * In `diffTables`' forward form: a word of a page-table or TLB row. The row moves with its PD
   * and, within it, the 4-bit entry on memory object x goes to that on p(x) (`moveRows`).
   */
  ROW: 11,
} as const;

/**
 * `apply` of one permutation, compiled: after a copy of the state, each entry writes word
 * `to` from word `from` through its operation, and every other word stays. Entries are
 * grouped by operation (`groups[op]`, each a flat list of (to, from, aux) triples) so that
 * each group runs as a loop of its own; no two entries write the same word, so the order
 * does not matter. When the permutation moves memory objects, the page-table and TLB rows
 * are rebuilt as `apply` does.
 */
interface ApplyPlan {
  readonly p: Permutation;
  readonly tables: readonly (Int32Array | null)[];
  readonly groups: readonly Int32Array[];
  readonly memMoved: boolean;
  /** Per word of the result: the word it is computed from, the operation, and the word the operation also reads. */
  readonly fromAt: Int32Array;
  readonly opAt: Uint8Array;
  readonly auxAt: Int32Array;
  /**
   * Per word j of the state, the words of the result that read it: `deps[depStart[j]..depStart[j + 1])`.
   * Null when memory objects move (`canonicalDiff` then applies the whole permutation).
   */
  readonly depStart: Int32Array | null;
  readonly deps: Int32Array | null;
  /** Whether p(ref) = ref, known for `checkedRef`. */
  checkedRef: StateVector | null;
  diffOk: boolean;
}

/** A member's `signature`, compiled: its entries (the words it reads, in order), each made relative through its operation. */
interface SignaturePlan {
  readonly rel: Relative;
  readonly at: Int32Array;
  readonly op: Uint8Array;
  readonly aux: Int32Array;
  /**
   * Per entry, the position its term is hashed with: its own, but for the slots of a held slot
   * class, which all take the first one's (in the holder's signature and in the other family's
   * replicas'), so that their terms add up to the same sum whichever order the other family's
   * permutations leave them in.
   */
  readonly key: Int32Array;
}

/**
 * A slot class: one slot per replica of `family`, each holding a capability to that replica's
 * object at boot. Held by a component outside every family, or (`holder`) by a replica of
 * another family, which holds one such class like every other replica of its family: the
 * classes of one `kind` (the index of the one its first replica holds), at the same places in
 * each holder's slots. A permutation moves a held class's slots with both families: slot i of
 * holder h's class goes to slot p(i) of holder p(h)'s.
 */
interface SlotClass {
  readonly family: number;
  readonly slots: readonly number[];
  readonly holder: { readonly family: number; readonly member: number } | null;
  readonly kind: number;
}

/** `Symmetry.diffTables`: members numbered across families, signature entries across members. */
export interface DiffTables {
  readonly words: number;
  /** Families' first members, and the member count after the last. */
  readonly familyStart: Int32Array;
  /** Per member, its first entry; the entry count after the last. */
  readonly entryBase: Int32Array;
  /** Per entry: the word it reads, its operation (`Op`), its aux word, its position in its member's signature. */
  readonly entryAt: Int32Array;
  readonly entryOp: Int32Array;
  readonly entryAux: Int32Array;
  readonly entryLocal: Int32Array;
  /** Per member: its relative tables, concatenated as a permutation's (`offsets`). */
  readonly rel: readonly Int32Array[];
  /** Per state word j, the entries reading it: `readerMember/Entry[readerStart[j]..readerStart[j + 1])`. */
  readonly readerStart: Int32Array;
  readonly readerMember: Int32Array;
  readonly readerEntry: Int32Array;
  /** A permutation's tables concatenated: their length, the identity's, and each table's offset. */
  readonly permWords: number;
  readonly permIdentity: Int32Array;
  readonly offsets: Readonly<Record<"pd" | "ec" | "sc" | "pt" | "sm" | "mem" | "slot", number>>;
  readonly memCount: number;
  /** Where the page-table rows start (the TLB's follow), and each row's words. */
  readonly rowBase: number;
  readonly rowWords: number;
  /** Per capability kind, its table's offset, or -1 for kinds no permutation moves. */
  readonly kindTab: Int32Array;
  /** Per member, its objects: `objTab/objIdx[objStart[m]..objStart[m + 1])`. */
  readonly objStart: Int32Array;
  readonly objTab: Int32Array;
  readonly objIdx: Int32Array;
  /**
   * The slots of held slot classes, which move with two members (spec/invariants.md §10.2):
   * per slot, five words — its entry in the permutation's tables, its holder (a member,
   * numbered across families), the member of the other family it holds a capability to, the
   * first of its kind's slots in `heldSlots`, and that family's size. Slot i of holder h's class
   * goes to `heldSlots[first + images[h] * size + images[i]]`.
   */
  readonly held: Int32Array;
  /** Per kind of held class, per holder in family order, its class's slots in order. */
  readonly heldSlots: Int32Array;
  /** Per state word: its object's table entry (-1: it never moves), index and record size; its operation and aux word; the word reading it as aux (-1: none). */
  readonly wordTab: Int32Array;
  readonly wordIdx: Int32Array;
  readonly wordStride: Int32Array;
  readonly wordOp: Int32Array;
  readonly wordAux: Int32Array;
  readonly wordDep: Int32Array;
}

/** At most this many compiled permutations are kept (N! of them for N replicas). */
const MAX_PLANS = 5040;

/**
 * The replicas whose permutations are automorphisms of a scenario, and the canonicaliser
 * that maps each state to a representative of its orbit. Built by `symmetryOf`, which
 * checks every condition first; a Symmetry exists only when the reduction is sound.
 */
export class Symmetry {
  /** A state is canonicalised into `out`, valid until the next call. */
  private readonly out: StateVector;
  private readonly sig: Int32Array;
  private readonly order: number[][];
  private readonly images: number[][];
  private scratch: Permutation | null = null;
  /** Per family and member: every object index of each table, relative to the member (OWN + its local index, OTHER for another member's, `foreign` for another family's). */
  private readonly rel: Relative[][];
  /** ECs of components outside every family: their references into a family count in its members' signatures. */
  private readonly outside: number[];
  /** Global slots of no member and no slot class: what they hold of a member, and derive from it, counts in its signature. */
  private readonly outsideSlots: number[];
  /**
   * Per family, whether some thread seals with a memory object of its members as the key: then
   * a value sealed with a member's key may be held outside the family, and the members'
   * signatures read the value words of the ECs and memory objects outside it (`outsideMem`).
   */
  private readonly sealsOutside: readonly boolean[];
  private readonly outsideMem: number[];
  /** `diffTables`, built once. */
  private tables: DiffTables | null = null;
  /** Compiled permutations by the code of their member images (`planOf`). */
  private readonly plans = new Map<number, ApplyPlan>();
  /**
   * `canonicalDiff`'s scratch: a bit per state word, set for the words of the result to compute.
   * Read back in index order, they give the pairs already sorted, with no insertion sort (as
   * fast, measured, and simpler). All clear between calls.
   */
  private readonly marks: Int32Array;
  /**
   * Members are also numbered across families (family by family: family fi's member i is
   * `memberBase[fi] + i`), and so are signature entries (member m's entry k is `entryBase[m] + k`).
   */
  private readonly memberBase: Int32Array;
  private readonly entryBase: Int32Array;
  /** Per member (numbered across families): its signature, compiled. */
  private readonly memberPlans: SignaturePlan[];
  /** `setParent`: the parent, its difference from the reference, and each member's signature. */
  private parent: StateVector | null = null;
  private parentDiff: Int32Array | null = null;
  private parentLength = 0;
  private readonly parentSig: Int32Array;
  /** A successor's signatures, per member (`childSignatures`). */
  private readonly childSig: Int32Array;
  /** `childSignatures`' scratch: the entries whose term it has replaced carry `entryEpoch`. */
  private readonly entryStamp: Int32Array;
  private entryEpoch = 0;
  /** The successor's difference, during `canonicalDiff`. */
  private childDiff: Int32Array | null = null;
  private childLength = 0;
  /** Per state word j, the signature entries that read it: `readerMember/Entry[readerStart[j]..readerStart[j + 1])` (member numbered across families, entry within it). */
  private readonly readerStart: Int32Array;
  private readonly readerMember: Int32Array;
  private readonly readerEntry: Int32Array;

  constructor(
    private readonly L: Layout,
    /** Families of interchangeable replicas, each at least two. */
    readonly families: readonly (readonly Member[])[],
    /** Per slot class: the slot of each member of the family it refers to, and who holds it. */
    private readonly slotClasses: readonly SlotClass[],
    /**
     * Whether an invariant judged on the explored graph follows one replica, or one replica's EC,
     * along paths (`available` on a replicated portal, `deadlock_free` on replicas whose ECs can
     * wait without a timeout; spec/invariants.md §10.2): then the graph keeps, with each edge, the
     * member images of the permutation that took its successor to its representative (`Ahead.images`).
     */
    readonly follows = false,
  ) {
    this.out = new Int32Array(L.words);
    this.marks = new Int32Array((L.words + 31) >>> 5);
    this.sig = new Int32Array(Math.max(...families.map((f) => f.length)));
    this.order = families.map((f) => f.map((_, i) => i));
    this.images = families.map((f) => f.map((_, i) => i));
    // Member mi of family fi's view: its own objects, its family's others', every other family's.
    const code = (fi: number, mi: number, fo: number, j: number, local: number): number => (fo !== fi ? foreign(fo, local) : j === mi ? OWN + local : OTHER);
    const table = (n: number, fi: number, mi: number, of: (m: Member) => readonly number[]): Int32Array => {
      const t = Int32Array.from({ length: n }, (_, i) => i);
      families.forEach((g, fo) => g.forEach((m, j) => of(m).forEach((x, local) => (t[x] = code(fi, mi, fo, j, local)))));
      return t;
    };
    this.rel = families.map((f, fi) =>
      f.map((_, mi) => {
        const t: Tables = {
          pd: table(L.counts.pd, fi, mi, (m) => [m.comp]),
          ec: table(L.counts.ec, fi, mi, (m) => m.ec),
          sc: table(L.counts.sc, fi, mi, (m) => m.sc),
          pt: table(L.counts.pt, fi, mi, (m) => m.pt),
          sm: table(L.counts.sm, fi, mi, (m) => m.sm),
          mem: table(L.counts.mem, fi, mi, (m) => m.mem),
        };
        const slot = Int32Array.from({ length: L.counts.slots }, (_, g) => g);
        families.forEach((g, fo) =>
          g.forEach((m, j) => {
            for (let k = 0; k < m.slots; k++) slot[m.slotBase + k] = code(fi, mi, fo, j, k);
          }),
        );
        slotClasses.forEach((c, ci) =>
          c.slots.forEach((g, j) => {
            const h = c.holder;
            if (!h) slot[g] = c.family !== fi ? FOREIGN_CLASS + ci : j === mi ? OWN_CLASS + ci : OTHER;
            // A held class's slots are its holder's, coded at the class's first place in its
            // slots whichever of them it is (the other family's permutations move them among
            // themselves); to the other family's replicas, as a class of its kind.
            else if (c.family === fi) slot[g] = j === mi ? OWN_CLASS + c.kind : OTHER;
            else {
              const first = Math.min(...c.slots) - families[h.family]![h.member]!.slotBase;
              slot[g] = h.family !== fi ? foreign(h.family, first) : h.member === mi ? OWN + first : OTHER;
            }
          }),
        );
        return { ...t, byKind: byCapKind(t), slot };
      }),
    );
    const inFamily = new Set(families.flatMap((f) => f.flatMap((m) => m.ec)));
    this.outside = Array.from({ length: L.counts.ec }, (_, e) => e).filter((e) => !inFamily.has(e));
    const familySlots = new Set([...families.flatMap((f) => f.flatMap((m) => Array.from({ length: m.slots }, (_, k) => m.slotBase + k))), ...slotClasses.flatMap((c) => c.slots)]);
    this.outsideSlots = Array.from({ length: L.counts.slots }, (_, g) => g).filter((g) => !familySlots.has(g));
    const keys = new Set(L.model.threads.flatMap((t) => [...keysOf(t.body, "seal")]));
    this.sealsOutside = families.map((f) => f.some((m) => m.mem.some((x) => keys.has(x))));
    const familyMem = new Set(families.flatMap((f) => f.flatMap((m) => m.mem)));
    this.outsideMem = Array.from({ length: L.counts.mem }, (_, x) => x).filter((x) => !familyMem.has(x));
    this.memberPlans = families.flatMap((f, fi) => f.map((_, i) => this.signaturePlan(fi, i)));
    this.memberBase = new Int32Array(families.length);
    families.forEach((f, fi) => fi > 0 && (this.memberBase[fi] = this.memberBase[fi - 1]! + families[fi - 1]!.length));
    const members = this.memberPlans.length;
    this.entryBase = new Int32Array(members + 1);
    this.memberPlans.forEach((plan, m) => (this.entryBase[m + 1] = this.entryBase[m]! + plan.at.length));
    this.parentSig = new Int32Array(members);
    this.childSig = new Int32Array(members);
    this.entryStamp = new Int32Array(this.entryBase[members]!);
    const readers: { word: number; member: number; entry: number }[] = [];
    this.memberPlans.forEach((plan, m) =>
      plan.at.forEach((word, k) => {
        readers.push({ word, member: m, entry: k });
        if (plan.op[k] === Op.WAIT || plan.op[k] === Op.PARENT) readers.push({ word: plan.aux[k]!, member: m, entry: k });
      }),
    );
    readers.sort((a, b) => a.word - b.word);
    this.readerStart = new Int32Array(L.words + 1);
    for (const r of readers) this.readerStart[r.word + 1]!++;
    for (let j = 0; j < L.words; j++) this.readerStart[j + 1]! += this.readerStart[j]!;
    this.readerMember = Int32Array.from(readers, (r) => r.member);
    this.readerEntry = Int32Array.from(readers, (r) => r.entry);
  }

  /** How the report names the reduction: "worker (3 replicas), client (2 replicas)", with the families left in place and why. */
  describe(model: SystemModel): string {
    const used = this.families.map((f) => `${model.components[f[0]!.comp]!.group} (${f.length} replicas)`).join(", ");
    return used + this.leftOut.map((x) => `, not ${x.group} (${x.why})`).join("");
  }

  /** Replicated components that are not permuted, and why (for the report; `symmetryOf`). */
  private leftOut: readonly { readonly group: string; readonly why: string }[] = [];

  /** This symmetry, noting the families `symmetryOf` left in place. */
  leaving(leftOut: readonly { readonly group: string; readonly why: string }[]): this {
    this.leftOut = leftOut;
    return this;
  }

  /**
   * The permutation that sends, in each family, member `images[f][i]` to where member i was:
   * member i's objects become member images[f][i]'s.
   */
  permutation(images: readonly (readonly number[])[], into: Permutation | null = null): Permutation {
    const L = this.L;
    const id = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
    // Reusing `into`: every entry of a member's objects is written again; all others stay identity.
    const p = into ?? {
      comp: id(L.model.components.length),
      pd: id(L.counts.pd),
      ec: id(L.counts.ec),
      sc: id(L.counts.sc),
      pt: id(L.counts.pt),
      sm: id(L.counts.sm),
      mem: id(L.counts.mem),
      slot: id(L.counts.slots),
    };
    this.families.forEach((f, fi) => {
      f.forEach((m, i) => {
        const t = f[images[fi]![i]!]!;
        p.comp[m.comp] = t.comp;
        p.pd[m.comp] = t.comp;
        m.ec.forEach((e, k) => (p.ec[e] = t.ec[k]!));
        m.sc.forEach((e, k) => (p.sc[e] = t.sc[k]!));
        m.pt.forEach((e, k) => (p.pt[e] = t.pt[k]!));
        m.sm.forEach((e, k) => (p.sm[e] = t.sm[k]!));
        m.mem.forEach((e, k) => (p.mem[e] = t.mem[k]!));
        for (let k = 0; k < m.slots; k++) p.slot[m.slotBase + k] = t.slotBase + k;
      });
    });
    for (const c of this.slotClasses) {
      const img = images[c.family]!;
      const to = c.holder ? this.heldClass(c.kind, images[c.holder.family]![c.holder.member]!) : c;
      c.slots.forEach((g, i) => (p.slot[g] = to.slots[img[i]!]!));
    }
    return p;
  }

  /** The class of `kind` that replica `member` of its holders' family holds. */
  private heldClass(kind: number, member: number): SlotClass {
    return this.slotClasses.find((c) => c.kind === kind && c.holder!.member === member)!;
  }

  /** The transpositions of each family's first member with each other one: they generate the group. */
  generators(): Permutation[] {
    return this.families.flatMap((_, fi) => this.familyGenerators(fi));
  }

  /** The transpositions of family `fi`'s first replica with each other one (the others left in place): they generate its permutations. */
  familyGenerators(fi: number): Permutation[] {
    const out: Permutation[] = [];
    for (let j = 1; j < this.families[fi]!.length; j++) {
      const images = this.families.map((g) => g.map((_, i) => i));
      images[fi]![0] = j;
      images[fi]![j] = 0;
      out.push(this.permutation(images));
    }
    return out;
  }

  /**
   * A representative of the orbit of `s`: the replicas of each family sorted by a signature
   * of their own state (what they hold, run and map, with references to their own objects
   * made relative). Always a permutation of `s` by the group, so exploring representatives
   * reaches every orbit; two states of one orbit usually, not always, get the same one
   * (replicas with equal signatures keep their order), which costs states, never soundness.
   * Returns `s` itself when it is its own representative; otherwise a vector that is
   * overwritten by the next call.
   */
  canonical(s: StateVector): StateVector {
    if (!this.sortMembers(s)) return s;
    const plan = this.planOf(this.images);
    if (plan) {
      this.applyPlan(plan, s, this.out);
      return this.out;
    }
    this.scratch = this.permutation(this.images, this.scratch);
    this.apply(this.scratch, s, this.out);
    return this.out;
  }

  /**
   * `canonical` on differences: given `s` and its difference from `ref` (the initial state) in
   * `d[0..n)` as (index, value) pairs in index order (`StateFingerprinter`), rewrites `d` with
   * the representative's difference from `ref` and returns its length; `d` has room for a whole
   * state's. The representative's words are computed only where they can differ from `ref`:
   * every permutation maps the initial state onto itself (`symmetryOf` checks it), so a word of
   * p(s) that reads only words where `s` equals `ref` equals `ref`'s. Sets `lastImages` as
   * `canonical` does. With `fromParent`, `s` is a successor of the state last given to
   * `setParent`, whose signatures it starts from.
   */
  canonicalDiff(s: StateVector, d: Int32Array, n: number, ref: StateVector, fromParent = false): number {
    if (fromParent) {
      if (this.parent === null) throw new Error("canonicalDiff from a parent before setParent");
      this.childDiff = d;
      this.childLength = n;
    }
    if (!this.sortMembers(s, fromParent)) return n;
    const plan = this.planOf(this.images);
    if (!plan || !this.worksOnDiffs(plan, ref)) return this.wholeDiff(s, d, ref, plan);
    // The words of p(s) that read a word where s differs from ref: marked first (`d` is read
    // whole before it is written), then computed in index order, written over `d`.
    const marks = this.marks;
    const { depStart, deps } = plan;
    for (let k = 0; k < n; k += 2) {
      const j = d[k]!;
      for (let q = depStart![j]!, end = depStart![j + 1]!; q < end; q++) {
        const to = deps![q]!;
        marks[to >>> 5]! |= 1 << (to & 31);
      }
    }
    let w = 0;
    for (let b = 0; b < marks.length; b++) {
      let bits = marks[b]!;
      if (bits === 0) continue;
      marks[b] = 0;
      do {
        const low = bits & -bits;
        bits ^= low;
        const to = (b << 5) + 31 - Math.clz32(low);
        const v = this.wordOf(plan, s, to);
        if (v !== ref[to]) {
          d[w] = to;
          d[w + 1] = v;
          w += 2;
        }
      } while (bits !== 0);
    }
    return w;
  }

  /**
   * The state whose successors `canonicalDiff(…, fromParent)` will be asked about, and its
   * difference from the reference in `d[0..n)`: both must stay unchanged meanwhile. A
   * successor's signatures are the parent's with the terms of the entries whose words changed
   * replaced (`childSignatures`): a step changes a few words, most of them read by few members.
   * `sigs` are the parent's signatures if known (`representativeSignatures` gave them when it
   * was found), numbered across families; otherwise they are computed here.
   */
  setParent(s: StateVector, d: Int32Array, n: number, sigs: Int32Array | null = null): void {
    this.parent = s;
    this.parentDiff = d;
    this.parentLength = n;
    const own = this.parentSig;
    if (sigs) for (let m = 0; m < own.length; m++) own[m] = sigs[m]!;
    else this.signaturesOf(s, own);
  }

  /** How many members there are in all families: the length of a state's signatures. */
  get members(): number {
    return this.memberPlans.length;
  }

  /** Every member's signature of `s` into `out`, members numbered across families. */
  signaturesOf(s: StateVector, out: Int32Array): Int32Array {
    for (let m = 0; m < this.memberPlans.length; m++) out[m] = this.signatureFrom(s, this.memberPlans[m]!);
    return out;
  }

  /**
   * The signatures of the representative the last `canonicalDiff(…, fromParent)` found, into
   * `out`: the successor's, in the order the representative puts its members. Signatures are
   * invariant (member i's in s is member p(i)'s in p(s)), so these are the representative's own
   * and need not be computed again when it becomes a parent.
   */
  representativeSignatures(out: Int32Array): Int32Array {
    const sig = this.childSig;
    for (let fi = 0; fi < this.families.length; fi++) {
      const base = this.memberBase[fi]!;
      const img = this.images[fi]!;
      // Member i went to position img[i].
      for (let i = 0; i < img.length; i++) out[base + img[i]!] = sig[base + i]!;
    }
    return out;
  }

  /**
   * For a successor `x` of the parent: each member's signature into `childSig`, from the
   * parent's. The words where `x` and the parent differ are among those where either differs
   * from the reference (the parent's difference and `x`'s, `childDiff`, both in index order);
   * each entry reading one of them has its term replaced, once.
   */
  private childSignatures(x: StateVector): void {
    const sig = this.childSig;
    const parentSig = this.parentSig;
    for (let m = 0; m < sig.length; m++) sig[m] = parentSig[m]!;
    if (++this.entryEpoch === 2 ** 30) {
      this.entryStamp.fill(0);
      this.entryEpoch = 1;
    }
    // A word where `x` and the parent differ is in the parent's difference from the reference or
    // in `x`'s (elsewhere both equal the reference). A word in both is replaced twice, the
    // second time at no cost (`entryStamp`): as fast as merging the two lists, and simpler.
    const parent = this.parent!;
    const pd = this.parentDiff!;
    const cd = this.childDiff!;
    for (let a = 0, pn = this.parentLength; a < pn; a += 2) {
      const j = pd[a]!;
      if (x[j] !== parent[j]) this.replaceTerms(x, j);
    }
    for (let b = 0, cn = this.childLength; b < cn; b += 2) {
      const j = cd[b]!;
      if (x[j] !== parent[j]) this.replaceTerms(x, j);
    }
  }

  /** `childSignatures` for a word j where `x` and the parent differ: each entry reading it (not yet replaced) gets its term from `x`. */
  private replaceTerms(x: StateVector, j: number): void {
    const { childSig: sig, entryStamp, entryBase, readerStart, readerMember, readerEntry, memberPlans } = this;
    const parent = this.parent!;
    const epoch = this.entryEpoch;
    for (let q = readerStart[j]!, end = readerStart[j + 1]!; q < end; q++) {
      const m = readerMember[q]!;
      const k = readerEntry[q]!;
      const e = entryBase[m]! + k;
      if (entryStamp[e] === epoch) continue;
      entryStamp[e] = epoch;
      const plan = memberPlans[m]!;
      sig[m] = (sig[m]! - this.termOf(parent, plan, k) + this.termOf(x, plan, k)) | 0;
    }
  }

  /**
   * Sorts each family's members by signature into `order` and sets `images`; returns whether
   * any member moved (if not, `images` is the identity).
   */
  private sortMembers(s: StateVector, fromParent = false): boolean {
    let moved = false;
    if (fromParent) this.childSignatures(s);
    for (let fi = 0; fi < this.families.length; fi++) {
      const f = this.families[fi]!;
      const order = this.order[fi]!;
      const base = this.memberBase[fi]!;
      for (let i = 0; i < f.length; i++) {
        this.sig[i] = fromParent ? this.childSig[base + i]! : this.signatureFrom(s, this.memberPlans[base + i]!);
        order[i] = i;
      }
      // Insertion sort by signature, ties by index (families are small).
      const sig = this.sig;
      for (let a = 1; a < f.length; a++) {
        const x = order[a]!;
        let j = a - 1;
        while (j >= 0 && (sig[order[j]!]! > sig[x]! || (sig[order[j]!]! === sig[x]! && order[j]! > x))) {
          order[j + 1] = order[j]!;
          j--;
        }
        order[j + 1] = x;
      }
      for (let i = 0; i < f.length; i++) if (order[i] !== i) moved = true;
    }
    if (!moved) {
      for (const img of this.images) for (let j = 0; j < img.length; j++) img[j] = j;
      return false;
    }
    // Member order[j] goes to position j: images[order[j]] = j.
    for (let fi = 0; fi < this.families.length; fi++) {
      const order = this.order[fi]!;
      const img = this.images[fi]!;
      for (let j = 0; j < order.length; j++) img[order[j]!] = j;
    }
    return true;
  }

  /** Whether `canonicalDiff` may compute only the words that read a difference: p moves no memory object (whose rows `moveRows` rebuilds whole) and p(ref) = ref. */
  private worksOnDiffs(plan: ApplyPlan, ref: StateVector): boolean {
    if (plan.depStart === null) return false;
    if (plan.checkedRef !== ref) {
      const img = new Int32Array(ref.length);
      this.applyPlan(plan, ref, img);
      plan.checkedRef = ref;
      plan.diffOk = sameState(img, ref);
    }
    return plan.diffOk;
  }

  /** Word `to` of p(s), as `applyPlan` computes it. */
  private wordOf(plan: ApplyPlan, s: StateVector, to: number): number {
    const p = plan.p;
    const v = s[plan.fromAt[to]!]!;
    switch (plan.opAt[to]) {
      case Op.COPY:
        return v;
      case Op.EC:
        return v >= 0 ? p.ec[v]! : v;
      case Op.PD:
        return v >= 0 ? p.pd[v]! : v;
      case Op.PT:
        return v >= 0 ? p.pt[v]! : v;
      case Op.SLOT:
        return v >= 0 ? p.slot[v]! : v;
      case Op.WAIT:
        return v < 0 ? v : s[plan.auxAt[to]!] === EcState.SM ? p.sm[v]! : p.pt[v]!;
      case Op.ITEM:
        return v === 0 ? v : ((p.slot[(v >>> 4) - 1]! + 1) << 4) | (v & 15);
      case Op.VALUE: {
        if (v > 0 && (v & SEALED) !== 0) {
          const key = (v >>> 21) & 0xff;
          if (key < p.mem.length) return (v & ~(0xff << 21)) | (p.mem[key]! << 21);
        }
        return v;
      }
      case Op.CAP:
        return mapCap(v, plan.tables);
      case Op.PARENT:
        return s[plan.auxAt[to]!] === NO_CAP || v < 0 ? v : p.slot[v & ~SNAPSHOT_MARK]! | (v & SNAPSHOT_MARK);
      default:
        throw new Error(`symmetry: unknown word operation ${plan.opAt[to]}`);
    }
  }

  /**
   * The tables `canonicalDiff(…, fromParent)` works from, for its WebAssembly form
   * (symmetry-wasm.ts, assembly/symmetry.ts): the compiled signatures and the words reading each
   * state word, as here; and `apply` in the forward direction, independent of the permutation.
   * Word j of a state goes to word `j + (p[tab] - idx) * stride` of its image, where `tab` is the
   * entry of j's object in the permutation's tables concatenated (`offsets`: pd, ec, sc, pt, sm,
   * mem, slot), or -1 for a word that never moves; its value is mapped by its operation as
   * `applyPlan` maps it (the identity's compiled form gives every word's operation), except page-
   * table and TLB rows, whose words are computed from their whole row (`Op.ROW`). A family's
   * members list their objects in the same order (`objTab`, `objIdx`), so a permutation's tables
   * are those of member i's objects set to member images[i]'s.
   */
  diffTables(): DiffTables {
    this.tables ??= this.buildDiffTables();
    return this.tables;
  }

  private buildDiffTables(): DiffTables {
    const L = this.L;
    const c = L.counts;
    const b = L.base;
    const offsets = { pd: 0, ec: c.pd, sc: c.pd + c.ec, pt: c.pd + c.ec + c.sc, sm: c.pd + c.ec + c.sc + c.pt, mem: c.pd + c.ec + c.sc + c.pt + c.sm, slot: c.pd + c.ec + c.sc + c.pt + c.sm + c.mem };
    const permWords = offsets.slot + c.slots;
    // The identity: each table's indices in turn.
    const permIdentity = Int32Array.from([c.pd, c.ec, c.sc, c.pt, c.sm, c.mem, c.slots].flatMap((n) => Array.from({ length: n }, (_, i) => i)));
    const kindTab = Int32Array.from([-1, offsets.pd, offsets.ec, offsets.sc, offsets.pt, offsets.sm, offsets.mem, -1]);
    // Relative tables per member, in the same concatenation.
    const rel = this.families.flatMap((f, fi) =>
      f.map((_, i) => {
        const r = this.rel[fi]![i]!;
        const block = new Int32Array(permWords);
        block.set(r.pd, offsets.pd);
        block.set(r.ec, offsets.ec);
        block.set(r.sc, offsets.sc);
        block.set(r.pt, offsets.pt);
        block.set(r.sm, offsets.sm);
        block.set(r.mem, offsets.mem);
        block.set(r.slot, offsets.slot);
        return block;
      }),
    );
    // Member objects, in one order per family; a free slot class's slot counts as its member's (a held class's moves with two members: `held`).
    const objStart: number[] = [0];
    const objTab: number[] = [];
    const objIdx: number[] = [];
    this.families.forEach((f, fi) =>
      f.forEach((m, i) => {
        const add = (off: number, x: number): void => void (objTab.push(off + x), objIdx.push(x));
        add(offsets.pd, m.comp);
        m.ec.forEach((x) => add(offsets.ec, x));
        m.sc.forEach((x) => add(offsets.sc, x));
        m.pt.forEach((x) => add(offsets.pt, x));
        m.sm.forEach((x) => add(offsets.sm, x));
        m.mem.forEach((x) => add(offsets.mem, x));
        for (let k = 0; k < m.slots; k++) add(offsets.slot, m.slotBase + k);
        for (const cl of this.slotClasses) if (cl.family === fi && cl.holder === null) add(offsets.slot, cl.slots[i]!);
        objStart.push(objTab.length);
      }),
    );
    // Held classes' slots, which move with their holder and with the member they name.
    const held: number[] = [];
    const heldSlots: number[] = [];
    const firstOfKind = new Map<number, number>();
    for (const cl of this.slotClasses) {
      if (!cl.holder) continue;
      const holders = this.families[cl.holder.family]!.length;
      const size = cl.slots.length;
      if (!firstOfKind.has(cl.kind)) {
        firstOfKind.set(cl.kind, heldSlots.length);
        for (let h = 0; h < holders; h++) heldSlots.push(...this.heldClass(cl.kind, h).slots);
      }
      const first = firstOfKind.get(cl.kind)!;
      cl.slots.forEach((g, i) => held.push(offsets.slot + g, this.memberBase[cl.holder!.family]! + cl.holder!.member, this.memberBase[cl.family]! + i, first, size));
    }
    // Where each word goes: by the table its record is in.
    const wordTab = new Int32Array(L.words).fill(-1);
    const wordIdx = new Int32Array(L.words);
    const wordStride = new Int32Array(L.words);
    const records = (base: number, count: number, size: number, off: number, objectOf: (r: number) => number = (r) => r): void => {
      for (let r = 0; r < count; r++)
        for (let w = 0; w < size; w++) {
          const j = base + r * size + w;
          wordTab[j] = off + objectOf(r);
          wordIdx[j] = objectOf(r);
          wordStride[j] = size;
        }
    };
    records(b.pd, c.pd, PD.SIZE, offsets.pd);
    records(b.ec, c.ec, L.ecSize, offsets.ec);
    records(b.sc, c.sc, SC.SIZE, offsets.sc);
    records(b.pt, c.pt, PT.SIZE, offsets.pt);
    records(b.sm, c.sm, SM.SIZE, offsets.sm);
    records(b.mem, c.mem, MEM.SIZE, offsets.mem);
    // The sealed labels, one word per memory object when there are any (layout.ts), move with it.
    if (L.keepsSealed) records(b.sealed, c.mem, 1, offsets.mem);
    records(b.slots, c.slots, SLOT.SIZE, offsets.slot);
    // Page-table and TLB rows move with their PD; within a row, entries move with their memory object (`Op.ROW`).
    records(b.pte, c.pd, L.pteWords, offsets.pd);
    records(b.tlb, c.cpu * c.pd, L.pteWords, offsets.pd, (r) => r % c.pd);
    const id = this.compile(this.permutation(this.identity()));
    const wordOp = Int32Array.from(id.opAt);
    wordOp.fill(Op.ROW, b.pte, b.tlb + c.cpu * c.pd * L.pteWords);
    const wordAux = Int32Array.from(id.auxAt);
    const wordDep = new Int32Array(L.words).fill(-1);
    for (let j = 0; j < L.words; j++) {
      if (id.opAt[j] !== Op.WAIT && id.opAt[j] !== Op.PARENT) continue;
      const a = id.auxAt[j]!;
      if (wordDep[a] !== -1) throw new Error(`symmetry: word ${a} is read as an operand by two words`);
      wordDep[a] = j;
    }
    const entryBase = this.entryBase;
    return {
      words: L.words,
      familyStart: Int32Array.from([...this.memberBase, this.memberPlans.length]),
      entryBase,
      entryAt: Int32Array.from(this.memberPlans.flatMap((p) => [...p.at])),
      entryOp: Int32Array.from(this.memberPlans.flatMap((p) => [...p.op])),
      entryAux: Int32Array.from(this.memberPlans.flatMap((p) => [...p.aux])),
      entryLocal: Int32Array.from(this.memberPlans.flatMap((p) => [...p.key])),
      rel,
      readerStart: this.readerStart,
      readerMember: this.readerMember,
      readerEntry: Int32Array.from(this.readerEntry, (k, q) => entryBase[this.readerMember[q]!]! + k),
      permWords,
      permIdentity,
      offsets,
      memCount: c.mem,
      rowBase: b.pte,
      rowWords: L.pteWords,
      kindTab,
      objStart: Int32Array.from(objStart),
      objTab: Int32Array.from(objTab),
      objIdx: Int32Array.from(objIdx),
      held: Int32Array.from(held),
      heldSlots: Int32Array.from(heldSlots),
      wordTab,
      wordIdx,
      wordStride,
      wordOp,
      wordAux,
      wordDep,
    };
  }

  /** The difference from `ref` of p(s) for the permutation of `images`, applied whole (through `plan` when there is one). */
  private wholeDiff(s: StateVector, d: Int32Array, ref: StateVector, plan: ApplyPlan | null): number {
    if (plan) this.applyPlan(plan, s, this.out);
    else {
      this.scratch = this.permutation(this.images, this.scratch);
      this.apply(this.scratch, s, this.out);
    }
    const rep = this.out;
    let w = 0;
    for (let i = 0; i < ref.length; i++) {
      const v = rep[i]!;
      if (v !== ref[i]) {
        d[w] = i;
        d[w + 1] = v;
        w += 2;
      }
    }
    return w;
  }

  /** p(s) into `out` for the permutation of these member images, through its compiled form (as `canonical` does). */
  applyImages(images: readonly (readonly number[])[], s: StateVector, out: StateVector): void {
    const plan = this.planOf(images);
    if (plan) this.applyPlan(plan, s, out);
    else this.apply(this.permutation(images), s, out);
  }

  /** The compiled permutation of these member images, compiled now if need be; null when too many are kept already. */
  private planOf(images: readonly (readonly number[])[]): ApplyPlan | null {
    let code = 0;
    for (const img of images) {
      for (let j = 0; j < img.length; j++) code = code * img.length + img[j]!;
      if (code > 2 ** 40) return null;
    }
    const known = this.plans.get(code);
    if (known) return known;
    if (this.plans.size >= MAX_PLANS) return null;
    const plan = this.compile(this.permutation(images));
    this.plans.set(code, plan);
    return plan;
  }

  /**
   * `apply(p, ·)` as a list of word operations: the same walk over the tables as `apply`,
   * recording for each word written the word it comes from and how it is mapped (a later
   * write of a word replaces an earlier one, as in `apply`).
   */
  private compile(p: Permutation): ApplyPlan {
    const L = this.L;
    const b = L.base;
    const words = L.words;
    const fromAt = Int32Array.from({ length: words }, (_, i) => i);
    const opAt = new Uint8Array(words);
    const auxAt = new Int32Array(words);
    const emit = (to: number, from: number, op: number, aux = 0): void => {
      fromAt[to] = from;
      opAt[to] = op;
      auxAt[to] = aux;
    };
    for (let c = 0; c < L.counts.cpu; c++) emit(b.cpu + c * CPU.SIZE + CPU.CUR, b.cpu + c * CPU.SIZE + CPU.CUR, Op.EC);
    for (let i = 0; i < L.counts.pd; i++) for (let w = 0; w < PD.SIZE; w++) emit(b.pd + p.pd[i]! * PD.SIZE + w, b.pd + i * PD.SIZE + w, Op.COPY);
    for (let e = 0; e < L.counts.ec; e++) {
      const from = b.ec + e * L.ecSize;
      const to = b.ec + p.ec[e]! * L.ecSize;
      for (let w = 0; w < L.ecSize; w++) emit(to + w, from + w, Op.COPY);
      emit(to + EC.PD, from + EC.PD, Op.PD);
      emit(to + EC.WAIT, from + EC.WAIT, Op.WAIT, from + EC.STATE);
      emit(to + EC.PARTNER, from + EC.PARTNER, Op.EC);
      emit(to + EC.SERVER, from + EC.SERVER, Op.EC);
      emit(to + EC.PAGER_PT, from + EC.PAGER_PT, Op.PT);
      emit(to + EC.EXC_PT, from + EC.EXC_PT, Op.PT);
      emit(to + EC.REVOKE, from + EC.REVOKE, Op.SLOT);
      emit(to + EC.MSG_CAP, from + EC.MSG_CAP, Op.ITEM);
      for (let w = EC.MSG; w < L.ecSize; w++) if (holdsValue(L, w)) emit(to + w, from + w, Op.VALUE);
    }
    for (let i = 0; i < L.counts.sc; i++) {
      const from = b.sc + i * SC.SIZE;
      const to = b.sc + p.sc[i]! * SC.SIZE;
      for (let w = 0; w < SC.SIZE; w++) emit(to + w, from + w, Op.COPY);
      emit(to + SC.EC, from + SC.EC, Op.EC);
    }
    for (let i = 0; i < L.counts.pt; i++) {
      const from = b.pt + i * PT.SIZE;
      const to = b.pt + p.pt[i]! * PT.SIZE;
      emit(to, from, Op.COPY);
      emit(to + PT.EC, from + PT.EC, Op.EC);
    }
    for (let i = 0; i < L.counts.sm; i++) for (let w = 0; w < SM.SIZE; w++) emit(b.sm + p.sm[i]! * SM.SIZE + w, b.sm + i * SM.SIZE + w, Op.COPY);
    for (let i = 0; i < L.counts.mem; i++) {
      emit(b.mem + p.mem[i]! * MEM.SIZE + MEM.LABELS, b.mem + i * MEM.SIZE + MEM.LABELS, Op.COPY);
      emit(b.mem + p.mem[i]! * MEM.SIZE + MEM.VALUE, b.mem + i * MEM.SIZE + MEM.VALUE, Op.VALUE);
      if (L.keepsSealed) emit(b.sealed + p.mem[i]!, b.sealed + i, Op.COPY);
    }
    for (let i = 0; i < L.counts.dev; i++) emit(b.dev + i * DEV.SIZE + DEV.PD, b.dev + i * DEV.SIZE + DEV.PD, Op.PD);
    for (let g = 0; g < L.counts.slots; g++) {
      const from = b.slots + g * SLOT.SIZE;
      const to = b.slots + p.slot[g]! * SLOT.SIZE;
      emit(to + SLOT.CAP, from + SLOT.CAP, Op.CAP);
      emit(to + SLOT.PARENT, from + SLOT.PARENT, Op.PARENT, from + SLOT.CAP);
    }
    let memMoved = false;
    for (let m = 0; m < p.mem.length && !memMoved; m++) memMoved = p.mem[m] !== m;
    // Whole rows move with their PD unless memory objects move (then `applyPlan` rebuilds them).
    const rows = (base: number, count: number): void => {
      for (let r = 0; r < count; r++) {
        const pd = r % L.counts.pd;
        if (p.pd[pd] !== pd) for (let w = 0; w < L.pteWords; w++) emit(base + (r - pd + p.pd[pd]!) * L.pteWords + w, base + r * L.pteWords + w, Op.COPY);
      }
    };
    if (!memMoved) {
      rows(b.pte, L.counts.pd);
      rows(b.tlb, L.counts.cpu * L.counts.pd);
    }
    const groups: number[][] = Array.from({ length: Op.PARENT + 1 }, () => []);
    for (let i = 0; i < words; i++) if (fromAt[i] !== i || opAt[i] !== Op.COPY) groups[opAt[i]!]!.push(i, fromAt[i]!, auxAt[i]!);
    let depStart: Int32Array | null = null;
    let deps: Int32Array | null = null;
    if (!memMoved) {
      const readers = (to: number): number[] => (opAt[to] === Op.WAIT || opAt[to] === Op.PARENT ? [fromAt[to]!, auxAt[to]!] : [fromAt[to]!]);
      depStart = new Int32Array(words + 1);
      for (let to = 0; to < words; to++) for (const j of readers(to)) depStart[j + 1]!++;
      for (let j = 0; j < words; j++) depStart[j + 1]! += depStart[j]!;
      deps = new Int32Array(depStart[words]!);
      const fill = depStart.slice(0, words);
      for (let to = 0; to < words; to++) for (const j of readers(to)) deps[fill[j]!++] = to;
    }
    return { p, tables: byCapKind(p), groups: groups.map((g) => Int32Array.from(g)), memMoved, fromAt, opAt, auxAt, depStart, deps, checkedRef: null, diffOk: false };
  }

  /** Writes p(s) into `out`, as `apply(plan.p, s, out)` does. */
  private applyPlan(plan: ApplyPlan, s: StateVector, out: StateVector): void {
    out.set(s);
    const { p, groups } = plan;
    let g = groups[Op.COPY]!;
    for (let k = 0; k < g.length; k += 3) out[g[k]!] = s[g[k + 1]!]!;
    const ref = (g: Int32Array, table: Int32Array): void => {
      for (let k = 0; k < g.length; k += 3) {
        const v = s[g[k + 1]!]!;
        out[g[k]!] = v >= 0 ? table[v]! : v;
      }
    };
    ref(groups[Op.EC]!, p.ec);
    ref(groups[Op.PD]!, p.pd);
    ref(groups[Op.PT]!, p.pt);
    ref(groups[Op.SLOT]!, p.slot);
    g = groups[Op.WAIT]!;
    for (let k = 0; k < g.length; k += 3) {
      const v = s[g[k + 1]!]!;
      out[g[k]!] = v < 0 ? v : s[g[k + 2]!] === EcState.SM ? p.sm[v]! : p.pt[v]!;
    }
    g = groups[Op.ITEM]!;
    for (let k = 0; k < g.length; k += 3) {
      const v = s[g[k + 1]!]!;
      out[g[k]!] = v === 0 ? v : ((p.slot[(v >>> 4) - 1]! + 1) << 4) | (v & 15);
    }
    g = groups[Op.VALUE]!;
    for (let k = 0; k < g.length; k += 3) {
      const v = s[g[k + 1]!]!;
      let x = v;
      if (v > 0 && (v & SEALED) !== 0) {
        const key = (v >>> 21) & 0xff;
        if (key < p.mem.length) x = (v & ~(0xff << 21)) | (p.mem[key]! << 21);
      }
      out[g[k]!] = x;
    }
    g = groups[Op.CAP]!;
    const tables = plan.tables;
    for (let k = 0; k < g.length; k += 3) out[g[k]!] = mapCap(s[g[k + 1]!]!, tables);
    g = groups[Op.PARENT]!;
    for (let k = 0; k < g.length; k += 3) {
      const v = s[g[k + 1]!]!;
      out[g[k]!] = s[g[k + 2]!] === NO_CAP || v < 0 ? v : p.slot[v & ~SNAPSHOT_MARK]! | (v & SNAPSHOT_MARK);
    }
    if (plan.memMoved) this.moveRows(p, s, out);
  }

  /** The member images of the last `canonical` call: member i of family f went to `images[f][i]` (identity when it returned its argument). */
  lastImages(): number[][] {
    return this.images.map((img) => [...img]);
  }

  /** Where family `fi`'s members start in the numbering across families (`lastImagesInto`). */
  baseOf(fi: number): number {
    return this.memberBase[fi]!;
  }

  /** The member images of the last `canonical` or `canonicalDiff`, numbered across families: member i of family f went to member `out[baseOf(f) + i]` of f. */
  lastImagesInto(out: Int32Array): Int32Array {
    this.images.forEach((img, fi) => out.set(img, this.memberBase[fi]!));
    return out;
  }

  /** The identity, as member images. */
  identity(): number[][] {
    return this.families.map((f) => f.map((_, i) => i));
  }

  /** a after b, as member images: member i goes to a[b[i]]. */
  static compose(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
    return b.map((img, f) => img.map((j) => a[f]![j]!));
  }

  static inverse(a: readonly (readonly number[])[]): number[][] {
    return a.map((img) => {
      const inv = new Array<number>(img.length);
      img.forEach((j, i) => (inv[j] = i));
      return inv;
    });
  }

  /** `signature(·, fi, i)` compiled: the same words mixed in the same order through the same mappings. */
  private signaturePlan(fi: number, i: number): SignaturePlan {
    const L = this.L;
    const m = this.families[fi]![i]!;
    const at: number[] = [];
    const op: number[] = [];
    const aux: number[] = [];
    const key: number[] = [];
    const add = (word: number, o: number, a = 0, k = at.length): void => {
      key.push(k);
      at.push(word);
      op.push(o);
      aux.push(a);
    };
    for (const e of m.ec) {
      const b = L.base.ec + e * L.ecSize;
      for (let w = 0; w < L.ecSize; w++) {
        switch (w) {
          case EC.PARTNER:
          case EC.SERVER:
            add(b + w, Op.EC);
            break;
          case EC.WAIT:
            add(b + w, Op.WAIT, b + EC.STATE);
            break;
          case EC.PAGER_PT:
          case EC.EXC_PT:
            add(b + w, Op.PT);
            break;
          case EC.MSG_CAP:
            add(b + w, Op.ITEM);
            break;
          case EC.PD:
            add(b + w, Op.PD);
            break;
          case EC.REVOKE:
            add(b + w, Op.SLOT);
            break;
          default:
            // Message words and variables' values: a value sealed with a memory object's key.
            add(b + w, holdsValue(L, w) ? Op.VALUE : Op.COPY);
        }
      }
    }
    for (const x of m.mem) {
      add(L.base.mem + x * MEM.SIZE + MEM.LABELS, Op.COPY);
      add(L.base.mem + x * MEM.SIZE + MEM.VALUE, Op.VALUE);
      if (L.keepsSealed) add(L.base.sealed + x, Op.COPY);
    }
    for (const x of m.sm) for (let w = 0; w < SM.SIZE; w++) add(L.base.sm + x * SM.SIZE + w, Op.COPY);
    for (const x of m.pt) add(L.base.pt + x * PT.SIZE + PT.EC, Op.EC);
    // Capability slots, each with its derivation-tree parent: the member's own, its slot in each
    // slot class of its family, and every slot outside the family.
    const slot = (g: number, k = at.length): void => {
      add(L.base.slots + g * SLOT.SIZE + SLOT.CAP, Op.CAP, 0, k);
      add(L.base.slots + g * SLOT.SIZE + SLOT.PARENT, Op.PARENT, L.base.slots + g * SLOT.SIZE + SLOT.CAP, k + 1);
    };
    // A held class's slots (the member's own, or its slot in another family's replicas') hash at
    // one position: the first's.
    const firstOf = new Int32Array(m.slots).map((_, k) => k);
    for (const c of this.slotClasses)
      if (c.holder?.family === fi && c.holder.member === i) {
        const places = c.slots.map((g) => g - m.slotBase);
        for (const k of places) firstOf[k] = Math.min(...places);
      }
    const entryOf: number[] = [];
    for (let k = 0; k < m.slots; k++) {
      entryOf.push(at.length);
      slot(m.slotBase + k, entryOf[firstOf[k]!]!);
    }
    const kindEntry = new Map<number, number>();
    for (const c of this.slotClasses)
      if (c.family === fi) {
        if (c.holder && !kindEntry.has(c.kind)) kindEntry.set(c.kind, at.length);
        slot(c.slots[i]!, c.holder ? kindEntry.get(c.kind)! : at.length);
      }
    for (const g of this.outsideSlots) slot(g);
    const row = L.base.pte + m.comp * L.pteWords;
    for (let x = 0; x < L.counts.mem; x++) add(row + (x >> 3), Op.PTE, x);
    for (let c = 0; c < L.counts.cpu; c++) add(L.base.cpu + c * CPU.SIZE + CPU.CUR, Op.EC);
    for (const e of this.outside) {
      const b = L.base.ec + e * L.ecSize;
      add(b + EC.PARTNER, Op.EC);
      add(b + EC.SERVER, Op.EC);
      add(b + EC.WAIT, Op.WAIT, b + EC.STATE);
      add(b + EC.MSG_CAP, Op.ITEM);
    }
    // Values sealed with its keys held outside the family: messages, variables, memory.
    if (this.sealsOutside[fi]) {
      for (const e of this.outside) for (let w = 0; w < L.ecSize; w++) if (holdsValue(L, w)) add(L.base.ec + e * L.ecSize + w, Op.VALUE);
      for (const x of this.outsideMem) add(L.base.mem + x * MEM.SIZE + MEM.VALUE, Op.VALUE);
    }
    // Its PD's record: whether it is alive and how many steps its adversary has taken.
    for (let w = 0; w < PD.SIZE; w++) add(L.base.pd + m.comp * PD.SIZE + w, Op.COPY);
    return { rel: this.rel[fi]![i]!, at: Int32Array.from(at), op: Uint8Array.from(op), aux: Int32Array.from(aux), key: Int32Array.from(key) };
  }

  /** The signature of a member from its compiled form `plan`: the sum of its entries' terms. */
  private signatureFrom(s: StateVector, plan: SignaturePlan): number {
    let h = 0;
    for (let k = 0; k < plan.at.length; k++) h = (h + this.termOf(s, plan, k)) | 0;
    return h;
  }

  /** The term of entry k of a member's compiled signature in `s`. */
  private termOf(s: StateVector, plan: SignaturePlan, k: number): number {
    const c = this.code(s, plan, k);
    return plan.op[k] === Op.PTE ? pteTerm(c) : term(plan.key[k]!, c);
  }

  /** Entry k of a member's compiled signature: its word, made relative to the member. */
  private code(s: StateVector, plan: SignaturePlan, k: number): number {
    const v = s[plan.at[k]!]!;
    const rel = plan.rel;
    switch (plan.op[k]) {
      case Op.COPY:
        return v;
      case Op.EC:
        return v < 0 ? v : rel.ec[v]!;
      case Op.WAIT:
        return v < 0 ? v : s[plan.aux[k]!] === EcState.SM ? rel.sm[v]! : rel.pt[v]!;
      case Op.PT:
        return v < 0 ? v : rel.pt[v]!;
      case Op.ITEM:
        return v === 0 ? v : rel.slot[(v >>> 4) - 1]! * 16 + (v & 15);
      case Op.PD:
        return v < 0 ? v : rel.pd[v]!;
      case Op.SLOT:
        return v >= 0 ? rel.slot[v]! : v;
      case Op.VALUE:
        return sealedCode(v, rel.mem);
      case Op.PARENT:
        return parentCode(v, s[plan.aux[k]!]!, rel.slot);
      case Op.CAP:
        return mapCap(v, rel.byKind);
      case Op.PTE: {
        const x = plan.aux[k]!;
        const r = (v >>> ((x & 7) * 4)) & 15;
        return r ? rel.mem[x]! * 16 + r : 0;
      }
      default:
        throw new Error(`symmetry: unknown signature operation ${plan.op[k]}`);
    }
  }

  /** A number summarising member `i`'s own records, invariant under the group (the reference form of `signatureFrom`): the sum of a term per entry, each entry a word made relative to the member, at its position k (a page-table entry without its position: `pteTerm`). */
  signature(s: StateVector, fi: number, i: number): number {
    const L = this.L;
    const m = this.families[fi]![i]!;
    const rel = this.rel[fi]![i]!;
    const ecOf = (v: number): number => (v < 0 ? v : rel.ec[v]!);
    let h = 0;
    let k = 0;
    // The positions entries hash with (a held class's slots share one), as compiled.
    const key = this.memberPlans[this.memberBase[fi]! + i]!.key;
    const add = (c: number): void => void (h = (h + term(key[k++]!, c)) | 0);
    // EC b's wait (on a PT, or an SM when it is blocked in a down), and its item: the global slot, made relative, and its rights.
    const waitOf = (b: number): number => {
      const v = s[b + EC.WAIT]!;
      return v < 0 ? v : s[b + EC.STATE] === EcState.SM ? rel.sm[v]! : rel.pt[v]!;
    };
    const itemOf = (b: number): number => {
      const v = s[b + EC.MSG_CAP]!;
      return v === 0 ? v : rel.slot[(v >>> 4) - 1]! * 16 + (v & 15);
    };
    for (const e of m.ec) {
      const b = L.base.ec + e * L.ecSize;
      for (let w = 0; w < L.ecSize; w++) {
        const v = s[b + w]!;
        switch (w) {
          case EC.PARTNER:
          case EC.SERVER:
            add(ecOf(v));
            break;
          case EC.WAIT:
            add(waitOf(b));
            break;
          case EC.PAGER_PT:
          case EC.EXC_PT:
            add(v < 0 ? v : rel.pt[v]!);
            break;
          case EC.MSG_CAP:
            add(itemOf(b));
            break;
          case EC.PD:
            add(v < 0 ? v : rel.pd[v]!);
            break;
          case EC.REVOKE:
            add(v >= 0 ? rel.slot[v]! : v);
            break;
          default:
            add(holdsValue(L, w) ? sealedCode(v, rel.mem) : v);
        }
      }
    }
    for (const x of m.mem) {
      add(s[L.base.mem + x * MEM.SIZE + MEM.LABELS]!);
      add(sealedCode(s[L.base.mem + x * MEM.SIZE + MEM.VALUE]!, rel.mem));
      if (L.keepsSealed) add(s[L.base.sealed + x]!);
    }
    for (const x of m.sm) for (let w = 0; w < SM.SIZE; w++) add(s[L.base.sm + x * SM.SIZE + w]!);
    for (const x of m.pt) add(ecOf(s[L.base.pt + x * PT.SIZE + PT.EC]!));
    const slot = (g: number): void => {
      const cap = s[L.base.slots + g * SLOT.SIZE + SLOT.CAP]!;
      add(mapCap(cap, rel.byKind));
      add(parentCode(s[L.base.slots + g * SLOT.SIZE + SLOT.PARENT]!, cap, rel.slot));
    };
    for (let x = 0; x < m.slots; x++) slot(m.slotBase + x);
    for (const c of this.slotClasses) if (c.family === fi) slot(c.slots[i]!);
    for (const g of this.outsideSlots) slot(g);
    // Its page table, as the rights it maps on each of its own objects and on others'.
    const row = L.base.pte + m.comp * L.pteWords;
    for (let x = 0; x < L.counts.mem; x++) {
      const r = (s[row + (x >> 3)]! >>> ((x & 7) * 4)) & 15;
      h = (h + pteTerm(r ? rel.mem[x]! * 16 + r : 0)) | 0;
      k++;
    }
    // Which CPUs run one of its ECs, and which ECs of the others call or serve it, wait on its portals and semaphores or carry one of its capabilities.
    for (let c = 0; c < L.counts.cpu; c++) add(ecOf(s[L.base.cpu + c * CPU.SIZE + CPU.CUR]!));
    for (const e of this.outside) {
      const b = L.base.ec + e * L.ecSize;
      add(ecOf(s[b + EC.PARTNER]!));
      add(ecOf(s[b + EC.SERVER]!));
      add(waitOf(b));
      add(itemOf(b));
    }
    if (this.sealsOutside[fi]) {
      for (const e of this.outside) for (let w = 0; w < L.ecSize; w++) if (holdsValue(L, w)) add(sealedCode(s[L.base.ec + e * L.ecSize + w]!, rel.mem));
      for (const x of this.outsideMem) add(sealedCode(s[L.base.mem + x * MEM.SIZE + MEM.VALUE]!, rel.mem));
    }
    for (let w = 0; w < PD.SIZE; w++) add(s[L.base.pd + m.comp * PD.SIZE + w]!);
    return h;
  }


  /** Writes p(s) into `out`: every record moved to its image, and every reference in it mapped. */
  apply(p: Permutation, s: StateVector, out: StateVector): void {
    const L = this.L;
    const b = L.base;
    out.set(s);
    const value = (v: number): number => {
      if (v <= 0 || (v & SEALED) === 0) return v;
      const key = (v >>> 21) & 0xff;
      return key < p.mem.length ? (v & ~(0xff << 21)) | (p.mem[key]! << 21) : v;
    };
    const tables = byCapKind(p);
    const capOf = (c: number): number => mapCap(c, tables);
    /** A UTCB item (ipc.ts `packItem`): the global slot + 1, and the rights bits. */
    const item = (v: number): number => (v === 0 ? v : ((p.slot[(v >>> 4) - 1]! + 1) << 4) | (v & 15));
    for (let c = 0; c < L.counts.cpu; c++) {
      const cur = s[b.cpu + c * CPU.SIZE + CPU.CUR]!;
      out[b.cpu + c * CPU.SIZE + CPU.CUR] = cur >= 0 ? p.ec[cur]! : cur;
    }
    for (let i = 0; i < L.counts.pd; i++) for (let w = 0; w < PD.SIZE; w++) out[b.pd + p.pd[i]! * PD.SIZE + w] = s[b.pd + i * PD.SIZE + w]!;
    for (let e = 0; e < L.counts.ec; e++) {
      const from = b.ec + e * L.ecSize;
      const to = b.ec + p.ec[e]! * L.ecSize;
      if (to !== from) out.set(s.subarray(from, from + L.ecSize), to);
      const pd = s[from + EC.PD]!;
      if (pd >= 0) out[to + EC.PD] = p.pd[pd]!;
      const wait = s[from + EC.WAIT]!;
      if (wait >= 0) out[to + EC.WAIT] = s[from + EC.STATE] === EcState.SM ? p.sm[wait]! : p.pt[wait]!;
      const partner = s[from + EC.PARTNER]!;
      if (partner >= 0) out[to + EC.PARTNER] = p.ec[partner]!;
      const server = s[from + EC.SERVER]!;
      if (server >= 0) out[to + EC.SERVER] = p.ec[server]!;
      const pager = s[from + EC.PAGER_PT]!;
      if (pager >= 0) out[to + EC.PAGER_PT] = p.pt[pager]!;
      const exc = s[from + EC.EXC_PT]!;
      if (exc >= 0) out[to + EC.EXC_PT] = p.pt[exc]!;
      const revoke = s[from + EC.REVOKE]!;
      if (revoke >= 0) out[to + EC.REVOKE] = p.slot[revoke]!;
      out[to + EC.MSG_CAP] = item(s[from + EC.MSG_CAP]!);
      // Message words, and each variable's value (its label word is not a value): sealed ones name a key.
      for (let w = EC.MSG; w < L.ecSize; w++) {
        const v = s[from + w]!;
        if (v > 0 && (v & SEALED) !== 0 && holdsValue(L, w)) out[to + w] = value(v);
      }
    }
    for (let i = 0; i < L.counts.sc; i++) {
      const from = b.sc + i * SC.SIZE;
      const to = b.sc + p.sc[i]! * SC.SIZE;
      for (let w = 0; w < SC.SIZE; w++) out[to + w] = s[from + w]!;
      const e = s[from + SC.EC]!;
      out[to + SC.EC] = e >= 0 ? p.ec[e]! : e;
    }
    for (let i = 0; i < L.counts.pt; i++) {
      const from = b.pt + i * PT.SIZE;
      const to = b.pt + p.pt[i]! * PT.SIZE;
      out[to] = s[from]!;
      const e = s[from + PT.EC]!;
      out[to + PT.EC] = e >= 0 ? p.ec[e]! : e;
    }
    for (let i = 0; i < L.counts.sm; i++) for (let w = 0; w < SM.SIZE; w++) out[b.sm + p.sm[i]! * SM.SIZE + w] = s[b.sm + i * SM.SIZE + w]!;
    for (let i = 0; i < L.counts.mem; i++) {
      out[b.mem + p.mem[i]! * MEM.SIZE + MEM.LABELS] = s[b.mem + i * MEM.SIZE + MEM.LABELS]!;
      out[b.mem + p.mem[i]! * MEM.SIZE + MEM.VALUE] = value(s[b.mem + i * MEM.SIZE + MEM.VALUE]!);
      if (L.keepsSealed) out[b.sealed + p.mem[i]!] = s[b.sealed + i]!;
    }
    for (let i = 0; i < L.counts.dev; i++) {
      const v = s[b.dev + i * DEV.SIZE + DEV.PD]!;
      out[b.dev + i * DEV.SIZE + DEV.PD] = v >= 0 ? p.pd[v]! : v;
    }
    for (let g = 0; g < L.counts.slots; g++) {
      const c = s[b.slots + g * SLOT.SIZE + SLOT.CAP]!;
      const parent = s[b.slots + g * SLOT.SIZE + SLOT.PARENT]!;
      const to = b.slots + p.slot[g]! * SLOT.SIZE;
      out[to + SLOT.CAP] = capOf(c);
      // An empty slot's parent word is 0 and means nothing; a root original's is -1.
      out[to + SLOT.PARENT] = c === NO_CAP || parent < 0 ? parent : p.slot[parent & ~SNAPSHOT_MARK]! | (parent & SNAPSHOT_MARK);
    }
    // Page tables and TLBs: rows move with their PD, and the 4-bit entries with their memory object.
    let memMoved = false;
    for (let m = 0; m < p.mem.length && !memMoved; m++) memMoved = p.mem[m] !== m;
    if (memMoved) {
      this.moveRows(p, s, out);
      return;
    }
    const rows = (base: number, count: number): void => {
      for (let r = 0; r < count; r++) {
        const pd = r % L.counts.pd;
        if (p.pd[pd] !== pd) out.set(s.subarray(base + r * L.pteWords, base + (r + 1) * L.pteWords), base + (r - pd + p.pd[pd]!) * L.pteWords);
      }
    };
    rows(b.pte, L.counts.pd);
    rows(b.tlb, L.counts.cpu * L.counts.pd);
  }

  /** The page-table and TLB rows of p(s) when p moves memory objects: each 4-bit entry goes to its object's image, in its PD's image's row. */
  private moveRows(p: Permutation, s: StateVector, out: StateVector): void {
    const L = this.L;
    const rows = (base: number, count: number): void => {
      for (let r = 0; r < count; r++) out.fill(0, base + r * L.pteWords, base + (r + 1) * L.pteWords);
      for (let r = 0; r < count; r++) {
        const pd = r % L.counts.pd;
        const to = base + (r - pd + p.pd[pd]!) * L.pteWords;
        const from = base + r * L.pteWords;
        for (let m = 0; m < L.counts.mem; m++) {
          const e = (s[from + (m >> 3)]! >>> ((m & 7) * 4)) & 15;
          if (e) {
            const t = p.mem[m]!;
            out[to + (t >> 3)]! |= e << ((t & 7) * 4);
          }
        }
      }
    };
    rows(L.base.pte, L.counts.pd);
    rows(L.base.tlb, L.counts.cpu * L.counts.pd);
  }
}

/** The symmetry of a system, or why there is none (for the report). */
export type SymmetryOf = { readonly symmetry: Symmetry; readonly reason: null } | { readonly symmetry: null; readonly reason: string };

/**
 * The replicas of `sys` that can be permuted (spec/invariants.md §10.2). A family of
 * replicas (`component client[N]`) is symmetric when permuting its members maps the
 * initial state onto itself, every thread's program onto the program of its image, and
 * every invariant and path onto itself. Replicas an invariant or a path names on their
 * own are left in place, and so are replicas that drive a device or own memory in a scenario
 * with a pager (a fault's message names the memory object); the reduction is off where the
 * kernel breaks ties between replicas by their index (strict scheduling, preemptible revoke).
 */
export function symmetryOf(sys: System): SymmetryOf {
  const model = sys.model;
  const L = sys.k.L;
  const none = (reason: string): SymmetryOf => ({ symmetry: null, reason });
  const groups = new Map<string, number[]>();
  for (const c of model.components) if (c.replica !== null) groups.set(c.group, [...(groups.get(c.group) ?? []), c.index]);
  if (groups.size === 0) return none("no replicated component");
  if (L.config.scheduling === "strict") return none("strict scheduling orders replicas by index");
  if (model.kernel.preemptibleRevoke) return none("a preemptible revoke removes capabilities in slot order");
  const { pinned, followed } = pinnedComponents(model);
  // A page fault tells the pager the number of the memory object it happened on, as data
  // (kernel.md §10.3): a replica's memory has a number of its own, which a permutation does not
  // rename in the variables it reaches (a pager that compares it tells the replicas apart). So
  // with any pager in the scenario, a replica with memory stays in place.
  const pagers = model.components.some((c) => c.pager !== null);
  const families: Member[][] = [];
  for (const comps of groups.values()) {
    const free = comps.filter((c) => !pinned.has(c) && model.components[c]!.devices.length === 0 && !(pagers && model.components[c]!.regions.length > 0));
    if (free.length >= 2) families.push(free.map((c) => member(L, c)));
  }
  if (families.length === 0) return none(`every replica is named on its own by an invariant or a path, or drives a device${pagers ? ", or owns memory whose page faults would tell a pager its number" : ""}`);
  // A family that cannot be permuted is left in place, its replicas then components like any
  // other, and the rest are permuted without it. Which families go together matters: when one's
  // replicas hold capabilities to another's objects, the holders' slots can be permuted with
  // the other family only if the holders stay in place (`slotClasses`). So every set of families
  // is tried, the largest group first (the product of the families' factorials), and the first
  // that passes every check is used (up to 4 families: 15 sets; beyond, the family each failure
  // blames is dropped until the rest pass).
  const groupOf = (f: readonly Member[]): string => model.components[f[0]!.comp]!.group;
  const scratch = new Int32Array(L.words);
  const tried = new Map<number, Trial>();
  const trial = (mask: number): Trial => {
    const known = tried.get(mask);
    if (known) return known;
    const fs = families.filter((_, fi) => mask & (1 << fi));
    const t = familiesTrial(sys, fs, followed, scratch, groupOf);
    tried.set(mask, t);
    return t;
  };
  const all = (1 << families.length) - 1;
  let chosen = -1;
  if (families.length <= 4) {
    const size = (mask: number): number => families.reduce((sum, f, fi) => (mask & (1 << fi) ? sum + logFactorial(f.length) : sum), 0);
    const masks = Array.from({ length: all }, (_, i) => i + 1).sort((x, y) => size(y) - size(x) || x - y);
    chosen = masks.find((m) => "symmetry" in trial(m)) ?? -1;
  } else {
    let mask = all;
    for (let t = trial(mask); !("symmetry" in t); t = trial(mask)) {
      const blamed = t.family;
      mask &= ~(1 << families.findIndex((f) => f === blamed));
      if (mask === 0) break;
    }
    chosen = mask === 0 ? -1 : mask;
  }
  // Why each family left out is: what went wrong when it was added to the chosen ones.
  const whyNot = (fi: number): { group: string; why: string } => {
    const t = trial((chosen < 0 ? 0 : chosen) | (1 << fi)) as Exclude<Trial, { symmetry: Symmetry }>;
    const group = groupOf(families[fi]!);
    return { group, why: t.family === families[fi] || chosen < 0 ? t.why : `with ${group} permuted too, ${groupOf(t.family)}: ${t.why}` };
  };
  const leftOut = families.flatMap((_, fi) => (chosen >= 0 && chosen & (1 << fi) ? [] : [whyNot(fi)]));
  if (chosen < 0) return none(leftOut.length === 1 ? leftOut[0]!.why : leftOut.map((x) => `${x.group}: ${x.why}`).join("; "));
  const used = trial(chosen) as { symmetry: Symmetry };
  return { symmetry: leftOut.length ? used.symmetry.leaving(leftOut) : used.symmetry, reason: null };
}

/** A set of families tried together: their symmetry, or the family that failed a check and why. */
type Trial = { readonly symmetry: Symmetry } | { readonly family: readonly Member[]; readonly why: string };

function familiesTrial(sys: System, families: Member[][], followed: ReadonlySet<number>, scratch: StateVector, groupOf: (f: readonly Member[]) => string): Trial {
  const L = sys.k.L;
  const shape = (m: Member): string => [m.ec.length, m.sc.length, m.pt.length, m.sm.length, m.mem.length, m.slots, m.threads.length].join(",");
  const uneven = families.find((f) => f.some((m) => shape(m) !== shape(f[0]!)));
  if (uneven) return { family: uneven, why: `the replicas of ${groupOf(uneven)} differ in shape` };
  const classes = slotClasses(L, sys.init, families);
  if ("why" in classes) return { family: families[classes.family]!, why: classes.why };
  const sym = new Symmetry(L, families, classes.classes, families.some((f) => f.some((m) => followed.has(m.comp))));
  const bad = asymmetricFamily(sys, sym, scratch);
  return bad ? { family: families[bad.family]!, why: bad.why } : { symmetry: sym };
}

/** log(n!), to compare the sizes of groups. */
function logFactorial(n: number): number {
  let sum = 0;
  for (let i = 2; i <= n; i++) sum += Math.log(i);
  return sum;
}

/** The first family of `sym` a transposition of whose replicas does not map the initial state or the programs onto themselves, and why. */
function asymmetricFamily(sys: System, sym: Symmetry, scratch: StateVector): { family: number; why: string } | null {
  for (let fi = 0; fi < sym.families.length; fi++)
    for (const g of sym.familyGenerators(fi)) {
      sym.apply(g, sys.init, scratch);
      for (let i = 0; i < scratch.length; i++) if (scratch[i] !== sys.init[i]) return { family: fi, why: `permuting replicas changes the initial state (${wordName(sys.model, sys.k.L, i)})` };
      const bad = programMismatch(sys, g);
      if (bad) return { family: fi, why: bad };
    }
  return null;
}

function member(L: Layout, c: number): Member {
  const model = L.model;
  const comp = model.components[c]!;
  const adversary = L.boot.adversaryEcs.flatMap((a, i) => (a.component === c ? [model.threads.length + i] : []));
  const ec = [...comp.threads, ...adversary];
  return {
    comp: c,
    ec,
    sc: ec, // boot gives each static EC the SC of the same index
    pt: comp.portals.flatMap((p) => L.boot.portalPts[p]!),
    sm: [...comp.semaphores],
    mem: [...comp.regions],
    slotBase: L.slotBase[c]!,
    slots: L.boot.slots[c]!,
    threads: comp.threads,
    portals: comp.portals,
    regions: comp.regions,
    semaphores: comp.semaphores,
  };
}

/**
 * Components some invariant, path or predicate names apart from the rest of their family:
 * a list that holds some, not all, replicas of a family pins those it holds. And the
 * replicas an invariant judged on the explored graph follows along paths (`followed`): each
 * replica's portal under `available`, each replica's EC that can wait without a timeout under
 * `deadlock_free`. They stay in symmetry reduction, and the graph keeps how each edge permuted
 * them (`Symmetry.follows`).
 */
function pinnedComponents(model: SystemModel): { readonly pinned: Set<number>; readonly followed: Set<number> } {
  const pinned = new Set<number>();
  const followed = new Set<number>();
  const family = (c: number): number[] => {
    const g = model.components[c]!;
    return g.replica === null ? [c] : model.components.filter((x) => x.group === g.group).map((x) => x.index);
  };
  const list = (cs: readonly number[]): void => {
    for (const c of cs) if (!family(c).every((x) => cs.includes(x))) pinned.add(c);
  };
  const ownerOf = (o: ObjectRef): number =>
    o.kind === "region" ? model.regions[o.index]!.owner
    : o.kind === "portal" ? model.portals[o.index]!.owner
    : o.kind === "semaphore" ? model.semaphores[o.index]!.owner
    : o.kind === "thread" ? model.threads[o.index]!.owner
    : o.kind === "pd" ? o.index
    : -1;
  const objects = (os: readonly ObjectRef[]): void => list(os.map(ownerOf).filter((c) => c >= 0));
  const expr = (e: ExprModel): void => {
    switch (e.kind) {
      case "holds":
        list(e.comps);
        objects(e.objects);
        return;
      case "maps":
        list(e.comps);
        list(e.regions.map((r) => model.regions[r]!.owner));
        return;
      case "knows":
        list(e.comps);
        return;
      case "not":
        expr(e.arg);
        return;
      case "and":
      case "or":
      case "eq":
      case "ne":
        expr(e.left);
        expr(e.right);
        return;
      case "seal":
      case "open":
        list([model.regions[e.key]!.owner]);
        expr(e.data);
        return;
      default:
        return;
    }
  };
  for (const inv of model.invariants) {
    const p = inv.prop;
    switch (p.kind) {
      case "isolated":
        list(p.a);
        list(p.b);
        list(p.via);
        break;
      case "never_flows":
        list(p.components);
        break;
      case "tcb_subset":
        list(p.of);
        list(p.bound);
        break;
      case "tcb_sloc":
        list(p.of);
        break;
      case "revocable":
        objects(p.objects);
        break;
      case "available":
        // Each replica's portal is judged apart (§7), so a replica's identity matters along a
        // path: the graph keeps with each edge how it permuted the replicas, and the judgement
        // follows each replica's portal through them (check.ts).
        for (const x of p.portals) if (p.portals.length > 1) followed.add(model.portals[x]!.owner);
        list(p.portals.map((x) => model.portals[x]!.owner));
        break;
      case "always":
      case "never":
        expr(p.cond);
        break;
      case "deadlock_free":
        // Whether an EC can still be woken is judged per EC along paths of the explored graph
        // (§8): the judgement follows each EC of a family whose ECs can wait without a timeout —
        // with threads, or with an adversary that can page-fault to a pager or raise to an
        // exception handler (a fault IPC has no timeout, kernel.md §10.3–10.4; its calls and
        // downs all have one) — through the permutations the graph keeps (check.ts).
        for (const c of model.components) if (c.replica !== null && (c.threads.length > 0 || c.pager !== null || c.exceptions !== null)) followed.add(c.index);
        break;
    }
  }
  for (const path of model.paths)
    for (const ev of [path.from, path.to]) {
      if (ev.verb !== "fires" && ev.verb !== "delivers") list(ev.subjects);
      for (const ps of ev.portals) list(ps.map((x) => model.portals[x]!.owner));
    }
  return { pinned, followed };
}

/**
 * Slots that hold, at boot, a capability to a replica's object, outside its family (the root's
 * originals, a server's `caps` entries, or another family's replicas' `caps` entries): grouped
 * into classes of one slot per member, which a permutation permutes like the members (`SlotClass`).
 * The family to blame and why, if they do not fit.
 */
function slotClasses(L: Layout, init: StateVector, families: readonly Member[][]): { classes: SlotClass[] } | { family: number; why: string } {
  const memberOf = new Map<number, { family: number; member: number }>();
  families.forEach((f, fi) => f.forEach((m, mi) => memberOf.set(m.comp, { family: fi, member: mi })));
  const where = (kind: keyof Permutation, x: number): { family: number; member: number; local: number } | null => {
    for (let fi = 0; fi < families.length; fi++)
      for (let mi = 0; mi < families[fi]!.length; mi++) {
        const list = families[fi]![mi]![kind as "ec"] as readonly number[];
        const local = kind === "pd" ? (families[fi]![mi]!.comp === x ? 0 : -1) : list.indexOf(x);
        if (local >= 0) return { family: fi, member: mi, local };
      }
    return null;
  };
  const classes = new Map<string, { family: number; slots: number[]; holder: { family: number; member: number } | null; shape: string }>();
  for (let pd = 0; pd < L.model.components.length; pd++) {
    const holder = memberOf.get(pd) ?? null;
    for (let k = 0; k < L.boot.slots[pd]!; k++) {
      const g = L.slotBase[pd]! + k;
      const c = init[L.base.slots + g * SLOT.SIZE + SLOT.CAP]!;
      const t = c === NO_CAP ? undefined : CAP_TABLE[capKind(c)];
      if (!t) continue;
      const w = where(t, capObject(c));
      // A replica's capabilities to its own family's objects are coded in its view ("own",
      // "another's"); only those to another family's form a class.
      if (!w || holder?.family === w.family) continue;
      const shape = `${capKind(c)}:${capRights(c)}:${w.family}:${w.local}`;
      const key = `${pd}:${shape}`;
      const cls = classes.get(key) ?? { family: w.family, slots: new Array<number>(families[w.family]!.length).fill(-1), holder, shape: holder ? `${holder.family}:${shape}` : "" };
      if (cls.slots[w.member] !== -1) return { family: w.family, why: `component ${L.model.components[pd]!.name} holds two like capabilities to one replica's object` };
      cls.slots[w.member] = g;
      classes.set(key, cls);
    }
  }
  for (const cls of classes.values()) if (cls.slots.includes(-1)) return { family: cls.family, why: "a component holds capabilities to some replicas' objects and not to the others'" };
  // The classes replicas hold: one of each shape per replica of the holders' family, at the same
  // places in every replica's slots, so that permuting the holders maps one onto another.
  const list = [...classes.values()];
  const kindOf = new Int32Array(list.length).fill(-1);
  const byShape = new Map<string, number[]>();
  list.forEach((c, ci) => c.holder && byShape.set(c.shape, [...(byShape.get(c.shape) ?? []), ci]));
  for (const cis of byShape.values()) {
    const h = list[cis[0]!]!.holder!;
    const f = families[h.family]!;
    const local = (ci: number): string => list[ci]!.slots.map((g) => g - f[list[ci]!.holder!.member]!.slotBase).join(",");
    // One class per holder (a class's key names its holder's PD), so all of them hold one when there are as many.
    if (cis.length !== f.length || cis.some((ci) => local(ci) !== local(cis[0]!))) return { family: h.family, why: `the replicas of ${L.model.components[f[0]!.comp]!.group} hold capabilities to another family's objects in different slots` };
    const kind = cis.find((ci) => list[ci]!.holder!.member === 0)!;
    for (const ci of cis) kindOf[ci] = kind;
  }
  return { classes: list.map((c, ci) => ({ family: c.family, slots: c.slots, holder: c.holder, kind: kindOf[ci]! })) };
}

/**
 * Why a permutation does not map every thread's program onto its image's, or null. Programs
 * are compared as JSON with every object they name mapped (a list of components or regions
 * as a set).
 */
function programMismatch(sys: System, p: Permutation): string | null {
  const model = sys.model;
  // Model-level images of threads, portals, regions and semaphores, from the components'.
  const threadImg = model.threads.map((t) => t.index);
  const portalImg = model.portals.map((x) => x.index);
  const regionImg = model.regions.map((x) => x.index);
  const semImg = model.semaphores.map((x) => x.index);
  for (const c of model.components) {
    const t = p.comp[c.index]!;
    if (t === c.index) continue;
    const img = model.components[t]!;
    c.threads.forEach((x, k) => (threadImg[x] = img.threads[k]!));
    c.portals.forEach((x, k) => (portalImg[x] = img.portals[k]!));
    c.regions.forEach((x, k) => (regionImg[x] = img.regions[k]!));
    c.semaphores.forEach((x, k) => (semImg[x] = img.semaphores[k]!));
  }
  const obj = (o: ObjectRef): ObjectRef => {
    const index =
      o.kind === "region" ? regionImg[o.index]!
      : o.kind === "portal" ? portalImg[o.index]!
      : o.kind === "semaphore" ? semImg[o.index]!
      : o.kind === "thread" ? threadImg[o.index]!
      : o.kind === "pd" ? p.comp[o.index]!
      : o.index;
    return { kind: o.kind, index };
  };
  const mapped = (code: unknown, map: boolean): string =>
    JSON.stringify(code, function (key, v: unknown) {
      if (!map) return Array.isArray(v) && (key === "comps" || key === "regions") ? [...(v as number[])].sort((a, b) => a - b) : v;
      if (typeof v === "number") {
        if (key === "portal") return portalImg[v];
        if (key === "to") return p.comp[v];
        if (key === "key") return regionImg[v];
        return v;
      }
      if (Array.isArray(v) && key === "comps") return (v as number[]).map((x) => p.comp[x]!).sort((a, b) => a - b);
      if (Array.isArray(v) && key === "regions") return (v as number[]).map((x) => regionImg[x]!).sort((a, b) => a - b);
      if (v && typeof v === "object" && "kind" in v && "index" in v && typeof (v as ObjectRef).index === "number" && !("node" in v)) return obj(v as ObjectRef);
      return v;
    });
  for (const t of model.threads) {
    const img = threadImg[t.index]!;
    const a = mapped(JSON.parse(mapped(sys.programs[t.index]!.code, true)), false);
    const b = mapped(sys.programs[img]!.code, false);
    if (a !== b) return `the program of ${model.components[t.owner]!.name}.${t.name} does not map onto that of its image`;
  }
  return null;
}

/** Whether two state vectors are equal word for word. */
export function sameState(a: StateVector, b: StateVector): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
