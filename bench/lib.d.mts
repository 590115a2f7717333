// Types of bench/lib.mjs for the TypeScript bench cases.
export declare const repoRoot: string;
export declare const weftBin: string;
export declare function tempDir(prefix?: string): string;
export declare function run(command: string, args: string[], options?: object): Promise<string>;
export declare function timed(fn: () => unknown): Promise<number>;
export declare function pool(count: number, concurrency: number, job: (i: number) => unknown): Promise<void>;
export declare function median(values: number[]): number;
export interface Measured {
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
}
export declare function runMeasured(command: string, args: string[], options?: object): Promise<Measured>;
export declare function fanOutProject(workers?: number, bin?: string): {
  runSeconds(n: number, env?: Record<string, string | undefined>): Promise<number>;
  runMeasured(n: number, env?: Record<string, string | undefined>): Promise<Measured>;
};
