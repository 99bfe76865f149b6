/**
 * A run is shown as parts (the summary, one per section); each platform renders a part into its own
 * payload. After a change only the parts whose payload differs are sent again.
 */
export interface RenderedPart<Payload> {
  partId: string;
  payload: Payload;
}

/** The parts of `next` that are new or render differently from `previous`, in `next`'s order. */
export function changedParts<Payload>(
  previous: readonly RenderedPart<Payload>[] | null,
  next: readonly RenderedPart<Payload>[],
): RenderedPart<Payload>[] {
  if (!previous) return [...next];
  const before = new Map(previous.map((part) => [part.partId, JSON.stringify(part.payload)]));
  return next.filter((part) => before.get(part.partId) !== JSON.stringify(part.payload));
}
