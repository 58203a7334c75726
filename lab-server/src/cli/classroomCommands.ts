/** `maillab instructor add`, `maillab instructor password` and `maillab class create`: classroom accounts from the command line. */
import type { ParseArgsConfig } from 'node:util';
import { classNameOf, classNameProblem, openClass } from '../classroom/classNames.js';
import { ClassroomStore } from '../store/classroom.js';
import { setInstructorPassword } from '../store/instructorPasswords.js';
import { ConstraintViolation } from '../store/sql.js';
import { openStoreFor, parseWith, publicUrl, USAGE, UsageError } from './flags.js';

const classroomOptions = {
  data: { type: 'string' },
  database: { type: 'string' },
  instructor: { type: 'string' },
  'public-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function parseWithName(args: string[], what: string, zh: string): { name: string; values: Record<string, string | boolean | undefined> } {
  const parsed = parseWith(args, classroomOptions, true);
  const name = (parsed.positionals.join(' ') || '').trim();
  if (!name) throw new UsageError(`Give the ${what}'s name.\n${USAGE}`, `请给出${zh}的名字。`);
  return { name, values: parsed.values as Record<string, string | boolean | undefined> };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** A password piped in is used (`given`); otherwise one is made up, to be printed once. Weak ones are refused. */
async function passwordToSet(): Promise<{ given: boolean; password: string }> {
  const { generatePassword, passwordProblem } = await import('../classroom/passwords.js');
  const piped = process.stdin.isTTY ? '' : await readStdin();
  const password = piped || generatePassword();
  const weak = passwordProblem(password);
  if (weak) throw new UsageError(weak.en, weak['zh-CN']);
  return { given: piped !== '', password };
}

export async function instructorCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'password') return instructorPassword(rest);
  if (sub !== 'add') throw new UsageError(`Use: maillab instructor add NAME, or maillab instructor password NAME\n${USAGE}`, '用法：maillab instructor add 名字，或 maillab instructor password 名字');
  const { name, values } = parseWithName(rest, 'instructor', '教师');
  const { given, password } = await passwordToSet();
  const { hashPassword } = await import('../classroom/passwords.js');
  const db = await openStoreFor(values);
  try {
    const store = new ClassroomStore(db);
    const exists = new UsageError(`An instructor called "${name}" already exists.`, `已经有名为 "${name}" 的教师。`);
    if (await store.instructorLogin(name)) throw exists;
    await store.addInstructor(name, await hashPassword(password)).catch((err: unknown) => {
      throw err instanceof ConstraintViolation ? exists : err;
    });
    await store.audit(null, 'instructor.add', { name, by: 'cli' });
  } finally {
    await db.close();
  }
  process.stdout.write(given ? `Instructor "${name}" added. / 已添加教师 "${name}"。\n` : `Instructor "${name}" added. Password / 密码: ${password}\n`);
}

/** `maillab instructor password NAME`: a new password for an instructor who forgot theirs; their sessions end. */
async function instructorPassword(args: string[]): Promise<void> {
  const { name, values } = parseWithName(args, 'instructor', '教师');
  const { given, password } = await passwordToSet();
  const { hashPassword } = await import('../classroom/passwords.js');
  const db = await openStoreFor(values);
  let found;
  try {
    const store = new ClassroomStore(db);
    found = (await store.instructorLogin(name))?.instructor;
    if (!found) {
      const all = (await store.instructors()).map((i) => i.name);
      throw new UsageError(
        `There is no instructor called "${name}". ${all.length ? `The instructors: ${all.join(', ')}.` : 'Add one with: maillab instructor add NAME'}`,
        `没有名为 "${name}" 的教师。${all.length ? `现有教师：${all.join('、')}。` : '请用 maillab instructor add 名字 添加。'}`,
      );
    }
    await setInstructorPassword(db, found, await hashPassword(password));
    await store.audit(found.id, 'instructor.password', { by: 'cli' });
  } finally {
    await db.close();
  }
  const done = `New password set for instructor "${found.name}"; their open sessions have ended. / 已为教师 "${found.name}" 设置新密码，其已登录的会话均已结束。`;
  process.stdout.write(given ? `${done}\n` : `${done}\nPassword / 密码: ${password}\n`);
}

export async function classCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new UsageError(`Use: maillab class create "NAME"\n${USAGE}`, '用法：maillab class create "班级名"');
  const parsed = parseWithName(rest, 'class', '班级');
  // The rule the instructor's page follows (a name of 81 characters is refused there too).
  const name = classNameOf(parsed.name);
  const values = parsed.values;
  const wrong = classNameProblem(name);
  if (wrong) throw new UsageError(wrong.en, wrong['zh-CN']);
  const db = await openStoreFor(values);
  try {
    const store = new ClassroomStore(db);
    const all = await store.instructors();
    const wanted = typeof values.instructor === 'string' ? values.instructor : undefined;
    const owner = wanted ? (await store.instructorLogin(wanted))?.instructor : all.length === 1 ? all[0] : undefined;
    if (!owner) {
      throw new UsageError(
        all.length === 0 ? 'There is no instructor yet. First run: maillab instructor add NAME' : `Say whose class it is: --instructor NAME (one of: ${all.map((i) => i.name).join(', ')}).`,
        all.length === 0 ? '还没有教师账号。请先运行：maillab instructor add 名字' : `请用 --instructor 指定教师（可选：${all.map((i) => i.name).join('、')}）。`,
      );
    }
    // The page's rules, the limit of classes included (the command once made any number).
    const opened = await openClass(store, name, owner.id);
    if ('refused' in opened) throw new UsageError(opened.refused.en, opened.refused['zh-CN']);
    const { klass } = opened;
    await store.audit(owner.id, 'class.create', { classId: klass.id, name, by: 'cli' });
    const base = typeof values['public-url'] === 'string' ? publicUrl(values['public-url']) : 'http://127.0.0.1:8080/';
    process.stdout.write(`Class "${name}" created. / 已创建班级 "${name}"。\nJoin code / 加入码: ${klass.joinCode}\nJoin URL / 加入网址: ${base.replace(/\/$/, '')}/join/?code=${klass.joinCode}\n`);
  } finally {
    await db.close();
  }
}
