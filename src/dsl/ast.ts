// The scenario AST: plain data, one `kind` per construct, a stable `id` per node (spans live in the SourceMap).
import type { NodeId } from "./source.js";

interface Node {
  readonly id: NodeId;
}

/** An identifier as written. */
export interface Name extends Node {
  readonly kind: "Name";
  readonly text: string;
}

/** A numeric literal as written: decimal or hex, with an optional size suffix (K, M, G). */
export interface Num extends Node {
  readonly kind: "Num";
  readonly text: string;
}

export interface Str extends Node {
  readonly kind: "Str";
  /** The string's contents, escapes resolved. */
  readonly value: string;
}

/** A reference `a` or `a.b`. */
export interface Ref extends Node {
  readonly kind: "Ref";
  readonly parts: readonly Name[];
}

/** Rights joined by `+`: `rw`, `call`, `up+down`. */
export interface Rights extends Node {
  readonly kind: "Rights";
  readonly words: readonly Name[];
}

export interface SystemAst extends Node {
  readonly kind: "System";
  readonly name: Name;
  readonly items: readonly Item[];
}

export type Item = Import | Machine | Kernel | Component | Invariant | PathDecl;

export interface Import extends Node {
  readonly kind: "Import";
  readonly path: Str;
  /** `{ standIn = to ... }`: imported components that stand in for this system's. */
  readonly bindings: readonly Binding[];
}
/** `wan = linux_black` in an import: the imported component `wan` is this system's `linux_black`. */
export interface Binding extends Node {
  readonly kind: "Binding";
  readonly standIn: Name;
  readonly to: Name;
}

// ---- machine ----------------------------------------------------------------

export interface Machine extends Node {
  readonly kind: "Machine";
  readonly items: readonly MachineItem[];
}
export type MachineItem = Cpus | MachineMemory | Device | Iommu;
export interface Cpus extends Node {
  readonly kind: "Cpus";
  readonly count: Num;
}
export interface MachineMemory extends Node {
  readonly kind: "MachineMemory";
  readonly size: Num;
}
export interface Device extends Node {
  readonly kind: "Device";
  readonly name: Name;
  /** null when written without a body (`device timer`). */
  readonly items: readonly DeviceItem[] | null;
}
export interface Iommu extends Node {
  readonly kind: "Iommu";
}
export type DeviceItem = Irq | Mmio | Dma | Produces;
export interface Irq extends Node {
  readonly kind: "Irq";
  readonly line: Num;
}
export interface Mmio extends Node {
  readonly kind: "Mmio";
  readonly size: Num;
}
export interface Dma extends Node {
  readonly kind: "Dma";
}
export interface Produces extends Node {
  readonly kind: "Produces";
  readonly labels: readonly Name[];
}

// ---- kernel -----------------------------------------------------------------

export interface Kernel extends Node {
  readonly kind: "Kernel";
  readonly personality: Name;
  /** null when written without an options block. */
  readonly options: readonly KernelOption[] | null;
}
export type KernelOption = PreemptibleRevoke | StrictScheduling | FaultOption | CostsOption;
export interface PreemptibleRevoke extends Node {
  readonly kind: "PreemptibleRevoke";
}
/** `strict scheduling`: only the highest-priority runnable EC of a CPU runs (kernel.md §11). */
export interface StrictScheduling extends Node {
  readonly kind: "StrictScheduling";
}
export interface FaultOption extends Node {
  readonly kind: "Fault";
  readonly flag: Name;
}
export interface CostsOption extends Node {
  readonly kind: "Costs";
  readonly preset: Str;
}

// ---- components ---------------------------------------------------------------

export type Trust = "trusted" | "untrusted";

export interface Component extends Node {
  readonly kind: "Component";
  readonly name: Name;
  /** `[N]`: N identical replicas; null when not replicated. */
  readonly replicas: Num | null;
  readonly trust: Trust;
  readonly root: boolean;
  readonly items: readonly ComponentItem[];
}
export type ComponentItem =
  | Sloc
  | Region
  | UseDevice
  | Portal
  | Semaphore
  | Pager
  | Exceptions
  | Caps
  | Thread
  | Adversary;
export interface Sloc extends Node {
  readonly kind: "Sloc";
  readonly count: Num;
}
/** `memory NAME SIZE [labels]`: a memory region the component owns. */
export interface Region extends Node {
  readonly kind: "Region";
  readonly name: Name;
  readonly size: Num;
  /** null when no label list is written; `[]` is kept as an empty list. */
  readonly labels: readonly Name[] | null;
}
/** `device NAME`: the machine device is assigned to this component. */
export interface UseDevice extends Node {
  readonly kind: "UseDevice";
  readonly device: Name;
}
export interface Portal extends Node {
  readonly kind: "Portal";
  readonly name: Name;
}
export interface Semaphore extends Node {
  readonly kind: "Semaphore";
  readonly name: Name;
}
export interface Pager extends Node {
  readonly kind: "Pager";
  readonly pager: Name;
}
/** `exceptions C`: component C handles this component's exceptions (they become IPC to C). */
export interface Exceptions extends Node {
  readonly kind: "Exceptions";
  readonly handler: Name;
}
export interface Caps extends Node {
  readonly kind: "Caps";
  readonly entries: readonly CapEntry[];
}
export interface CapEntry extends Node {
  readonly kind: "CapEntry";
  readonly target: Ref;
  readonly rights: Rights;
}
export interface Thread extends Node {
  readonly kind: "Thread";
  readonly name: Name;
  readonly attrs: readonly ThreadAttr[];
  readonly body: Block;
}
export interface ThreadAttr extends Node {
  readonly kind: "ThreadAttr";
  readonly attr: "prio" | "cpu";
  readonly value: Num;
}
export interface Adversary extends Node {
  readonly kind: "Adversary";
  readonly steps: Num;
}

// ---- statements ---------------------------------------------------------------

export interface Block extends Node {
  readonly kind: "Block";
  readonly stmts: readonly Stmt[];
}

export type Stmt =
  | CallStmt
  | RecvStmt
  | ReplyStmt
  | UpStmt
  | DownStmt
  | ReadStmt
  | WriteStmt
  | DelegateStmt
  | RevokeStmt
  | MapStmt
  | UnmapStmt
  | LoopStmt
  | RepeatStmt
  | ChooseStmt
  | IfStmt
  | AssertStmt
  | RaiseStmt;

/** `with CAP [: rights]`: a capability delegated with a message. */
export interface ItemClause extends Node {
  readonly kind: "Item";
  readonly cap: Ref;
  /** null: the rights the sender holds. */
  readonly rights: Rights | null;
}

export interface CallStmt extends Node {
  readonly kind: "Call";
  readonly portal: Ref;
  readonly args: readonly Expr[];
  readonly item: ItemClause | null;
  readonly bind: Name | null;
  readonly timeout: Num | null;
}
export interface RecvStmt extends Node {
  readonly kind: "Recv";
  readonly portal: Ref;
  readonly bind: Name | null;
}
export interface ReplyStmt extends Node {
  readonly kind: "Reply";
  readonly value: Expr;
  readonly item: ItemClause | null;
}
export interface UpStmt extends Node {
  readonly kind: "Up";
  readonly sem: Ref;
}
export interface DownStmt extends Node {
  readonly kind: "Down";
  readonly sem: Ref;
}
export interface ReadStmt extends Node {
  readonly kind: "Read";
  readonly region: Ref;
  readonly bind: Name;
}
export interface WriteStmt extends Node {
  readonly kind: "Write";
  readonly region: Ref;
  readonly value: Expr;
}
export interface DelegateStmt extends Node {
  readonly kind: "Delegate";
  readonly cap: Ref;
  readonly to: Name;
  readonly rights: Rights;
}
export interface RevokeStmt extends Node {
  readonly kind: "Revoke";
  readonly cap: Ref;
}
/** `map R [-> C] [: rights]`: install a region in C's page table (default: the mapper's own). */
export interface MapStmt extends Node {
  readonly kind: "Map";
  readonly region: Ref;
  readonly to: Name | null;
  readonly rights: Rights | null;
}
export interface UnmapStmt extends Node {
  readonly kind: "Unmap";
  readonly region: Ref;
}
export interface LoopStmt extends Node {
  readonly kind: "Loop";
  readonly body: Block;
}
export interface RepeatStmt extends Node {
  readonly kind: "Repeat";
  readonly count: Num;
  readonly body: Block;
}
export interface ChooseStmt extends Node {
  readonly kind: "Choose";
  /** Two or more alternatives. */
  readonly branches: readonly Block[];
}
export interface IfStmt extends Node {
  readonly kind: "If";
  readonly cond: Expr;
  readonly then: Block;
  readonly else: Block | IfStmt | null;
}
export interface AssertStmt extends Node {
  readonly kind: "Assert";
  readonly cond: Expr;
}
/** `raise E [-> x]`: an exception carrying E, sent as IPC to the component's exception handler. */
export interface RaiseStmt extends Node {
  readonly kind: "Raise";
  readonly value: Expr;
  readonly bind: Name | null;
}

// ---- expressions ----------------------------------------------------------------

export type Expr = RefExpr | OkExpr | IntExpr | ApplyExpr | NotExpr | BinaryExpr;
/** A variable, or a name the enclosing function gives meaning (`seal(x, key)`). */
export interface RefExpr extends Node {
  readonly kind: "RefExpr";
  readonly ref: Ref;
}
export interface OkExpr extends Node {
  readonly kind: "Ok";
}
export interface IntExpr extends Node {
  readonly kind: "Int";
  readonly value: Num;
}
export interface ApplyExpr extends Node {
  readonly kind: "Apply";
  readonly fn: Name;
  readonly args: readonly Expr[];
}
export interface NotExpr extends Node {
  readonly kind: "Not";
  readonly arg: Expr;
}
export type BinaryOp = "and" | "or" | "==" | "!=";
export interface BinaryExpr extends Node {
  readonly kind: "Binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  /**
   * Inside a chain `a or b or c …` (or of `and`) written without parentheses, which the parser
   * balances (grammar-support.ts `balanced`): the formatter writes it back as the chain.
   */
  readonly chain?: boolean;
}

// ---- invariants and paths -------------------------------------------------------

export type Expectation = "holds" | "violated";

export interface Invariant extends Node {
  readonly kind: "Invariant";
  readonly name: Name | null;
  readonly prop: Property;
  readonly expect: ExpectClause | null;
}
export interface ExpectClause extends Node {
  readonly kind: "Expect";
  readonly outcome: Expectation;
}

export type Property =
  | IsolatedProp
  | FlowsProp
  | TcbSubsetProp
  | TcbSlocProp
  | RevocableProp
  | AvailableProp
  | DeadlockFreeProp
  | AlwaysProp
  | NeverProp;
export interface IsolatedProp extends Node {
  readonly kind: "Isolated";
  readonly a: Name;
  readonly b: Name;
  /** Mediators after `except via`; empty when there is none. */
  readonly via: readonly Name[];
}
export interface FlowsProp extends Node {
  readonly kind: "NeverFlows";
  readonly labels: readonly Name[];
  readonly sinks: readonly Name[];
}
export interface TcbSubsetProp extends Node {
  readonly kind: "TcbSubset";
  readonly of: Name;
  readonly bound: readonly Name[];
}
export interface TcbSlocProp extends Node {
  readonly kind: "TcbSloc";
  readonly of: Name;
  readonly max: Num;
}
export interface RevocableProp extends Node {
  readonly kind: "Revocable";
  readonly cap: Ref;
}
export interface AvailableProp extends Node {
  readonly kind: "Available";
  readonly portal: Ref;
}
export interface DeadlockFreeProp extends Node {
  readonly kind: "DeadlockFree";
}
export interface AlwaysProp extends Node {
  readonly kind: "Always";
  readonly cond: Expr;
}
export interface NeverProp extends Node {
  readonly kind: "Never";
  readonly cond: Expr;
}

export interface PathDecl extends Node {
  readonly kind: "Path";
  readonly name: Name;
  readonly from: Event;
  readonly to: Event;
  readonly within: Num | null;
  /** Never valid on a path; parsed so that validation can say so clearly. */
  readonly expect: ExpectClause | null;
}

export type EventVerb = "calls" | "receives" | "gets reply" | "fires" | "delivers" | "faults" | "resumes";
export const EVENT_VERBS: readonly EventVerb[] = [
  "calls", "receives", "gets reply", "fires", "delivers", "faults", "resumes",
];
export interface Event extends Node {
  readonly kind: "Event";
  readonly subject: Name;
  readonly verb: EventVerb;
  /** The portal of `calls` and `receives`; null for the other verbs. */
  readonly portal: Ref | null;
}

export type AnyNode =
  | SystemAst | Item | MachineItem | DeviceItem | KernelOption | ComponentItem | CapEntry
  | ThreadAttr | Block | Stmt | Expr | Property | PathDecl | Event | ExpectClause | ItemClause
  | Name | Num | Str | Ref | Rights;
