// A small machine for the MMU and CPU suites: two CPUs; PD a has three ECs (two on cpu 0) and two memory objects, b one EC and one object that a maps r.
export const TWO_CPUS = `system two {
  machine { cpus 2 }
  component sigma0 : trusted root { }
  component a : trusted { memory m0 4K; memory m1 4K; caps { b.n0: r } thread t0 { } thread t1 cpu 1 { } thread t2 { } }
  component b : trusted { memory n0 4K; thread t0 { } }
}`;
