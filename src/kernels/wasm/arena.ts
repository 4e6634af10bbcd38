/**
 * The WebAssembly kernels' module and memory. A fit that uses them keeps its hot arrays (bins, row
 * partition, gradient pairs, histograms) in one shared WebAssembly.Memory, carved into typed-array views
 * by a WasmArena; the JavaScript code reads and writes the same views, and worker threads instantiate the
 * module over the same memory (its buffer is a SharedArrayBuffer).
 *
 * The module is compiled once per process from the committed bytes of ./kernels.generated.ts; where the
 * engine lacks WebAssembly SIMD or shared memory, `kernelsModule()` is null and callers use the
 * JavaScript kernels (the same results, bit for bit).
 */
import type { WasmKernels } from "../histogram.js";
import { KERNELS_WASM_BASE64 } from "./kernels.generated.js";

/** A compiled module (opaque; postMessage clones it to workers). */
export type WasmModule = { readonly __wasmModule: true };
/** A WebAssembly.Memory created shared. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

/** The part of the WebAssembly API used here (the project's TypeScript lib has no DOM types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
}

const PAGE = 65536;
/**
 * Largest arena: 2 GiB, so that every address fits in a positive int32 (the kernels' pointers). Bigger
 * fits use the JavaScript kernels.
 */
export const MAX_ARENA_BYTES = 2 ** 31 - PAGE;

let compiled: WasmModule | null | undefined;

/** The kernels' compiled module, or null when this engine cannot compile it (no SIMD or shared memory). */
export function kernelsModule(): WasmModule | null {
  if (compiled === undefined) {
    const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    try {
      compiled = api ? new api.Module(Buffer.from(KERNELS_WASM_BASE64, "base64")) : null;
      // Shared memory needs SharedArrayBuffer too: probe it with the smallest memory.
      if (compiled && api) new api.Instance(compiled, { env: { memory: new api.Memory({ initial: 1, maximum: 1, shared: true }) } });
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The kernels instantiated over `memory`. */
export function instantiateKernels(module: WasmModule, memory: WasmMemory): WasmKernels {
  const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  return new api.Instance(module, { env: { memory } }).exports as WasmKernels;
}

/**
 * One shared WebAssembly.Memory of a fixed size, handed out front to back as 64-byte aligned typed-array
 * views (zeroed, as fresh memory is). Size it with `WasmArena.bytesFor`.
 */
export class WasmArena {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly kernels: WasmKernels;
  #next = 0;

  private constructor(module: WasmModule, bytes: number) {
    const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    this.module = module;
    this.memory = new api.Memory({ initial: pages, maximum: pages, shared: true });
    this.kernels = instantiateKernels(module, this.memory);
  }

  /**
   * An arena for arrays of the given byte lengths, or null when the kernels are unavailable, the arrays do
   * not fit in MAX_ARENA_BYTES, or the engine refuses the memory.
   */
  static create(byteLengths: readonly number[]): WasmArena | null {
    const module = kernelsModule();
    const bytes = WasmArena.bytesFor(byteLengths);
    if (!module || bytes > MAX_ARENA_BYTES) return null;
    try {
      return new WasmArena(module, bytes);
    } catch {
      return null;
    }
  }

  /** Bytes an arena needs for arrays of these byte lengths, each 64-byte aligned. */
  static bytesFor(byteLengths: readonly number[]): number {
    return byteLengths.reduce((sum, n) => sum + Math.ceil(n / 64) * 64, 0);
  }

  #take(bytes: number): number {
    const at = this.#next;
    this.#next += Math.ceil(bytes / 64) * 64;
    if (this.#next > this.memory.buffer.byteLength) throw new RangeError(`WasmArena: ${this.#next} bytes needed, ${this.memory.buffer.byteLength} reserved`);
    return at;
  }

  uint8(length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.#take(length), length);
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.#take(4 * length), length);
  }

  float32(length: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.#take(4 * length), length);
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.#take(8 * length), length);
  }
}
