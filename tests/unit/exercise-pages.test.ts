/**
 * What the exercise pages are built from: the exercise view (never a solution or a grader's
 * parameters), the same list and order the lab server grades, the prompt Markdown, the
 * editor's highlighting (which must never change a character) and solution steps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import { SOLUTION_AFTER_ATTEMPTS as SERVER_SOLUTION_AFTER } from '../../lab-server/src/http/routes/exercises.js';
import { highlight, isPlainBlock } from '../../site/lib/configHighlight.js';
import { EXERCISES, SOLUTION_AFTER_ATTEMPTS, exerciseUrl, terminalServices } from '../../site/lib/exercises.js';
import { renderInline, renderPrompt } from '../../site/lib/promptText.js';
import { sessionServices, solutionSteps } from '../../site/lib/solutionSteps.js';

const unhighlight = (html: string): string =>
  html
    .replace(/<\/?span[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe('the exercises the pages are built from', () => {
  it('are the lab server’s exercises, in the same order', async () => {
    const catalog = await ExerciseCatalog.load();
    expect(EXERCISES.map((e) => e.id)).toEqual(catalog.list.map((e) => e.id));
    expect(EXERCISES.length).toBeGreaterThanOrEqual(24);
  });

  it('never carry a reference solution, a known-wrong answer or quiz answers', async () => {
    const catalog = await ExerciseCatalog.load();
    for (const view of EXERCISES) {
      const json = JSON.stringify(view);
      const full = catalog.get(view.id)!;
      expect(json, view.id).not.toMatch(/"(solution|wrong|grader|correct|accept|explain)"/);
      if (typeof full.solution === 'string') expect(json.includes(JSON.stringify(full.solution).slice(1, -1)), view.id).toBe(false);
      for (const q of view.questions ?? []) expect(Object.keys(q).sort(), `${view.id} ${q.id}`).toEqual(q.type === 'choice' ? ['id', 'multiple', 'options', 'prompt', 'type'] : ['id', 'prompt', 'type']);
    }
  });

  it('give protocol tasks the terminals they need, with standard ports', () => {
    const byId = (id: string) => EXERCISES.find((e) => e.id === id)!;
    expect(terminalServices(byId('smtp-send'))).toEqual([{ id: 'smtp', standardPort: 25 }]);
    expect(byId('pop3-delete').services).toEqual(['smtp', 'pop3']);
    expect(byId('submission-auth').services).toEqual(['submission']);
    expect(byId('imap-flag').services).toEqual(['imap']);
    for (const e of EXERCISES.filter((x) => x.kind === 'protocol')) expect(e.services!.length, e.id).toBeGreaterThan(0);
    expect(byId('dns-mx').services).toBeUndefined();
  });

  it('word the solution wait with the server’s number', () => {
    expect(SOLUTION_AFTER_ATTEMPTS).toBe(SERVER_SOLUTION_AFTER);
  });

  it('have pages in both languages', () => {
    expect(exerciseUrl('zh-CN', 'dns-mx')).toBe('/exercises/dns-mx/');
    expect(exerciseUrl('en', 'dns-mx')).toBe('/en/exercises/dns-mx/');
  });
});

describe('prompt Markdown', () => {
  it('renders paragraphs, both kinds of list, indented code and inline marks', () => {
    const html = renderPrompt('First **bold** and *soft*,\nsame paragraph.\n\n- one `<selector>._domainkey`\n- two\n\n1. step\n2. next\n\n    warning: do not <list>\n\nEnd.');
    expect(html).toBe(
      '<p>First <strong>bold</strong> and <em>soft</em>, same paragraph.</p>' +
        '<ul><li>one <code>&lt;selector&gt;._domainkey</code></li><li>two</li></ul>' +
        '<ol><li>step</li><li>next</li></ol>' +
        '<pre><code>warning: do not &lt;list&gt;</code></pre>' +
        '<p>End.</p>',
    );
  });

  it('shows {{port:…}} as the lab port, for the page to fill in with the running lab\'s', () => {
    expect(renderInline('port 143, lab port {{port:imap}}; `telnet 127.0.0.1 {{port:smtp}}`')).toBe(
      'port 143, lab port <span class="lab-port" data-service="imap">2143</span>; <code>telnet 127.0.0.1 <span class="lab-port" data-service="smtp">2025</span></code>',
    );
    expect(() => renderInline('{{port:ftp}}')).toThrow(/unknown service/);
  });

  it('escapes everything that is not a mark', () => {
    expect(renderInline('/var/mail/vhosts/<domain>/<user> & "x"')).toBe('/var/mail/vhosts/&lt;domain&gt;/&lt;user&gt; &amp; &quot;x&quot;');
    expect(renderInline('**\\Flagged**')).toBe('<strong>\\Flagged</strong>');
    expect(renderPrompt('<script>alert(1)</script>')).not.toContain('<script>');
  });

  it('renders every exercise prompt with no raw tag from the text', () => {
    for (const e of EXERCISES) {
      for (const lang of ['en', 'zh-CN'] as const) {
        const html = renderPrompt(e.prompt[lang]);
        const marks = /<\/?(p|ul|ol|li|pre|code|strong|em)>|<span class="lab-port" data-service="[a-z0-9-]+">\d+<\/span>/g;
        expect(html.replace(marks, ''), `${e.id} ${lang}`).not.toMatch(/[<>]|\{\{/);
      }
    }
  });
});

describe('editor highlighting', () => {
  it('marks zone-file owners, types, directives, strings, numbers and comments', () => {
    const html = highlight('zone', '$ORIGIN example.com.\n@ 3600 IN MX 10 mail.example.com. ; primary\n@ IN TXT "v=spf1 mx -all"');
    expect(html).toContain('<span class="hl-keyword">$ORIGIN</span>');
    expect(html).toContain('<span class="hl-name">@</span> <span class="hl-number">3600</span> <span class="hl-keyword">IN</span> <span class="hl-keyword">MX</span> <span class="hl-number">10</span> mail.example.com. <span class="hl-comment">; primary</span>');
    expect(html).toContain('<span class="hl-string">&quot;v=spf1 mx -all&quot;</span>');
    // A ";" inside quotes is not a comment.
    expect(highlight('zone', 'x IN TXT "v=DKIM1; k=rsa"')).not.toContain('hl-comment');
  });

  it('marks main.cf parameters, $expansions, table types, restrictions and comments', () => {
    const html = highlight('main.cf', '# relay\nmydestination = $myhostname, localhost\nvirtual_mailbox_maps = hash:/etc/postfix/vmailbox\nsmtpd_relay_restrictions = permit_sasl_authenticated,\n    reject_unauth_destination');
    expect(html).toContain('<span class="hl-comment"># relay</span>');
    expect(html).toContain('<span class="hl-name">mydestination</span><span class="hl-punct"> = </span><span class="hl-var">$myhostname</span>');
    expect(html).toContain('<span class="hl-type">hash:</span>/etc/postfix/vmailbox');
    expect(html).toContain('    <span class="hl-keyword">reject_unauth_destination</span>');
  });

  it('marks dovecot.conf settings, %variables, sections and comments', () => {
    const html = highlight('dovecot.conf', 'mail_home = /var/mail/vhosts/%{user | domain}/%n\nnamespace inbox {\n  inbox = yes # the INBOX\n}');
    expect(html).toContain('<span class="hl-var">%{user | domain}</span>/<span class="hl-var">%n</span>');
    expect(html).toContain('<span class="hl-keyword">namespace</span> inbox <span class="hl-punct">{</span>');
    expect(html).toContain('<span class="hl-comment"> # the INBOX</span>');
  });

  it('never changes, drops or adds a character, whatever is typed', () => {
    for (const mode of ['zone', 'main.cf', 'dovecot.conf'] as const) {
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom(...'abc $%{}()=,;#"\\\n\t .:@-_<>&\'IN MX'.split(''), 'IN', 'MX', '%{u', 'hash:', 'permit_x') }), (source) => {
          expect(unhighlight(highlight(mode, source))).toBe(source);
        }),
        { numRuns: 500 },
      );
      fc.assert(fc.property(fc.string(), (source) => unhighlight(highlight(mode, source)) === source));
    }
  });

  it('shows a base64 key plain', () => {
    expect(isPlainBlock('MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\nwQU5VDyeEvU2aghoCTPN==')).toBe(true);
    expect(isPlainBlock('mail IN A 192.0.2.100')).toBe(false);
  });
});

describe('solution steps', () => {
  it('reads terminal sessions', () => {
    const solution = { sessions: [{ service: 'smtp', lines: ['EHLO x'] }, { service: 'pop3', lines: ['USER bob'] }, { service: 'smtp', lines: ['QUIT'] }] };
    expect(solutionSteps(solution).map((s) => s.kind)).toEqual(['session', 'session', 'session']);
    expect(sessionServices(solution)).toEqual(['smtp', 'pop3']);
  });

  it('reads the mail-world experiments: zone edits, servers, queue and outcomes', () => {
    const steps = solutionSteps({
      steps: [
        { zone: 'example.com', replace: ['a', 'b'] },
        { zone: 'example.com', regex: ['x+', 'y'] },
        { mta: 'otherdomain.com', action: 'stop' },
        { session: { service: 'submission', lines: ['EHLO x'] } },
        { expect: 'deferred' },
        { flush: true },
        { zone: 'example.com', restore: true },
      ],
    });
    expect(steps).toEqual([
      { kind: 'zone', zone: 'example.com', from: 'a', to: 'b' },
      { kind: 'zone', zone: 'example.com', to: 'y' },
      { kind: 'mta', mta: 'otherdomain.com', action: 'stop' },
      { kind: 'session', service: 'submission', lines: ['EHLO x'] },
      { kind: 'expect', outcome: 'deferred' },
      { kind: 'flush' },
      { kind: 'zone', zone: 'example.com', restore: true },
    ]);
    expect(solutionSteps(undefined)).toEqual([]);
  });
});
