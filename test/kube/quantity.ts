// Kubernetes resource quantities ("500m", "2", "1.5Gi", "128974848", "1e3") as numbers
// in base units: cores for cpu, bytes for memory and storage, a count for GPUs.
const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The quantity's value; throws naming the value for a malformed one. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(quantity.trim());
  if (!m) throw new Error(`Invalid quantity "${quantity}": expected a number with an optional suffix such as 500m, 2, 512Mi or 1G`);
  return Number(m[1]) * SUFFIX[m[2] ?? ""]!;
}

/** Sums `quantities` per resource name. */
export function addQuantities(into: Record<string, number>, quantities: Record<string, string | number> | undefined): Record<string, number> {
  for (const [name, q] of Object.entries(quantities ?? {})) into[name] = (into[name] ?? 0) + parseQuantity(q);
  return into;
}
