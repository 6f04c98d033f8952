/** The subset of the Indigo WebAssembly module used here. */
export interface IndigoModule {
  MapStringString: new () => { set(key: string, value: string): void; delete(): void };
  convert(input: string, format: string, options: unknown): string;
}

export type IndigoFactory = (options?: Record<string, unknown>) => Promise<IndigoModule>;
