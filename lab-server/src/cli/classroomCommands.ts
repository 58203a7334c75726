/** `maillab class create`: a class from the command line. */
import { classNameOf, classNameProblem, openClass } from '../classroom/classNames.js';
import { ClassroomStore } from '../store/classroom.js';
import { openStoreFor, parseWithName, publicUrl, USAGE, UsageError } from './flags.js';
import { instructorCalled } from './instructorCommands.js';

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
    const owner = wanted ? await instructorCalled(store, wanted) : all.length === 1 ? all[0] : undefined;
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
