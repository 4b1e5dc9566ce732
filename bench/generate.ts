// A generator of large, valid scenarios for the front-end benchmark: N components, about 5N lines.

/**
 * A system with `components` components: a trusted root, then alternating trusted
 * servers (with a thread) and untrusted clients (with caps to the previous server).
 * Every line is a real construct, so parse, resolve and validate all do their work.
 */
export function generateScenario(components: number): string {
  const lines: string[] = [];
  lines.push("// Generated for bench/parse.bench.ts: do not edit.");
  lines.push("system generated {");
  lines.push("  machine {");
  lines.push("    cpus 4");
  lines.push("    memory 4G");
  lines.push("    device nic { irq 10; mmio 4K; dma; produces [lan] }");
  lines.push("    iommu");
  lines.push("  }");
  lines.push("  kernel nova { preemptible revoke }");
  // One sealing key for every server: a key must be one of the first 256 regions (E0429).
  lines.push("  component sigma0 : trusted root { sloc 1100; memory seal_key 4K }");
  for (let i = 1; i < components; i++) {
    if (i % 2 === 1) {
      lines.push(`  component s${i} : trusted {`);
      lines.push(`    sloc ${1000 + i}`);
      lines.push(`    memory key 4K [secret]`);
      lines.push(`    portal p`);
      lines.push(`    thread t prio ${i % 200} {`);
      lines.push(`      loop { recv p -> x; reply seal(x, sigma0.seal_key) }`);
      lines.push(`    }`);
      lines.push(`  }`);
    } else {
      lines.push(`  component c${i} : untrusted { sloc 20000; memory ram 64K`);
      lines.push(`    caps { s${i - 1}.p: call }`);
      lines.push(`  }`);
    }
  }
  lines.push(`  invariant never flows([secret] -> c2)`);
  lines.push(`  invariant tcb(s1) <= { sigma0, s1 }`);
  lines.push(`  path p1: c2 calls s1.p -> c2 gets reply within 10000 cycles`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
