/** `maillab instructor add`, `password` and `rename`: instructor accounts from the command line. */
import { ClassroomStore, type Instructor } from '../store/classroom.js';
import { renameInstructor } from '../store/instructorNames.js';
import { setInstructorPassword } from '../store/instructorPasswords.js';
import { ConstraintViolation } from '../store/sql.js';
import { openStoreFor, parseWithName, USAGE, UsageError } from './flags.js';

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

const quoted = (names: string[]): string => names.map((n) => `"${n}"`).join(', ');

/**
 * The one instructor a name given on the command line means: named exactly so, or the only one
 * alike. Two alike (kept from before names were keyed) and neither named exactly so: which is
 * meant is asked, and how to part them for good is said.
 */
export async function instructorCalled(store: ClassroomStore, name: string): Promise<Instructor> {
  const named = await store.instructorsNamed(name);
  if (named.length === 1 || named[0]?.name === name) return named[0]!;
  if (named.length === 0) {
    const all = (await store.instructors()).map((i) => i.name);
    throw new UsageError(
      `There is no instructor called "${name}". ${all.length ? `The instructors: ${all.join(', ')}.` : 'Add one with: maillab instructor add NAME'}`,
      `没有名为 "${name}" 的教师。${all.length ? `现有教师：${all.join('、')}。` : '请用 maillab instructor add 名字 添加。'}`,
    );
  }
  const names = named.map((i) => i.name);
  throw new UsageError(
    `"${name}" may mean any of the instructors ${quoted(names)}: their names differ only in upper and lower case, which the lab no longer tells apart. Type the name exactly as listed; to end the mix-up, give one of them another name: maillab instructor rename "${names[1]}" "NEW NAME"`,
    `"${name}" 可能指以下任一位教师：${quoted(names)}，这些名字只有大小写不同，而实验室已不再区分大小写。请按列出的写法准确输入名字；要彻底消除混淆，请给其中一位改名：maillab instructor rename "${names[1]}" "新名字"`,
  );
}

export async function instructorCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'password') return instructorPassword(rest);
  if (sub === 'rename') return instructorRename(rest);
  if (sub !== 'add') {
    throw new UsageError(
      `Use: maillab instructor add NAME, maillab instructor password NAME, or maillab instructor rename "NAME" "NEW NAME"\n${USAGE}`,
      '用法：maillab instructor add 名字，maillab instructor password 名字，或 maillab instructor rename "名字" "新名字"',
    );
  }
  const { name, values } = parseWithName(rest, 'instructor', '教师');
  const { given, password } = await passwordToSet();
  const { hashPassword } = await import('../classroom/passwords.js');
  const db = await openStoreFor(values);
  try {
    const store = new ClassroomStore(db);
    const exists = async (): Promise<UsageError> => {
      const names = (await store.instructorsNamed(name)).map((i) => i.name);
      return new UsageError(
        `An instructor called ${quoted(names)} already exists; names that differ only in upper and lower case are one name in the lab. Choose another name, or, if that instructor is you and you forgot the password: maillab instructor password "${names[0]}"`,
        `已经有名为 ${quoted(names)} 的教师；在实验室里，只有大小写不同的名字算作同一个名字。请换一个名字；如果那就是你而你忘了密码：maillab instructor password "${names[0]}"`,
      );
    };
    if (await store.instructorLogin(name)) throw await exists();
    await store.addInstructor(name, await hashPassword(password)).catch(async (err: unknown) => {
      throw err instanceof ConstraintViolation ? await exists() : err;
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
    found = await instructorCalled(store, name);
    await setInstructorPassword(db, found, await hashPassword(password));
    await store.audit(found.id, 'instructor.password', { by: 'cli' });
  } finally {
    await db.close();
  }
  const done = `New password set for instructor "${found.name}"; their open sessions have ended. / 已为教师 "${found.name}" 设置新密码，其已登录的会话均已结束。`;
  process.stdout.write(given ? `${done}\n` : `${done}\nPassword / 密码: ${password}\n`);
}

/** `maillab instructor rename "NAME" "NEW NAME"`: parts two instructors whose names are alike; sessions, classes and password stay. */
async function instructorRename(args: string[]): Promise<void> {
  const { positionals, values } = parseWithName(args, 'instructor', '教师');
  const [from, to] = positionals.map((p) => p.trim());
  if (positionals.length !== 2 || !from || !to) {
    throw new UsageError(
      `Give the name and the new name, each in quotes: maillab instructor rename "Ms Wang" "Wang Fang"`,
      `请给出名字和新名字，各自加引号：maillab instructor rename "Ms Wang" "Wang Fang"`,
    );
  }
  const db = await openStoreFor(values);
  try {
    const store = new ClassroomStore(db);
    const found = await instructorCalled(store, from);
    const refused = await renameInstructor(db, found.id, to);
    if (refused) {
      throw new UsageError(
        `Another instructor is called "${refused.taken}", alike "${to}" apart from upper and lower case. Choose a name that differs in more than case.`,
        `已有另一位教师名为 "${refused.taken}"，与 "${to}" 只有大小写不同。请选一个不止大小写不同的名字。`,
      );
    }
    await store.audit(found.id, 'instructor.rename', { from: found.name, to, by: 'cli' });
    process.stdout.write(`Instructor "${found.name}" is now "${to}"; log in with the new name. / 教师 "${found.name}" 已改名为 "${to}"，请用新名字登录。\n`);
  } finally {
    await db.close();
  }
}
