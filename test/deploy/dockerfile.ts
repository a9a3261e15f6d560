import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/repo-root.js';

/** One instruction of a Dockerfile: `COPY --from=build a b` is `{ keyword: 'COPY', args: '--from=build a b' }`. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
}

/** A build stage: its base image and instructions. */
export interface DockerStage {
  readonly from: string;
  readonly instructions: readonly DockerInstruction[];
}

/** The stages of the repository's Dockerfile (continuation lines joined, comments dropped). */
export function dockerStages(file = join(REPO_ROOT, 'Dockerfile')): DockerStage[] {
  const logical = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: { from: string; instructions: DockerInstruction[] }[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') stages.push({ from: args.split(/\s+/)[0] ?? '', instructions: [] });
    else stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** The JSON array of an exec-form instruction (`CMD ["start"]`), with an optional prefix (`CMD` of HEALTHCHECK). */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}

/** `ENV A=1 B="two"` as a record (the key=value form only). */
export function envOf(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S+)/g)) env[pair[1]!] = pair[3] ?? pair[2]!;
  }
  return env;
}

/** The last instruction of a kind in a stage (Docker uses the last CMD, ENTRYPOINT, HEALTHCHECK, USER). */
export function lastOf(stage: DockerStage, keyword: string): string | undefined {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1)?.args;
}
