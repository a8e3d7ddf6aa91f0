// md5 and sha512 of image data on two worker threads, one algorithm each. Hashing both on the event
// loop capped uploads at ~1/(1/md5 + 1/sha512) of one core (~160 MB/s here, with the I/O); on two
// threads the hashes run side by side and beside the socket and file I/O. The data is not copied to
// the workers: the caller fills SharedArrayBuffer slots and both workers read the same slot.
import { Worker } from 'node:worker_threads';

export interface Digests {
  md5: string;
  sha512: string;
}

// Plain CommonJS evaluated by the worker, so that it runs the same under tsx and from compiled output
// (a worker does not inherit tsx's loader hooks when they were registered at run time).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = jobs.get(m.job);
    if (!h) jobs.set(m.job, (h = createHash(workerData.algorithm)));
    h.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ seq: m.seq });
  } else if (m.op === 'digest') {
    const h = jobs.get(m.job) ?? createHash(workerData.algorithm);
    jobs.delete(m.job);
    parentPort.postMessage({ seq: m.seq, digest: h.digest('hex') });
  } else if (m.op === 'abort') {
    jobs.delete(m.job);
  }
});
`;

type Request = { op: 'update'; job: number; buffer: SharedArrayBuffer; length: number } | { op: 'digest' | 'abort'; job: number };

/** One worker thread hashing with one algorithm, for any number of jobs at once (messages keep their order). */
class HashWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (digest?: string) => void; reject: (err: Error) => void }>();
  private seq = 0;
  private failure?: Error;

  constructor(algorithm: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { algorithm } });
    // An idle hasher must not keep the process alive; a running upload keeps it alive by its socket.
    this.worker.unref();
    this.worker.on('message', (m: { seq: number; digest?: string }) => {
      const p = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      p?.resolve(m.digest);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`hash worker exited with code ${code}`)));
  }

  call(req: Request): Promise<string | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...req, seq });
    });
  }

  get dead(): boolean {
    return this.failure !== undefined;
  }

  post(req: Request): void {
    if (!this.failure) this.worker.postMessage({ ...req, seq: 0 });
  }

  async terminate(): Promise<void> {
    this.fail(new Error('hash worker stopped'));
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

/** The hashes of one stream of data, fed in order. */
export class HashJob {
  private done = false;

  constructor(private readonly id: number, private readonly md5: HashWorker, private readonly sha512: HashWorker) {}

  /** Resolves once both hashes have taken in the first `length` bytes of `buffer` (which may then be reused). */
  async update(buffer: SharedArrayBuffer, length: number): Promise<void> {
    const req = { op: 'update', job: this.id, buffer, length } as const;
    await Promise.all([this.md5.call(req), this.sha512.call(req)]);
  }

  async digest(): Promise<Digests> {
    this.done = true;
    const req = { op: 'digest', job: this.id } as const;
    const [md5, sha512] = await Promise.all([this.md5.call(req), this.sha512.call(req)]);
    return { md5: md5!, sha512: sha512! };
  }

  /** Drops the job's state in the workers (after a failed write). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.md5.post({ op: 'abort', job: this.id });
    this.sha512.post({ op: 'abort', job: this.id });
  }
}

/** The two hash workers of a process, started on first use and replaced (for later jobs) if one dies. */
export class HashWorkers {
  private workers?: { md5: HashWorker; sha512: HashWorker };
  private jobs = 0;
  private closed = false;

  job(): HashJob {
    if (this.closed) throw new Error('the image store is stopping: no new data is accepted');
    const w = this.workers;
    if (!w || w.md5.dead || w.sha512.dead) {
      if (w) void Promise.all([w.md5.terminate(), w.sha512.terminate()]);
      this.workers = { md5: new HashWorker('md5'), sha512: new HashWorker('sha512') };
    }
    return new HashJob(++this.jobs, this.workers!.md5, this.workers!.sha512);
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.workers;
    this.workers = undefined;
    if (w) await Promise.all([w.md5.terminate(), w.sha512.terminate()]);
  }
}
