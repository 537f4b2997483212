/**
 * The graph whose module or factory start-up is waiting on, for a process
 * that finds nothing left to run before start-up ended to name it. Kept
 * apart from the loader, so that the command reads it without loading
 * LangGraph.
 */
let now: { name: string; spec: string } | undefined;

export function loadingNow(): { name: string; spec: string } | undefined {
  return now;
}

export function setLoadingNow(graph: { name: string; spec: string } | undefined): void {
  now = graph;
}
