# The grammar of .nizza scenario files (nearley, with the moo lexer in src/dsl/lexer.ts).
#
# Reserved words are lexed as `kw` tokens and can never be names; every other word
# of the language is contextual (matched by its text) and may also name things.
# Lists are left-recursive, and `;` may appear anywhere a list item may, which keeps
# the grammar unambiguous: test/dsl/grammar.test.ts asserts exactly one parse for
# every shipped scenario and fixture. No rule is right-recursive over a list or a
# chain (nearley's Earley parser would take quadratic time over it), and lists are
# built with grammar-support's helpers, which add an item without copying the list:
# test/dsl/parse-work.test.ts holds the parser's work linear in the input.

@preprocessor typescript

@{%
import { NizzaLexer } from "./lexer.js";
import { node, name, num, str, empty, append, keep, first, more, pair, push, wrap, unwrap, elseIf, ifChain } from "./grammar-support.js";
const lexer = new NizzaLexer();
%}

@lexer lexer

Main -> System {% id %}

System -> "system" Name "{" Items "}"
  {% (d) => node("System", d, { name: d[1], items: d[3] }) %}

Items -> null {% empty %}
  | Items Item {% append %}
  | Items ";" {% keep %}

Item -> Import {% id %} | Machine {% id %} | Kernel {% id %} | Component {% id %}
  | Invariant {% id %} | Path {% id %}

Import -> "import" %string ImportBindings:? {% (d) => node("Import", d, { path: str(d[1]), bindings: unwrap(d[2]) ?? [] }) %}

# `import "lib/viaduct.nizza" { wan = linux_black }`: the imported file's component `wan`
# stands in for this system's `linux_black`.
ImportBindings -> "{" Bindings "}" {% (d) => wrap(d[1], d) %}
Bindings -> null {% empty %}
  | Bindings Binding {% append %}
  | Bindings ";" {% keep %}
Binding -> Name "=" Name {% (d) => node("Binding", d, { standIn: d[0], to: d[2] }) %}

# ---- machine ---------------------------------------------------------------------

Machine -> "machine" "{" MachineItems "}" {% (d) => node("Machine", d, { items: d[2] }) %}

MachineItems -> null {% empty %}
  | MachineItems MachineItem {% append %}
  | MachineItems ";" {% keep %}

MachineItem -> "cpus" Num {% (d) => node("Cpus", d, { count: d[1] }) %}
  | "memory" Num {% (d) => node("MachineMemory", d, { size: d[1] }) %}
  | "device" Name DeviceBody:? {% (d) => node("Device", d, { name: d[1], items: unwrap(d[2]) }) %}
  | "iommu" {% (d) => node("Iommu", d) %}

DeviceBody -> "{" DeviceItems "}" {% (d) => wrap(d[1], d) %}

DeviceItems -> null {% empty %}
  | DeviceItems DeviceItem {% append %}
  | DeviceItems ";" {% keep %}

DeviceItem -> "irq" Num {% (d) => node("Irq", d, { line: d[1] }) %}
  | "mmio" Num {% (d) => node("Mmio", d, { size: d[1] }) %}
  | "dma" {% (d) => node("Dma", d) %}
  | "produces" Labels {% (d) => node("Produces", d, { labels: unwrap(d[1]) }) %}

Labels -> "[" "]" {% (d) => wrap([], d) %}
  | "[" NameList "]" {% (d) => wrap(d[1], d) %}

# ---- kernel ----------------------------------------------------------------------

Kernel -> "kernel" Name KernelBody:? {% (d) => node("Kernel", d, { personality: d[1], options: unwrap(d[2]) }) %}

KernelBody -> "{" KernelOptions "}" {% (d) => wrap(d[1], d) %}

KernelOptions -> null {% empty %}
  | KernelOptions KernelOption {% append %}
  | KernelOptions ";" {% keep %}

KernelOption -> "preemptible" "revoke" {% (d) => node("PreemptibleRevoke", d) %}
  | "strict" "scheduling" {% (d) => node("StrictScheduling", d) %}
  | "fault" Name {% (d) => node("Fault", d, { flag: d[1] }) %}
  | "costs" %string {% (d) => node("Costs", d, { preset: str(d[1]) }) %}

# ---- components ------------------------------------------------------------------

Component -> "component" Name Replicas:? ":" Trust "root":? "{" ComponentItems "}"
  {% (d) => node("Component", d, { name: d[1], replicas: d[2], trust: d[4], root: d[5] !== null, items: d[7] }) %}

Replicas -> "[" Num "]" {% (d) => d[1] %}

Trust -> "trusted" {% () => "trusted" %} | "untrusted" {% () => "untrusted" %}

ComponentItems -> null {% empty %}
  | ComponentItems ComponentItem {% append %}
  | ComponentItems ";" {% keep %}

ComponentItem -> "sloc" Num {% (d) => node("Sloc", d, { count: d[1] }) %}
  | "memory" Name Num Labels:? {% (d) => node("Region", d, { name: d[1], size: d[2], labels: unwrap(d[3]) }) %}
  | "device" Name {% (d) => node("UseDevice", d, { device: d[1] }) %}
  | "portal" Name {% (d) => node("Portal", d, { name: d[1] }) %}
  | "semaphore" Name {% (d) => node("Semaphore", d, { name: d[1] }) %}
  | "pager" Name {% (d) => node("Pager", d, { pager: d[1] }) %}
  | "exceptions" Name {% (d) => node("Exceptions", d, { handler: d[1] }) %}
  | "caps" "{" CapEntries "}" {% (d) => node("Caps", d, { entries: d[2] }) %}
  | "thread" Name ThreadAttrs Block {% (d) => node("Thread", d, { name: d[1], attrs: d[2], body: d[3] }) %}
  | "adversary" "steps" Num {% (d) => node("Adversary", d, { steps: d[2] }) %}

CapEntries -> null {% empty %}
  | CapEntries CapEntry {% append %}
  | CapEntries ";" {% keep %}

CapEntry -> Ref ":" Rights {% (d) => node("CapEntry", d, { target: d[0], rights: d[2] }) %}

Rights -> RightList {% (d) => node("Rights", d, { words: d[0] }) %}
RightList -> Right {% first %} | RightList "+" Right {% more %}
# `call`, `up` and `down` are reserved (statements) but are also rights.
Right -> %ident {% (d) => name(d[0]) %}
  | "call" {% (d) => name(d[0]) %}
  | "up" {% (d) => name(d[0]) %}
  | "down" {% (d) => name(d[0]) %}

ThreadAttrs -> null {% empty %}
  | ThreadAttrs "prio" Num {% (d) => push(d[0], node("ThreadAttr", [d[1], d[2]], { attr: "prio", value: d[2] })) %}
  | ThreadAttrs "cpu" Num {% (d) => push(d[0], node("ThreadAttr", [d[1], d[2]], { attr: "cpu", value: d[2] })) %}

# ---- statements ------------------------------------------------------------------

Block -> "{" Stmts "}" {% (d) => node("Block", d, { stmts: d[1] }) %}

Stmts -> null {% empty %}
  | Stmts Stmt {% append %}
  | Stmts ";" {% keep %}

Stmt -> "call" Ref "(" Args ")" With:? Bind:? Timeout:?
    {% (d) => node("Call", d, { portal: d[1], args: d[3], item: d[5], bind: d[6], timeout: d[7] }) %}
  | "recv" Ref Bind:? {% (d) => node("Recv", d, { portal: d[1], bind: d[2] }) %}
  | "reply" Expr With:? {% (d) => node("Reply", d, { value: d[1], item: d[2] }) %}
  | "up" Ref {% (d) => node("Up", d, { sem: d[1] }) %}
  | "down" Ref {% (d) => node("Down", d, { sem: d[1] }) %}
  | "read" Ref "->" Name {% (d) => node("Read", d, { region: d[1], bind: d[3] }) %}
  | "write" Ref "<-" Expr {% (d) => node("Write", d, { region: d[1], value: d[3] }) %}
  | "delegate" Ref "->" Name ":" Rights {% (d) => node("Delegate", d, { cap: d[1], to: d[3], rights: d[5] }) %}
  | "revoke" Ref {% (d) => node("Revoke", d, { cap: d[1] }) %}
  | "map" Ref MapTo:? MapRights:? {% (d) => node("Map", d, { region: d[1], to: d[2], rights: d[3] }) %}
  | "unmap" Ref {% (d) => node("Unmap", d, { region: d[1] }) %}
  | "loop" Block {% (d) => node("Loop", d, { body: d[1] }) %}
  | "repeat" Num Block {% (d) => node("Repeat", d, { count: d[1], body: d[2] }) %}
  | "choose" Branches {% (d) => node("Choose", d, { branches: d[1] }) %}
  | If {% id %}
  | "assert" Expr {% (d) => node("Assert", d, { cond: d[1] }) %}
  | "raise" Expr Bind:? {% (d) => node("Raise", d, { value: d[1], bind: d[2] }) %}

# A capability sent with the message (NOVA's typed item): `with CAP` or `with CAP : rights`.
With -> "with" Ref {% (d) => node("Item", d, { cap: d[1], rights: null }) %}
  | "with" Ref ":" Rights {% (d) => node("Item", d, { cap: d[1], rights: d[3] }) %}
Bind -> "->" Name {% (d) => d[1] %}
Timeout -> "timeout" Num {% (d) => d[1] %}
MapTo -> "->" Name {% (d) => d[1] %}
MapRights -> ":" Rights {% (d) => d[1] %}

# At least two branches.
Branches -> Block "or" Block {% pair %}
  | Branches "or" Block {% more %}

# `if c0 {} else if c1 {} else {}`: the else-ifs are a left-recursive list, and the nested
# Ifs (each `else if` the `else` of the one before) are built from it after the parse.
If -> "if" Expr Block ElseIfs {% (d) => ifChain(d, null) %}
  | "if" Expr Block ElseIfs "else" Block {% (d) => ifChain(d, d[5]) %}
ElseIfs -> null {% empty %}
  | ElseIfs "else" "if" Expr Block {% (d) => push(d[0], elseIf(d)) %}

Args -> null {% empty %} | ArgList {% id %}
ArgList -> Expr {% first %} | ArgList "," Expr {% more %}

# ---- expressions: or < and < not < comparison (non-associative) < atoms ---------
# `not` binds looser than `==`, so `not x == y` reads `not (x == y)`.

Expr -> Or {% id %}
Or -> Or "or" And {% (d) => node("Binary", d, { op: "or", left: d[0], right: d[2] }) %} | And {% id %}
And -> And "and" Not {% (d) => node("Binary", d, { op: "and", left: d[0], right: d[2] }) %} | Not {% id %}
Not -> "not" Not {% (d) => node("Not", d, { arg: d[1] }) %} | Cmp {% id %}
Cmp -> Atom "==" Atom {% (d) => node("Binary", d, { op: "==", left: d[0], right: d[2] }) %}
  | Atom "!=" Atom {% (d) => node("Binary", d, { op: "!=", left: d[0], right: d[2] }) %}
  | Atom {% id %}
Atom -> "ok" {% (d) => node("Ok", d) %}
  | Num {% (d) => node("Int", d, { value: d[0] }) %}
  | Ref {% (d) => node("RefExpr", d, { ref: d[0] }) %}
  | Name "(" Args ")" {% (d) => node("Apply", d, { fn: d[0], args: d[2] }) %}
  | "(" Expr ")" {% (d) => ({ ...d[1], span: node("Paren", d).span }) %}

# ---- invariants and paths --------------------------------------------------------

Invariant -> "invariant" InvName:? Property Expect:?
  {% (d) => node("Invariant", d, { name: d[1], prop: d[2], expect: d[3] }) %}
InvName -> Name ":" {% id %}

Expect -> "expect" "violated" {% (d) => node("Expect", d, { outcome: "violated" }) %}
  | "expect" "holds" {% (d) => node("Expect", d, { outcome: "holds" }) %}

Property -> "isolated" "(" Name "," Name ")" Mediators:?
    {% (d) => node("Isolated", d, { a: d[2], b: d[4], via: d[6] ?? [] }) %}
  | "never" "flows" "(" Labels "->" NameList ")"
    {% (d) => node("NeverFlows", d, { labels: unwrap(d[3]), sinks: d[5] }) %}
  | "tcb" "(" Name ")" "<=" "{" NameList "}"
    {% (d) => node("TcbSubset", d, { of: d[2], bound: d[6] }) %}
  | "tcb" "(" Name ")" "." "sloc" "<=" Num
    {% (d) => node("TcbSloc", d, { of: d[2], max: d[7] }) %}
  | "revocable" "(" Ref ")" {% (d) => node("Revocable", d, { cap: d[2] }) %}
  | "available" "(" Ref ")" {% (d) => node("Available", d, { portal: d[2] }) %}
  | "deadlock_free" {% (d) => node("DeadlockFree", d) %}
  | "always" Expr {% (d) => node("Always", d, { cond: d[1] }) %}
  | "never" Expr {% (d) => node("Never", d, { cond: d[1] }) %}

Mediators -> "except" "via" NameList {% (d) => d[2] %}

Path -> "path" Name ":" Event "->" Event Within:? Expect:?
  {% (d) => node("Path", d, { name: d[1], from: d[3], to: d[5], within: unwrap(d[6]), expect: d[7] }) %}
Within -> "within" Num "cycles" {% (d) => wrap(d[1], d) %}

Event -> Name "calls" Ref {% (d) => node("Event", d, { subject: d[0], verb: "calls", portal: d[2] }) %}
  | Name "receives" Ref {% (d) => node("Event", d, { subject: d[0], verb: "receives", portal: d[2] }) %}
  | Name "gets" "reply" {% (d) => node("Event", d, { subject: d[0], verb: "gets reply", portal: null }) %}
  | Name "fires" {% (d) => node("Event", d, { subject: d[0], verb: "fires", portal: null }) %}
  | Name "delivers" {% (d) => node("Event", d, { subject: d[0], verb: "delivers", portal: null }) %}
  | Name "faults" {% (d) => node("Event", d, { subject: d[0], verb: "faults", portal: null }) %}
  | Name "resumes" {% (d) => node("Event", d, { subject: d[0], verb: "resumes", portal: null }) %}

# ---- names, references, literals -------------------------------------------------

Name -> %ident {% (d) => name(d[0]) %}
NameList -> Name {% first %} | NameList "," Name {% more %}
Ref -> Name {% (d) => node("Ref", d, { parts: [d[0]] }) %}
  | Name "." Name {% (d) => node("Ref", d, { parts: [d[0], d[2]] }) %}
Num -> %number {% (d) => num(d[0]) %}
