import { readFile } from 'node:fs/promises';

/** Options for loading a configuration file. */
export interface LoadOptions {
  path: string;
  strict?: boolean;
}

export type Env = Record<string, string | undefined>;

export enum Level {
  Debug,
  Info,
  Error,
}

/**
 * Load a JSON configuration and overlay variables from the environment.
 */
export async function loadConfig(opts: LoadOptions, env: Env = process.env): Promise<Map<string, string>> {
  const raw = await readFile(opts.path, 'utf8');
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') {
      if (opts.strict) {
        throw new Error(`config key ${key} is not a string`);
      }
      continue;
    }
    out.set(key, value);
  }
  for (const key of out.keys()) {
    const override = env[`APP_${key.toUpperCase()}`];
    if (override !== undefined) {
      out.set(key, override);
    }
  }
  return out;
}

/** Keeps counters per level. */
export abstract class Counter<T extends Level> {
  private counts = new Map<T, number>();

  /** Increment the counter of a level. */
  inc(level: T): number {
    const n = (this.counts.get(level) ?? 0) + 1;
    this.counts.set(level, n);
    return n;
  }

  abstract flush(): void;
}

export namespace Util {
  export function clamp(x: number, lo: number, hi: number): number {
    return Math.min(Math.max(x, lo), hi);
  }
}
