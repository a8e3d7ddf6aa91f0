// A map of identity reads that stay true until the identity change feed reports a change in any
// virtstack process (src/identity/identity-change-feed.ts), with a time limit as a safety net.
// Without a healthy feed nothing is cached: every read goes to the database.

export interface ChangeSource {
  readonly generation: number;
  readonly healthy: boolean;
}

/** A safety net: even with the change feed healthy, an entry is read again after this long. */
const DEFAULT_TTL_MS = 30_000;
const DEFAULT_MAX = 20_000;

export class ChangeFeedCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  private generation = -1;

  constructor(
    private readonly changes: ChangeSource | undefined,
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly max = DEFAULT_MAX,
  ) {}

  get(key: string): V | undefined {
    const changes = this.changes;
    if (!changes?.healthy) return undefined;
    if (changes.generation !== this.generation) {
      this.entries.clear();
      this.generation = changes.generation;
      return undefined;
    }
    const entry = this.entries.get(key);
    if (!entry || Date.now() - entry.at > this.ttlMs) return undefined;
    return entry.value;
  }

  /** The generation to hand to set(), taken before reading: a change that lands during the read makes the result uncacheable. */
  mark(): number | undefined {
    return this.changes?.generation;
  }

  set(key: string, value: V, markedGeneration: number | undefined): void {
    const changes = this.changes;
    if (markedGeneration === undefined || !changes?.healthy || changes.generation !== markedGeneration) return;
    if (markedGeneration !== this.generation) {
      this.entries.clear();
      this.generation = markedGeneration;
    }
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { value, at: Date.now() });
  }

  /** The cached value, or `load()`'s (remembered when nothing changed meanwhile; undefined is not). */
  async getOrLoad(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const mark = this.mark();
    const value = await load();
    if (value !== undefined) this.set(key, value, mark);
    return value;
  }
}
