import { ChemistryError } from './errors';

/**
 * The life of a WebAssembly chemistry engine (RDKit.js, Indigo): loaded once, used through a guard,
 * and replaced when it fails.
 *
 * A WebAssembly runtime error (memory access out of bounds, unreachable, a stack overflow, an abort
 * for lack of memory) can leave the module's memory in any state: every later call may fail or,
 * worse, answer wrongly. So the first such error discards the instance: the call that met it fails
 * with ChemistryError 'engine_failure', every object of that instance is dead (calls fail at once,
 * `delete()` does nothing, since freeing into corrupt memory is how one failure becomes two), and a
 * fresh instance is loaded in the background for the next caller. `engineStatus()` says which
 * engines are loaded, being rebuilt, and how often they failed, for readiness probes.
 *
 * The guard sits in one place: the module handed out by `load()` is a proxy whose methods, and the
 * methods of every object they return (molecules, queries, libraries, logs), run inside it.
 */

export type EngineState = 'idle' | 'loading' | 'ready' | 'rebuilding' | 'failed';

export interface EngineStatus {
  name: string;
  /**
   * idle: not needed yet (loaded on first use); loading: first load under way; ready; rebuilding:
   * a fresh instance is loading after a failure; failed: the last load failed (retried on next use).
   */
  state: EngineState;
  /** Instances discarded after a WebAssembly runtime error since the process started. */
  failures: number;
  /** The last failure: when, and the runtime's message. */
  lastFailure: { at: string; reason: string } | null;
}

/** An error that means the WebAssembly instance can no longer be trusted. */
export function isEngineFailure(error: unknown): boolean {
  // A C++ exception that unwound out of the module (WebAssembly exception handling): measured with
  // RDKit.js on an 850-atom chain, the next call then fails with "null function or function
  // signature mismatch", so the instance is as broken as after a trap.
  if (Object.prototype.toString.call(error) === '[object WebAssembly.Exception]') {
    return true;
  }
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) {
    return false;
  }
  const { name, message } = error as { name?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  // WebAssembly.RuntimeError by name too: a test runner's realm has its own constructor.
  return (
    name === 'RuntimeError' ||
    (name === 'RangeError' && /call stack/i.test(text)) ||
    /^Aborted\(/.test(text) ||
    /out of memory|Cannot enlarge memory/i.test(text)
  );
}

/** The error a caller meets when the engine failed under it. */
export class EngineFailure extends ChemistryError {
  constructor(
    readonly engine: string,
    reason: string,
    readonly discarded: boolean
  ) {
    super(
      'engine_failure',
      discarded
        ? `${engine} failed (WebAssembly: ${reason}); the engine was discarded and a fresh one is loading for the next request`
        : `${engine} was replaced after a failure; this object belonged to the discarded engine (load it again)`,
      '',
      reason
    );
  }
}

export class WasmEngine<M extends object> {
  private promise: Promise<M> | undefined;
  private state: EngineState = 'idle';
  private failures = 0;
  private lastFailure: EngineStatus['lastFailure'] = null;
  private readonly discarded = new WeakSet<object>();
  /** Proxy → the object it stands for, to hand real objects to the engine's own functions. */
  private readonly targets = new WeakMap<object, object>();

  constructor(
    readonly name: string,
    private readonly create: () => Promise<M>
  ) {}

  /** The current instance (guarded), loading it on first use or after a failure. */
  load(): Promise<M> {
    if (!this.promise) {
      if (this.state !== 'rebuilding') {
        this.state = 'loading';
      }
      const loading = this.create().then(
        module => {
          if (this.promise === loading) {
            this.state = 'ready';
          }
          return this.wrap(module, module) as M;
        },
        (error: unknown) => {
          // A failed load must not poison every later call: the next one tries again.
          if (this.promise === loading) {
            this.promise = undefined;
            this.state = 'failed';
          }
          throw error;
        }
      );
      this.promise = loading;
    }
    return this.promise;
  }

  status(): EngineStatus {
    return {
      name: this.name,
      state: this.state,
      failures: this.failures,
      lastFailure: this.lastFailure
    };
  }

  /** Whether `module` (a guarded instance this engine handed out) has been discarded. */
  isDiscarded(module: object): boolean {
    const target = this.targets.get(module) ?? module;
    return this.discarded.has(target);
  }

  /** Run `fn` against `instance`; a WebAssembly failure discards it (see the module comment). */
  guard<T>(instance: object, fn: () => T): T {
    if (this.discarded.has(instance)) {
      throw new EngineFailure(this.name, 'discarded', false);
    }
    try {
      return fn();
    } catch (error) {
      if (!isEngineFailure(error)) {
        throw error;
      }
      const message = (error as { message?: unknown }).message;
      const reason =
        typeof message === 'string' && message !== ''
          ? message
          : 'a C++ exception escaped the module (WebAssembly.Exception)';
      this.discard(instance, reason);
      throw new EngineFailure(this.name, reason, true);
    }
  }

  private discard(instance: object, reason: string): void {
    if (this.discarded.has(instance)) {
      return;
    }
    this.discarded.add(instance);
    this.failures += 1;
    this.lastFailure = { at: new Date().toISOString(), reason };
    this.promise = undefined;
    this.state = 'rebuilding';
    // Rebuild now rather than on the next request, so readiness turns ready again by itself.
    void this.load().catch(() => undefined);
  }

  /**
   * A proxy of an engine object: its methods run guarded, their arguments are unwrapped to the
   * real objects, and objects they return (anything with a `delete()`) are wrapped in turn.
   * `instance` is the module the object belongs to: its failure discards them all.
   */
  private wrap(object: object, instance: object): object {
    const guarded = <T>(fn: () => T): T => this.guard(instance, fn);
    const alive = (): boolean => !this.discarded.has(instance);
    const real = (arg: unknown): unknown =>
      arg !== null && typeof arg === 'object' ? (this.targets.get(arg) ?? arg) : arg;
    const wrapped = (result: unknown): unknown =>
      result !== null &&
      typeof result === 'object' &&
      typeof (result as { delete?: unknown }).delete === 'function'
        ? this.wrap(result, instance)
        : result;
    const proxy: object = new Proxy(object, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'constructor') {
          return value;
        }
        if (property === 'delete') {
          return () => {
            if (alive()) {
              guarded(() => (value as () => void).call(target));
            }
          };
        }
        // Both a method and, for classes of the module (new rdkit.SubstructLibrary()), a constructor.
        return function (this: unknown, ...args: unknown[]): unknown {
          const constructing = new.target !== undefined;
          return wrapped(
            guarded(() =>
              constructing
                ? Reflect.construct(value as new (...a: unknown[]) => unknown, args.map(real))
                : Reflect.apply(value as (...a: unknown[]) => unknown, target, args.map(real))
            )
          );
        };
      }
    });
    this.targets.set(proxy, object);
    return proxy;
  }
}
