// Benchmark helpers shared by the bench files: the median of runs and a warmed-up rate.

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs `body` once to warm up, then `runs` times; returns the median rate in operations per second. */
export function rate(ops: number, body: () => number, runs: number): number {
  let sink = body();
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    sink += body();
    rates.push(ops / ((performance.now() - t) / 1000));
  }
  if (Number.isNaN(sink)) console.log("(sink)"); // keeps the loops' results alive
  return median(rates);
}
