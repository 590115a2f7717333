/** A run's or task's state as a coloured word; the word is always there, colour is extra. */
export function Status({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status}</span>;
}
