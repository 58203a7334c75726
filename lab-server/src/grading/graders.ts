/**
 * The table of graders, by the name exercise files use. Each says what kind of exercise it
 * grades and what shape of answer it takes, so the API can refuse a malformed answer with 400
 * before any grader runs.
 */
import { boundFeedback, error, result, text, type FeedbackLine, type GradeResult, type Text } from './feedback.js';
import { gradeDovecotMaildir } from './config/dovecot.js';
import { gradeDkimSigner } from './config/dkimSigner.js';
import { gradeDovecotAuth } from './config/dovecotAuth.js';
import { gradePostfixVirtual } from './config/postfix.js';
import { gradePostfixLimits } from './config/limits.js';
import { gradePostfixLmtp, gradePostfixSasl } from './config/postfixDovecot.js';
import { gradePostfixRelay } from './config/relay.js';
import { gradePostfixSubmission } from './config/submission.js';
import { gradeDovecotTls, gradePostfixTls } from './config/tls.js';
import { gradeDkim, gradeDmarc, gradeMx, gradePtr, gradeSpf, gradeZone } from './dns/graders.js';
import { gradeImapFlag, gradePop3Delete } from './protocol/mailbox.js';
import { gradeDotStuffing, gradeSmtpSend, gradeSubmission } from './protocol/smtp.js';
import { gradeReadOverTls } from './protocol/tls.js';
import { gradeQuiz, type QuizParams } from './quiz/quiz.js';
import { gradeDkimFail, gradeDmarcReject, gradeNoMx, gradeServerDown, gradeSpfFail } from './world/experiments.js';
import { gradeDnsOutage, gradeDroppedBeforeDot, gradeGreylisting, gradeMailboxFull } from './world/faultExperiments.js';
import type { WorkScope } from './protocol/evidence.js';
import type { Sandbox } from '../world/sandbox.js';

export interface GradingContext {
  /** The learner's sandbox: protocol graders read its Maildirs and transcripts. */
  sandbox?: Sandbox;
  /** Which terminal sessions count (the API always says; without it, all of them). */
  scope?: WorkScope;
}

export interface GraderDef {
  kind: 'dns' | 'config' | 'protocol' | 'quiz';
  answer: 'text' | 'object' | 'none';
  run(answer: unknown, params: unknown, ctx: GradingContext): Promise<FeedbackLine[]>;
}

function textGrader<P>(kind: 'dns' | 'config', run: (answer: string, params: P) => Promise<FeedbackLine[]>): GraderDef {
  return { kind, answer: 'text', run: (answer, params) => run(answer as string, params as P) };
}

function protocolGrader<P>(run: (sandbox: Sandbox, params: P, scope?: WorkScope) => Promise<FeedbackLine[]>): GraderDef {
  return {
    kind: 'protocol',
    answer: 'none',
    run: async (_answer, params, ctx) => {
      if (!ctx.sandbox) throw new Error("protocol graders need the learner's sandbox");
      return run(ctx.sandbox, params as P, ctx.scope);
    },
  };
}

export const GRADERS: Record<string, GraderDef> = {
  'dns-mx': textGrader('dns', gradeMx),
  'dns-spf': textGrader('dns', gradeSpf),
  'dns-dkim': textGrader('dns', gradeDkim),
  'dns-dmarc': textGrader('dns', gradeDmarc),
  'dns-ptr': textGrader('dns', gradePtr),
  'dns-zone': textGrader('dns', gradeZone),
  'postfix-virtual': textGrader('config', gradePostfixVirtual),
  'postfix-relay': textGrader('config', gradePostfixRelay),
  'postfix-submission': textGrader('config', gradePostfixSubmission),
  'postfix-tls': textGrader('config', gradePostfixTls),
  'postfix-limits': textGrader('config', gradePostfixLimits),
  'postfix-sasl': textGrader('config', gradePostfixSasl),
  'postfix-lmtp': textGrader('config', gradePostfixLmtp),
  'dovecot-tls': textGrader('config', gradeDovecotTls),
  'dovecot-auth': textGrader('config', gradeDovecotAuth),
  'dkim-signer': textGrader('config', gradeDkimSigner),
  'dovecot-maildir': textGrader('config', gradeDovecotMaildir),
  'smtp-send': protocolGrader(gradeSmtpSend),
  'smtp-submission': protocolGrader(gradeSubmission),
  'smtp-dot-stuffing': protocolGrader(gradeDotStuffing),
  'pop3-delete': protocolGrader(gradePop3Delete),
  'imap-flag': protocolGrader(gradeImapFlag),
  'read-over-tls': protocolGrader(gradeReadOverTls),
  // "Break it on purpose" experiments in the mail world, graded from its logs and reports.
  'world-server-down': protocolGrader(gradeServerDown),
  'world-no-mx': protocolGrader(gradeNoMx),
  'world-spf-fail': protocolGrader(gradeSpfFail),
  'world-dkim-fail': protocolGrader(gradeDkimFail),
  'world-dmarc-reject': protocolGrader(gradeDmarcReject),
  // The same, with faults armed on the lab MTAs and the lab DNS.
  'world-greylisting': protocolGrader(gradeGreylisting),
  'world-mailbox-full': protocolGrader(gradeMailboxFull),
  'world-dns-outage': protocolGrader(gradeDnsOutage),
  'world-dropped-before-dot': protocolGrader(gradeDroppedBeforeDot),
  quiz: { kind: 'quiz', answer: 'object', run: (answer, params) => gradeQuiz(answer as Record<string, unknown>, params as QuizParams) },
};

/** Why an answer cannot be graded at all (the API answers 400), or undefined if it can. */
export function answerShapeProblem(graderName: string, answer: unknown): Text | undefined {
  const def = GRADERS[graderName];
  if (!def) return text('This exercise has no grader.', '这道题没有评分程序。');
  if (def.answer === 'text' && typeof answer !== 'string') {
    return text('The answer must be the text you wrote, as a JSON string: {"answer": "..."}.', '答案必须是你写的文本，以 JSON 字符串提交：{"answer": "..."}。');
  }
  if (def.answer === 'object' && (typeof answer !== 'object' || answer === null || Array.isArray(answer))) {
    return text('A quiz answer is an object from question id to your choice: {"answer": {"q1": "b"}}.', '测验的答案是从题目编号到你的选择的对象：{"answer": {"q1": "b"}}。');
  }
  return undefined;
}

/** Grades one answer. A grader failure becomes an error line, never a crash of the request. */
export async function grade(graderName: string, params: Record<string, unknown>, answer: unknown, ctx: GradingContext): Promise<GradeResult> {
  const def = GRADERS[graderName];
  if (!def) throw new Error(`unknown grader ${graderName}`);
  try {
    // Passed and score count every line; the learner sees (and the attempt keeps) the first ones.
    const full = result(await def.run(answer, params, ctx));
    return { ...full, feedback: boundFeedback(full.feedback) };
  } catch (err) {
    return result([error('grader.failed', text(`The grader could not finish (${(err as Error).message}).`, `评分程序未能完成（${(err as Error).message}）。`), text('Try again; if it happens again, tell your instructor.', '请再试一次；如果还是这样，请告诉老师。'))]);
  }
}
