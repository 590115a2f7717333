/**
 * What collection methods return (`runs()`, `steps()`, `tasks()`, `artifacts()`):
 * iterate it with `for await`, or `await list.toArray()`.
 */
export class AsyncList<T> implements AsyncIterable<T> {
  private loaded: Promise<T[]> | undefined;
  constructor(private readonly load: () => Promise<T[]>) {}

  toArray(): Promise<T[]> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* await this.toArray();
  }
}
