// The worker thread of a session (session.ts): runs `check`, `tcb`, `paths`, `trace` or `graph` and sends its output, progress and exit code to the terminal's thread.
import { parentPort, workerData } from "node:worker_threads";
import { checkCommand } from "./commands/check.js";
import { pathsCommand } from "./commands/paths.js";
import { graphCommand } from "./commands/graph.js";
import { tcbCommand } from "./commands/tcb.js";
import { traceCommand } from "./commands/trace.js";
import { UsageError } from "./files.js";
import type { Io } from "./output.js";
import type { Session, SessionMessage, SessionSetup } from "./session.js";

const setup = workerData as SessionSetup;
const send = (m: SessionMessage): void => parentPort!.postMessage(m);
const io: Io = {
  out: (text) => send({ kind: "out", text }),
  err: (text) => send({ kind: "err", text }),
  color: setup.color,
};
const session: Session = {
  interrupt: setup.interrupt,
  scenario: (file) => send({ kind: "scenario", file }),
  progress: setup.progress ? (p, phase) => send({ kind: "progress", p, phase }) : undefined,
};

try {
  const c = setup.command;
  const code =
    c.name === "check" ? await checkCommand(c.paths, c.opts, io, session)
    : c.name === "tcb" ? await tcbCommand(c.paths, c.opts, io, session)
    : c.name === "paths" ? pathsCommand(c.file, c.opts, io, session)
    : c.name === "trace" ? await traceCommand(c.file, c.invariant, c.opts, io, session)
    : await graphCommand(c.file, c.opts, io, session);
  send({ kind: "exit", code });
} catch (e) {
  if (e instanceof UsageError) send({ kind: "usage", message: e.message });
  else send({ kind: "crash", stack: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
