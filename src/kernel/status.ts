// Syscall statuses (NOVA's names where NOVA has one): what decode returns when it refuses.

export const Status = {
  SUCCESS: 0,
  /** A blocked call or semaphore down ran past its timeout (NOVA: COM_TIM). */
  TIMEOUT: 1,
  /** The partner went away: the reply capability was revoked or the server's EC died (NOVA: COM_ABT). */
  ABORTED: 2,
  /** No such syscall (NOVA: BAD_HYP). */
  BAD_SYS: 3,
  /** The selector names no capability, one of the wrong kind, or one without the right needed. */
  BAD_CAP: 4,
  /** A parameter is out of range: rights not held, a CPU number, a full capability space. */
  BAD_PAR: 5,
  /** The operation must run on another CPU (a portal is called on its handler's CPU). */
  BAD_CPU: 6,
  /** The device cannot be assigned (already assigned, or not a device capability). */
  BAD_DEV: 7,
  /** No kernel memory left for a new object (the spare pool of the state vector is used up). */
  BAD_MEM: 8,
} as const;

export type Status = (typeof Status)[keyof typeof Status];

export const STATUS_NAMES: readonly string[] = Object.keys(Status);
