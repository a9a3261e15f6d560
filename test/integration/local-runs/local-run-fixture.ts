import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ManagedProcess } from '../../harness/managed-process.js';
import { onPath } from '../../harness/prerequisites.js';
import { stillRunning, type ProcessIdentity } from '../../harness/run-processes.js';
import { REPO_ROOT } from '../../harness/repo-root.js';
import { waitFor } from '../../harness/wait-for.js';

/** A dev stack or demo started by a test, its output kept. */
export interface LocalRunProcess {
  readonly process: ManagedProcess;
  /** Everything printed so far, stdout and stderr in arrival order. */
  output(): string;
}

/**
 * A PATH holding only links to the given programs (found on the current PATH): lets a test run a program as
 * on a machine where the others are missing. Removed by the returned cleanup.
 */
export function pathWithOnly(programs: readonly string[]): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'esm-path-'));
  for (const program of programs) {
    const home = (process.env.PATH ?? '').split(delimiter).find((entry) => entry !== '' && onPath(program, entry));
    if (home) symlinkSync(join(home, program), join(dir, program));
  }
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `node <script>` from the repository root with `env` over this process's environment; with `args`,
 * runs `script` itself as the command with those arguments.
 */
export async function startLocalRun(script: string, env: Record<string, string>, args?: readonly string[]): Promise<LocalRunProcess> {
  let output = '';
  // The test run switches the SDK's Node version notice off for everything it starts; these programs must do it themselves.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const child = await ManagedProcess.start({
    name: script,
    command: args ? script : process.execPath,
    args: args ?? [join(REPO_ROOT, script)],
    cwd: REPO_ROOT,
    env: childEnv,
    outputLimitChars: 1_000_000,
    onStdoutLine: (line) => {
      output += `${line}\n`;
    },
    onStderrLine: (line) => {
      output += `${line}\n`;
    },
  });
  return { process: child, output: () => output };
}

/** Waits until none of `processes` runs any more; returns those still running at the deadline. */
export async function leftoversOf(processes: readonly ProcessIdentity[], timeoutMs: number): Promise<ProcessIdentity[]> {
  try {
    await waitFor(() => stillRunning(processes).length === 0, { timeoutMs, intervalMs: 200 });
    return [];
  } catch {
    return stillRunning(processes);
  }
}
