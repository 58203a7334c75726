/**
 * THREAD (RFC 5256): ORDEREDSUBJECT groups messages by base subject; REFERENCES rebuilds the
 * reply tree from Message-ID, References and In-Reply-To, then joins threads that share a base
 * subject, following the RFC's six steps. The result is written as the THREAD response's
 * nested lists, "(1 (2 3)(4))" meaning 1 has two children, 2 (whose child is 3) and 4.
 * Every step takes turns with the rest of the lab (`turn` between slices of work): threading
 * 100,000 messages in one go held every session of the lab for up to a second.
 */
import { baseSubject, casemap, compareText } from './baseSubject.js';
import { headerFields, type MessageView } from './mime/cache.js';
import { headerValue } from './mime/header.js';
import type { Found } from './searchMailbox.js';
import { sentDate } from './sort.js';
import { sortInTurns, takeTurns } from '../workers/turns.js';

export const THREAD_ALGORITHMS = ['ORDEREDSUBJECT', 'REFERENCES'] as const;
export type ThreadAlgorithm = (typeof THREAD_ALGORITHMS)[number];

/** What threading needs of one message. */
export interface ThreadMessage {
  /** The number the response uses: sequence number, or UID for UID THREAD. */
  id: number;
  /** Mailbox order, the tie-breaker for equal dates. */
  order: number;
  date: number;
  subject: string;
  replyOrForward: boolean;
  messageId?: string;
  /** References, or the first In-Reply-To, oldest first. */
  references: string[];
}

/** A node of the thread tree; a dummy (a message that is referred to but not here) has none. */
interface Node {
  message?: ThreadMessage;
  parent?: Node;
  children: Node[];
}

/**
 * The msg-ids in a header, normalised so that quoting does not matter:
 * <"a.b"@example.com> and <a.b@example.com> are the same id. Ids without "@" are not valid.
 */
export function messageIds(value: string | undefined): string[] {
  const ids: string[] = [];
  for (const m of (value ?? '').matchAll(/<([^<>]*)>/g)) {
    const inner = m[1]!.replace(/\s+/g, '');
    const at = inner.lastIndexOf('@');
    if (at <= 0 || at === inner.length - 1) continue;
    let local = inner.slice(0, at);
    if (local.startsWith('"') && local.endsWith('"') && local.length >= 2) local = local.slice(1, -1).replace(/\\(.)/g, '$1');
    ids.push(`${local}@${inner.slice(at + 1)}`);
  }
  return ids;
}

/** Reads what threading needs from a message. */
export function threadMessage(found: Found, id: number, view: MessageView | undefined): ThreadMessage {
  const fields = view ? headerFields(view) : [];
  const { base, replyOrForward } = baseSubject(headerValue(fields, 'subject'));
  const references = messageIds(headerValue(fields, 'references'));
  return {
    id,
    order: found.uid,
    date: sentDate(found, view),
    subject: casemap(base),
    replyOrForward,
    messageId: messageIds(headerValue(fields, 'message-id'))[0],
    references: references.length > 0 ? references : messageIds(headerValue(fields, 'in-reply-to')).slice(0, 1),
  };
}

export async function threadResponse(algorithm: ThreadAlgorithm, messages: readonly ThreadMessage[], turn = takeTurns()): Promise<string> {
  const roots = algorithm === 'ORDEREDSUBJECT' ? await orderedSubject(messages, turn) : await references(messages, turn);
  const parts: string[] = [];
  for (const root of roots) {
    parts.push(`(${await members(root, turn)})`);
    await turn();
  }
  return parts.join('');
}

type Turn = () => Promise<void>;

const byDate = (a: ThreadMessage, b: ThreadMessage): number => a.date - b.date || a.order - b.order;
/** A node's date: its message's, or for a dummy its first child's (a dummy always has one). */
function nodeKey(node: Node): ThreadMessage {
  let n = node;
  while (!n.message) n = n.children[0]!;
  return n.message;
}
const byNodeDate = (a: Node, b: Node): number => byDate(nodeKey(a), nodeKey(b));

/** "Poor man's threading": same base subject, one flat thread, oldest message first. */
async function orderedSubject(messages: readonly ThreadMessage[], turn: Turn): Promise<Node[]> {
  const sorted = await sortInTurns([...messages], (a, b) => compareText(a.subject, b.subject) || byDate(a, b), turn);
  const roots: Node[] = [];
  let current: Node | undefined;
  for (const message of sorted) {
    if (current && current.message!.subject === message.subject) current.children.push({ message, children: [] });
    else roots.push((current = { message, children: [] }));
    await turn();
  }
  return sortInTurns(roots, byNodeDate, turn);
}

/**
 * Does linking `parent` above `child` close a loop (is child the parent or one of its
 * ancestors)? A child with nothing below it can only be the parent itself: the chain one
 * References header builds is linked without walking up it each time. A walk up longer than
 * MAX_WALK is taken for a loop: the link is not made, and no chain makes THREAD quadratic.
 */
function wouldLoop(parent: Node, child: Node): boolean {
  if (child.children.length === 0) return parent === child;
  let steps = 0;
  for (let n: Node | undefined = parent; n; n = n.parent) if (n === child || ++steps > MAX_WALK) return true;
  return false;
}

/** Ancestors looked at before a link is refused (threads are rarely more than a few dozen deep). */
const MAX_WALK = 10_000;

function link(parent: Node, child: Node): void {
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Node): void {
  const parent = child.parent!;
  parent.children.splice(parent.children.indexOf(child), 1);
  child.parent = undefined;
}

async function references(messages: readonly ThreadMessage[], turn: Turn): Promise<Node[]> {
  // (1) Link the messages by their references; a referenced id that is not here is a dummy.
  const byId = new Map<string, Node>();
  const all: Node[] = [];
  const nodeFor = (id: string): Node => {
    let node = byId.get(id);
    if (!node) {
      node = { children: [] };
      byId.set(id, node);
      all.push(node);
    }
    return node;
  };
  for (const message of await sortInTurns([...messages], (a, b) => a.order - b.order, turn)) {
    await turn();
    // A missing or repeated Message-ID gets a node of its own.
    let node = message.messageId === undefined ? undefined : byId.get(message.messageId);
    if (!node || node.message) {
      node = { children: [] };
      all.push(node);
      if (message.messageId !== undefined && !byId.has(message.messageId)) byId.set(message.messageId, node);
    }
    node.message = message;
    const refs = message.references.map(nodeFor);
    for (let i = 0; i + 1 < refs.length; i++) {
      const [parent, child] = [refs[i]!, refs[i + 1]!];
      if (!child.parent && !wouldLoop(parent, child)) link(parent, child);
    }
    if (node.parent) unlink(node);
    const last = refs[refs.length - 1];
    if (last && !wouldLoop(last, node)) link(last, node);
  }
  // (2) The messages without a parent are the roots; (3) dummies go.
  let roots = await prune(all.filter((n) => !n.parent), turn);
  // (4) Oldest thread first (a dummy counts as its oldest child).
  await sortTree(roots, turn);
  // (5) Threads with the same base subject are joined.
  roots = await joinBySubject(roots, turn);
  // (6) Every set of siblings oldest first, the threads too.
  await sortTree(roots, turn);
  return roots;
}

/**
 * Every node below the roots, each after everything below it. Loops, not recursion, here and
 * in the functions that use it: a References header of 30,000 ids makes a chain that deep,
 * and recursion overflowed the stack (NO [SERVERBUG] for that mailbox's THREAD, for good).
 */
function deepestFirst(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of node.children) stack.push(child);
  }
  return order.reverse();
}

/** Sorts every set of siblings by date, the deepest first. */
async function sortTree(roots: Node[], turn: Turn): Promise<void> {
  for (const node of deepestFirst(roots)) {
    await sortInTurns(node.children, byNodeDate, turn);
    await turn();
  }
  await sortInTurns(roots, byNodeDate, turn);
}

/** Removes dummies: a childless one disappears, its children take its place (at the top only if alone). */
async function prune(roots: readonly Node[], turn: Turn): Promise<Node[]> {
  for (const node of deepestFirst(roots)) {
    node.children = node.children.flatMap((child) => (child.message ? [child] : child.children));
    for (const child of node.children) child.parent = node;
    await turn();
  }
  const out: Node[] = [];
  for (const node of roots) {
    if (node.message) out.push(node);
    else if (node.children.length === 1) {
      node.children[0]!.parent = undefined;
      out.push(node.children[0]!);
    } else if (node.children.length > 0) out.push(node);
  }
  return out;
}

/** Whose subject stands for a thread: its message, or a dummy's oldest child (children are sorted). */
const subjectOf = (node: Node): ThreadMessage => nodeKey(node);

async function joinBySubject(roots: Node[], turn: Turn): Promise<Node[]> {
  const table = new Map<string, Node>();
  for (const node of roots) {
    await turn();
    const { subject } = subjectOf(node);
    if (subject === '') continue;
    const held = table.get(subject);
    if (!held) table.set(subject, node);
    else if (held.message && (!node.message || (subjectOf(held).replyOrForward && !subjectOf(node).replyOrForward))) table.set(subject, node);
  }
  // Places are looked up, and joined threads left out at the end: a splice per join made
  // joining thousands of threads of one subject quadratic.
  const out = [...roots];
  const place = new Map(roots.map((node, i) => [node, i]));
  const joined = new Set<Node>();
  const remove = (node: Node): void => {
    joined.add(node);
  };
  for (const node of roots) {
    await turn();
    const { subject, replyOrForward } = subjectOf(node);
    if (subject === '') continue;
    const held = table.get(subject)!;
    if (held === node) continue;
    if (!node.message && !held.message) {
      for (const child of node.children) link(held, child);
      remove(node);
    } else if (!held.message || (replyOrForward && !subjectOf(held).replyOrForward)) {
      link(held, node);
      remove(node);
    } else {
      const dummy: Node = { children: [] };
      const at = place.get(held)!;
      out[at] = dummy;
      place.set(dummy, at);
      link(dummy, held);
      link(dummy, node);
      remove(node);
      table.set(subject, dummy);
    }
  }
  return out.filter((node) => !joined.has(node));
}

/** A node and what hangs below it, as thread-members: "1 2 (3)(4 5)". */
async function members(root: Node, turn: Turn): Promise<string> {
  const parts: string[] = [];
  // What is left to write, last first: text, or a node to write with its children.
  const stack: Array<Node | string> = [root];
  while (stack.length > 0) {
    const item = stack.pop()!;
    await turn();
    if (typeof item === 'string') {
      parts.push(item);
      continue;
    }
    const head = item.message ? String(item.message.id) : '';
    const { children } = item;
    if (children.length === 0) parts.push(head);
    else if (children.length === 1 && item.message) stack.push(children[0]!, `${head} `);
    else {
      for (let i = children.length - 1; i >= 0; i--) stack.push(')', children[i]!, '(');
      if (head) parts.push(`${head} `);
    }
  }
  return parts.join('');
}
