/**
 * Fills in the running lab's ports: every {{port:…}} span (portTokens.ts) shows the port this
 * lab really listens on, from its own service list. Until the list arrives (or if it cannot)
 * the span keeps the default lab port it was built with.
 */
import { fetchServices } from '../components/services';

export async function fillLabPorts(root: ParentNode = document): Promise<void> {
  const spans = root.querySelectorAll<HTMLElement>('.lab-port[data-service]');
  if (spans.length === 0) return;
  let ports: Map<string, number>;
  try {
    ports = new Map((await fetchServices()).map((s) => [s.id, s.labPort]));
  } catch {
    return;
  }
  for (const span of spans) {
    const port = ports.get(span.dataset.service!);
    if (port !== undefined && span.textContent !== String(port)) span.textContent = String(port);
    span.dataset.filled = 'true';
  }
}
