// Cost presets: which kernel's published figures a scenario is timed with, and each primitive's price.
import type { Personality } from "../kernel/personality.js";
import { PRIMITIVES, type Primitive } from "../machine/meter.js";

/**
 * The names a scenario may give to `costs "..."`. The front end validates against this
 * table; the cost models below (COST_MODELS) give every name its prices. spec/costs.md is the
 * reference: every figure, its basis and its source, and the composition that reproduces each
 * preset's published headline.
 */
export const COST_PRESETS = {
  "l4-486": "L4 on a 50 MHz i486 (Liedtke, SOSP 1993)",
  "mach-486": "Mach 3 on the same class of i486 machine",
  nova: "NOVA on a Core i7 920 (Steinberg and Kauer, EuroSys 2010)",
  sel4: "seL4 on x86-64 Skylake (seL4 published benchmarks)",
  fiasco: "Fiasco.OC / L4Re inter-address-space IPC",
  "linux-monolithic": "Linux system call without page-table isolation (the monolithic baseline)",
  "linux-monolithic-pti": "Linux system call with page-table isolation (the monolithic baseline)",
} as const;

export type CostPreset = keyof typeof COST_PRESETS;

export function isCostPreset(s: string): s is CostPreset {
  return Object.hasOwn(COST_PRESETS, s);
}

/** The preset a personality is timed with when the scenario names none. */
export const DEFAULT_PRESET: Record<Personality, CostPreset> = {
  nova: "nova",
  fiasco: "fiasco",
  l4: "l4-486",
  sel4: "sel4",
  // Xen and exokernel runs take the figures of the contemporary microkernel on the
  // same hardware class until presets of their own are added (spec/costs.md).
  xen: "nova",
  exokernel: "l4-486",
  monolithic: "linux-monolithic",
};

/**
 * How a price was obtained (spec/costs.md §Conventions):
 * - `published`: printed in the source named;
 * - `derived`: computed from published figures, the computation in `note`;
 * - `estimated`: no published figure was found; `note` gives the reasoning.
 */
export type Basis = "published" | "derived" | "estimated";

/** One primitive's price under a preset. */
export interface PrimitiveCost {
  readonly cycles: number;
  readonly basis: Basis;
  /** Where the figure (or the figures it is derived from) is printed; for an estimate, what it rests on. */
  readonly source: string;
  /** The computation or the reasoning. */
  readonly note: string;
}

/** The preset's published end-to-end figure, which its primitives must reproduce. */
export interface Headline {
  /**
   * Which composition reproduces it (src/timing/price.ts): `one-way IPC` is `oneWayIpc`
   * (half a call/reply round trip between two address spaces); `null system call` is
   * `nullSyscall` (one kernel entry and one exit).
   */
  readonly what: "one-way IPC" | "null system call";
  readonly cycles: number;
  /** The figure as the source prints it (with its unit). */
  readonly published: string;
  /** Half a unit of the published figure's last digit, in cycles: how far the composition may be off. */
  readonly tolerance: number;
  /** Message words in the benchmark (nizza's default is 2, kernel.md §3.1). */
  readonly msgWords: number;
  readonly source: string;
}

/** A preset's cost model: the machine, and a price for every primitive the meter counts. */
export interface CostModel {
  readonly name: CostPreset;
  /** Set on a variant (e.g. `pti` of `linux-monolithic`), absent on the preset itself. */
  readonly variant?: string;
  readonly title: string;
  readonly machine: string;
  readonly clockMHz: number;
  /** Whether the machine's TLB is tagged (an address-space switch keeps it): no `tlbFlush` is charged then. */
  readonly taggedTlb: boolean;
  readonly headline: Headline;
  readonly costs: Readonly<Record<Primitive, PrimitiveCost>>;
  /** Cycles by primitive number (P), for the per-step pricing (price.ts). */
  readonly vector: Float64Array;
  /** Alternative models of the same preset (e.g. `linux-monolithic`'s `pti`). */
  readonly variants: Readonly<Record<string, CostModel>>;
}

const c = (cycles: number, basis: Basis, source: string, note: string): PrimitiveCost => ({ cycles, basis, source, note });

type Spec = Omit<CostModel, "vector" | "variants" | "title"> & { readonly title?: string; readonly variants?: Readonly<Record<string, CostModel>> };

function model(s: Spec): CostModel {
  for (const p of PRIMITIVES) if (s.costs[p] === undefined) throw new Error(`cost preset ${s.name}: no price for ${p}`);
  const vector = new Float64Array(PRIMITIVES.length);
  PRIMITIVES.forEach((p, i) => (vector[i] = s.costs[p].cycles));
  return { ...s, title: s.title ?? COST_PRESETS[s.name], vector, variants: s.variants ?? {} };
}

/** A model like `base` with some prices replaced: a variant of the same preset. */
function variant(base: CostModel, name: string, s: Partial<Omit<Spec, "costs" | "name">> & { costs: Partial<Record<Primitive, PrimitiveCost>> }): CostModel {
  return model({ ...base, ...s, variant: name, costs: { ...base.costs, ...s.costs }, variants: {} });
}

// ---- Sources (spec/costs.md §Sources gives the full references) ----------------------------

const LIEDTKE93 = 'Liedtke, "Improving IPC by Kernel Design", SOSP 1993 (doi:10.1145/168619.168633)';
const LIEDTKE95 = 'Liedtke, "On µ-Kernel Construction", SOSP 1995 (doi:10.1145/224056.224075)';
const TS_TABLE = 'trustworthy.systems, "Microkernel Performance Metrics" table (projects/OLD/L4/comparative_performance)';
const NOVA10 = 'Steinberg and Kauer, "NOVA: A Microhypervisor-Based Secure Virtualization Architecture", EuroSys 2010';
const SEL4_PAGE = "sel4.systems/About/Performance, generated 2024-05-23 for sel4bench-manifest 6635a81f (i7-6700, x86-64, non-MCS, fastpath, no skim window)";
const SEL4_RAW = "seL4/sel4bench-results 2026/pc99-skylake/PC99_64_noksw_skylake.jsonl (run 22240228888, 2026-02-20, means)";
const L4RE = 'L4Re "IPC and Syscall Performance" (l4re.org/performance.html), Xeon Platinum 8352S, core clocks unhalted';
const PTI_RST = "Linux Documentation/x86/pti.rst (\"moves to CR3 are on the order of a hundred cycles\")";
const MODESWITCH = "eecheng87/mode-switch-stat issue #1 (2021-04-07), with the issue's ×0.83 erratum";
const HASWELL_TLB = "pc.watch Haswell article (2013-06-21, p. 15): L2-TLB hit ≈ 12 cycles, a miss ≈ 20 more";
const HANSEN_INVPCID = "Dave Hansen, linux-mm 2017 (mail.spinics.net/lists/linux-mm/msg140758.html): ≈ 350 cycles per page";
const NONE = "no published figure found";
const HIT = c(0, "estimated", "convention (spec/costs.md §Conventions)", "a TLB hit adds nothing to the access it serves; nizza prices only the extra work of the kernel and the MMU");

// ---- l4-486 ----------------------------------------------------------------------------------

const L4_486 = model({
  name: "l4-486",
  machine: "Intel i486 DX-50, uniprocessor, untagged 32-entry TLB",
  clockMHz: 50,
  taggedTlb: false,
  headline: {
    what: "one-way IPC",
    cycles: 260,
    published: "5.2 µs (8-byte message, inter-address-space, half a round trip)",
    tolerance: 2.5,
    msgWords: 2,
    source: `${LIEDTKE93}; the abstract rounds it to "5 µs", ${TS_TABLE} to 250 cycles / 5,000 ns`,
  },
  costs: {
    kernelEntry: c(62, "derived", `${LIEDTKE95} §4.1`, "half of L3's 123-cycle kernel-user switch (enter and leave), rounded up"),
    kernelExit: c(61, "derived", `${LIEDTKE95} §4.1`, "the other half of the 123 cycles"),
    contextSwitch: c(75, "derived", `${LIEDTKE93} (5.2 µs one-way)`, "the remainder of the 260-cycle one-way IPC: 260 − 123 − 20 − 36 − 2 × 3; L3's thread switch (virtual TCB array, direct process switch, lazy scheduling)"),
    asSwitch: c(20, "estimated", NONE, "a CR3 load is a few cycles on a 486, plus L3's checks; no source separates it"),
    tlbHit: HIT,
    tlbRefill: c(9, "derived", `${LIEDTKE95} §4.2`, "864 cycles to refill the Pentium's 96 TLB entries after a flush: 9 cycles per entry"),
    tlbFlush: c(36, "estimated", `${LIEDTKE95} §4.2 (9 cycles per refill)`, "the refills the IPC path itself incurs after the flush: 4 pages (code, stack, message of each side) × 9; the page count is the estimate"),
    msgWord: c(3, "estimated", NONE, "rep movsd moves about one dword per 3 cycles on a 486; L3 passes short messages in registers, so an upper bound"),
    capTransfer: c(40, "estimated", NONE, "one flexpage map: a mapping-database insertion and a PTE write, about 15 instructions at a CPI of 2 to 3"),
    pageFault: c(60, "estimated", NONE, "the fault-specific work only (exception frame, CR2, the fault message); the entry, exit and switches of delivery are counted apart"),
    irq: c(200, "estimated", `${LIEDTKE95} §4.1 (123-cycle entry and exit)`, "123 for the interrupt's own entry and exit, about 50 for the 8259 PIC acknowledge (≈ 1 µs on ISA), the rest dispatch; the switch to the handler is counted apart"),
    revokeNode: c(50, "estimated", NONE, "a mapping-database unlink, a PTE clear and an invlpg (≈ 12 cycles on a 486)"),
    shootdown: c(1000, "estimated", NONE, "the machine was a uniprocessor; if a scenario gives it more CPUs, an IPI through an 82489DX APIC with the remote invalidation and acknowledgement is taken as ≈ 20 µs"),
  },
});

// ---- mach-486 --------------------------------------------------------------------------------

const MACH_486 = model({
  name: "mach-486",
  machine: "Intel i486 DX-50, uniprocessor, untagged 32-entry TLB",
  clockMHz: 50,
  taggedTlb: false,
  headline: {
    what: "one-way IPC",
    cycles: 5700,
    published: "114 µs (8-byte message, half a round trip)",
    tolerance: 25,
    msgWords: 2,
    source: `${LIEDTKE93}, the Mach 3.0 comparison (the abstract: "a factor of 22 (8-byte messages)"); 114 µs: the issue's "about 114 µs", which is the abstract's factor of 22 times L3's 5.2 µs (114.4); study notes on the paper print 115 µs`,
  },
  costs: {
    kernelEntry: c(450, "derived", `${LIEDTKE95} §4.1`, "half of Mach's ≈ 900-cycle kernel entry and exit on the 486"),
    kernelExit: c(450, "derived", `${LIEDTKE95} §4.1`, "the other half of the 900 cycles"),
    contextSwitch: c(4508, "derived", `${LIEDTKE93} (114 µs one-way)`, "the remainder of the 5,700-cycle one-way IPC: 5,700 − 900 − 100 − 180 − 2 × 6; holds Mach's IPC path (message validation, port-name translation, port queues, scheduler)"),
    asSwitch: c(100, "estimated", NONE, "pmap_activate: the CR3 load plus Mach's pmap bookkeeping"),
    tlbHit: HIT,
    tlbRefill: c(9, "derived", `${LIEDTKE95} §4.2`, "the same hardware as l4-486: 864 / 96"),
    tlbFlush: c(180, "estimated", `${LIEDTKE95} §4.2 (9 cycles per refill)`, "20 pages refilled by the IPC path × 9: Mach's IPC working set is much larger than L3's (Liedtke 1995); the page count is the estimate"),
    msgWord: c(6, "estimated", NONE, "copyin to a kernel buffer and copyout again: 2 × 3"),
    capTransfer: c(500, "estimated", NONE, "a port right in a message: ipc_right_copyin and copyout and an object reference in each space, hundreds of instructions"),
    pageFault: c(1500, "estimated", NONE, "vm_fault walks the map entries and the shadow-object chain; an external pager's request is modelled as separate IPC steps"),
    irq: c(1100, "estimated", `${LIEDTKE95} §4.1 (900-cycle entry and exit)`, "Mach 3 drivers are in the kernel: ≈ 900 for entry and exit plus ≈ 200 for the PIC and dispatch"),
    revokeNode: c(300, "estimated", NONE, "deallocating a port right or removing a pmap entry"),
    shootdown: c(1000, "estimated", NONE, "as l4-486: uniprocessor machine, ≈ 20 µs for an IPI round trip if a scenario gives it more CPUs"),
  },
});

// ---- nova ------------------------------------------------------------------------------------

const NOVA_SPLIT = "no published breakdown: the 288 cycles are apportioned in seL4's measured Skylake proportions (entry and exit 19 %, address-space switch with refills 29 %, the rest 52 %; spec/costs.md)";

const NOVA = model({
  name: "nova",
  machine: "Intel Core i7 920 (Bloomfield, Nehalem), x86-32, no PCID (untagged TLB)",
  clockMHz: 2667,
  taggedTlb: false,
  headline: {
    what: "one-way IPC",
    cycles: 288,
    published: "288 cycles / 108 ns (inter-address-space, same core, hot cache, half a round trip)",
    tolerance: 0.5,
    msgWords: 2,
    source: `${NOVA10}, as tabulated in ${TS_TABLE}, row "NOVA(1)"`,
  },
  costs: {
    kernelEntry: c(27, "estimated", NOVA10, `${NOVA_SPLIT}: 19 % × 288 / 2 (SYSENTER)`),
    kernelExit: c(27, "estimated", NOVA10, `${NOVA_SPLIT}: the other half`),
    contextSwitch: c(147, "derived", `${NOVA10} (288 cycles)`, "the remainder of 288: 288 − 54 − 35 − 50 − 2 × 1 (portal traversal, EC switch)"),
    asSwitch: c(35, "estimated", NOVA10, `${NOVA_SPLIT}: the CR3 write's share of the 85 cycles`),
    tlbHit: HIT,
    tlbRefill: c(30, "estimated", HASWELL_TLB, "a page walk served by the paging-structure caches and L1/L2: 12 + ≈ 20, Haswell measured, Nehalem assumed alike"),
    tlbFlush: c(50, "estimated", NOVA10, `${NOVA_SPLIT}: the rest of the 85, refills on the IPC path after the untagged CR3 write`),
    msgWord: c(1, "estimated", NONE, "a UTCB word copy"),
    capTransfer: c(100, "estimated", NONE, "delegating a typed item: an insertion into NOVA's mapping database"),
    pageFault: c(200, "estimated", NONE, "the #PF exception costs more than SYSENTER; the exception IPC through the event portal is counted apart"),
    irq: c(600, "estimated", NONE, "interrupt entry and exit, LAPIC EOI, a semaphore up (NOVA delivers IRQs as semaphore ups, kernel.md §2.7)"),
    revokeNode: c(150, "estimated", NONE, "a mapping-database removal, a PTE clear and an invlpg"),
    shootdown: c(4000, "estimated", NONE, "an IPI round trip of ≈ 1.5 µs at 2.67 GHz"),
  },
});

// ---- sel4 ------------------------------------------------------------------------------------

const SEL4_SCALE = "the 2026 raw measurement scaled by 0.409 = (375 − 136) / (720 − 136), since the 2024 page publishes no sub-figures";

const SEL4 = model({
  name: "sel4",
  machine: "Intel Core i7-6700 (Skylake), x86-64; PCID use of the benchmark build unknown, modelled untagged",
  clockMHz: 3400,
  taggedTlb: false,
  headline: {
    what: "one-way IPC",
    cycles: 375,
    published: "375 cycles (IPC call, 0 words, different address space, same core; reply 382)",
    tolerance: 0.5,
    msgWords: 0,
    source: SEL4_PAGE,
  },
  costs: {
    kernelEntry: c(68, "derived", SEL4_RAW, "half of null_syscall 136; assumed the same in the 2024 snapshot (hardware-bound)"),
    kernelExit: c(68, "derived", SEL4_RAW, "the other half of 136"),
    contextSwitch: c(152, "derived", `${SEL4_RAW}; ${SEL4_PAGE}`, `ipc_call_intra − null_syscall = 372, ${SEL4_SCALE}`),
    asSwitch: c(41, "derived", `${SEL4_RAW}; ${PTI_RST}`, `ipc_call − ipc_call_intra = 212, of which ≈ 100 is the CR3 write (pti.rst), ${SEL4_SCALE}; the split is an estimate`),
    tlbHit: HIT,
    tlbRefill: c(30, "estimated", HASWELL_TLB, "a page walk served by the paging-structure caches and L1/L2"),
    tlbFlush: c(46, "derived", `${SEL4_RAW}; ${PTI_RST}`, `the rest of the 212 (refills after the CR3 write), ${SEL4_SCALE}; the split is an estimate`),
    msgWord: c(0, "derived", `${SEL4_PAGE} (0-word benchmark)`, "the first message words travel in registers on the fastpath, so nizza's two default words add nothing; words in the IPC buffer cost ≈ 9 each on the slowpath ((1,560 − 1,466) / 10)"),
    capTransfer: c(233, "estimated", `${SEL4_RAW} (PC99_64_nofastpath_skylake)`, "the fastpath excludes capability transfer: slowpath premium 1,466 − 943 = 523 plus ≈ 50 for a CDT insert, scaled by 0.409"),
    pageFault: c(145, "derived", SEL4_RAW, "fault_to_handler 865 − ipc_call 720: the fault-specific work when the handler is in another address space; not scaled (hardware-bound)"),
    irq: c(1083, "derived", SEL4_PAGE, "IRQ invoke 1,235 (same address space) − contextSwitch 152"),
    revokeNode: c(250, "estimated", HANSEN_INVPCID, "a CDT unlink, a PTE clear and a single-page invalidation"),
    shootdown: c(3000, "estimated", NONE, "an IPI round trip of ≈ 1 µs"),
  },
});

// ---- fiasco ----------------------------------------------------------------------------------

const FIASCO = model({
  name: "fiasco",
  machine: "Intel Xeon Platinum 8352S (Ice Lake-SP), x86-64; whether the kernel tags with PCID is unknown, modelled untagged with the flush inside asSwitch",
  clockMHz: 2200,
  taggedTlb: false,
  headline: {
    what: "one-way IPC",
    cycles: 1128,
    published: "1,128 core cycles (inter-address-space, 0 words, same core, half a round trip)",
    tolerance: 0.5,
    msgWords: 0,
    source: L4RE,
  },
  costs: {
    kernelEntry: c(80, "derived", L4RE, 'half of the "syscall" figure 160 (an IPC to the caller\'s own thread that bails out early)'),
    kernelExit: c(80, "derived", L4RE, "the other half of 160"),
    contextSwitch: c(489, "derived", L4RE, "intra-address-space IPC 649 − syscall 160"),
    asSwitch: c(479, "derived", L4RE, "inter 1,128 − intra 649; only 44 more instructions retire, so it is hardware-bound; it holds any flush and refills"),
    tlbHit: HIT,
    tlbRefill: c(30, "estimated", HASWELL_TLB, "a page walk served by the paging-structure caches and L1/L2"),
    tlbFlush: c(0, "derived", L4RE, "folded into asSwitch as measured; the measurement cannot be split into CR3 write and flush"),
    msgWord: c(0, "derived", `${L4RE} (0-word benchmark)`, "message registers in the UTCB; nizza's two default words add nothing measurable (≈ 1 cycle each, estimated)"),
    capTransfer: c(150, "estimated", NONE, "a map item: mapping-database insertion and PTE write"),
    pageFault: c(300, "estimated", NONE, "the #PF exception and the construction of the page-fault IPC to the pager"),
    irq: c(800, "estimated", NONE, "interrupt entry and exit, APIC EOI, the IRQ object's IPC"),
    revokeNode: c(250, "estimated", HANSEN_INVPCID, "as sel4: unlink, PTE clear, a single-page invalidation"),
    shootdown: c(3000, "estimated", NONE, "an IPI round trip of ≈ 1 µs"),
  },
});

// ---- linux-monolithic ------------------------------------------------------------------------

const LINUX = model({
  name: "linux-monolithic",
  machine: "Intel Core i7-9700 (Coffee Lake Refresh, Skylake family), x86-64, PCID (tagged TLB), not affected by Meltdown: no page-table isolation",
  clockMHz: 3000,
  taggedTlb: true,
  headline: {
    what: "null system call",
    cycles: 175,
    published: "210.45 TSC cycles per no-op system call, × 0.83 = 174.7",
    tolerance: 0.5,
    msgWords: 0,
    source: MODESWITCH,
  },
  costs: {
    kernelEntry: c(88, "derived", MODESWITCH, "half of the 175-cycle no-op system call, rounded up"),
    kernelExit: c(87, "derived", MODESWITCH, "the other half"),
    contextSwitch: c(2000, "estimated", NONE, "a Linux process switch is commonly given as 1–5 µs direct cost; the low end, without cache effects"),
    asSwitch: c(100, "estimated", PTI_RST, "one CR3 write"),
    tlbHit: HIT,
    tlbRefill: c(30, "estimated", HASWELL_TLB, "a page walk served by the paging-structure caches and L1/L2"),
    tlbFlush: c(46, "estimated", "as the sel4 preset on the same microarchitecture", "charged only if a scenario forces an untagged TLB: Linux uses PCID on this machine"),
    msgWord: c(1, "estimated", NONE, "copy_from_user / copy_to_user of small buffers: about a cycle a word after a fixed setup"),
    capTransfer: c(100, "estimated", NONE, "installing a file descriptor (fd passing)"),
    pageFault: c(1000, "estimated", NONE, "an in-kernel minor fault; a fault delivered to a user handler as a signal is far dearer (4.6 µs on a 3.33 GHz Nehalem, Cracauer 2018)"),
    irq: c(1000, "estimated", NONE, "interrupt entry and exit, APIC EOI, a top-half handler"),
    revokeNode: c(350, "derived", HANSEN_INVPCID, "unmapping one page: the INVPCID invalidation; bookkeeping not counted"),
    shootdown: c(3000, "estimated", NONE, "an IPI round trip of ≈ 1 µs"),
  },
});

const LINUX_PTI = variant(LINUX, "pti", {
  title: "Linux system call with page-table isolation (KPTI, with PCID)",
  machine: "Intel Skylake family, x86-64, PCID, with page-table isolation",
  headline: {
    what: "null system call",
    cycles: 375,
    published: "175 cycles without PTI + one CR3 write (≈ 100 cycles) at entry and one at exit",
    tolerance: 0.5,
    msgWords: 0,
    source: `${MODESWITCH}; ${PTI_RST}`,
  },
  costs: {
    kernelEntry: c(188, "derived", `${MODESWITCH}; ${PTI_RST}`, "88 + one CR3 write (≈ 100) to the kernel page tables; measured bounds: +456 per pair for seL4's own Meltdown mitigation (skim window) on Skylake (null_syscall 592 vs 136), 1,342 per pair on Linux with every 2021 mitigation (i3-9100)"),
    kernelExit: c(187, "derived", `${MODESWITCH}; ${PTI_RST}`, "87 + one CR3 write (≈ 100) back to the user page tables"),
    pageFault: c(1200, "estimated", NONE, "the in-kernel fault plus the two CR3 writes of the exception's entry and exit"),
    irq: c(1200, "estimated", NONE, "the interrupt plus the two CR3 writes of its entry and exit"),
  },
});

const LINUX_MONOLITHIC = model({ ...LINUX, variants: { pti: LINUX_PTI } });

/** Every preset's cost model. */
export const COST_MODELS: Readonly<Record<CostPreset, CostModel>> = {
  "l4-486": L4_486,
  "mach-486": MACH_486,
  nova: NOVA,
  sel4: SEL4,
  fiasco: FIASCO,
  "linux-monolithic": LINUX_MONOLITHIC,
  "linux-monolithic-pti": asPreset(LINUX_PTI, "linux-monolithic-pti"),
};

/** A variant registered as a preset of its own name (a scenario can name it in `costs`). */
function asPreset(m: CostModel, name: CostPreset): CostModel {
  const { variant: _variant, ...rest } = m;
  return { ...rest, name, title: COST_PRESETS[name] };
}

/**
 * Whether a preset times the monolithic baseline, in which the scenario's services are
 * kernel code reached by a system call (src/timing/monolithic.ts).
 */
export function isMonolithic(m: CostModel): boolean {
  return m.name === "linux-monolithic" || m.name === "linux-monolithic-pti";
}

/** A preset's cost model, or one of its variants (`costModel("linux-monolithic", "pti")`). */
export function costModel(preset: CostPreset, variantName?: string): CostModel {
  const m = COST_MODELS[preset];
  if (variantName === undefined) return m;
  const v = m.variants[variantName];
  if (v === undefined) throw new Error(`cost preset ${preset} has no variant "${variantName}"`);
  return v;
}
