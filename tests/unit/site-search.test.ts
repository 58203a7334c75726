/** The lesson search: sections cut from rendered HTML, and substring search that works for Chinese. */
import { describe, expect, it } from 'vitest';
import { markTerms, queryTerms, search } from '../../site/lib/search.js';
import { htmlToText, sectionsFromHtml, type IndexedLesson } from '../../site/lib/searchIndex.js';

const html =
  '<p>Intro &amp; more</p><h2 id="the-port-table">The port table</h2><p>Port <code>465</code> is <em>implicit TLS</em>.</p>' +
  '<div class="try-it"><button type="button">Paste into the terminal</button><pre><code>EHLO a</code></pre></div>' +
  '<h3 id="starttls">STARTTLS</h3><p>Upgrade a plain connection.</p>';

describe('search index', () => {
  it('cuts a lesson into sections at h2/h3 ids, as plain text without buttons', () => {
    const sections = sectionsFromHtml(html);
    expect(sections.map((s) => s.id)).toEqual(['', 'the-port-table', 'starttls']);
    expect(sections[0]!.text).toBe('Intro & more');
    expect(sections[1]!.heading).toBe('The port table');
    expect(sections[1]!.text).toBe('Port 465 is implicit TLS. EHLO a');
    expect(sections[1]!.text).not.toContain('Paste');
  });

  it('keeps a diagram to its caption, a "Try it" block to its commands, and table cells apart', () => {
    const lesson =
      '<figure class="diagram" data-mermaid><div class="diagram-view" role="img" aria-label="SMTP"><pre class="mermaid-source">sequenceDiagram\n  C->>S: EHLO</pre></div><figcaption>The SMTP dialogue</figcaption><details class="diagram-source"><summary>Diagram source (mermaid)</summary><pre class="mermaid-source">sequenceDiagram\n  C->>S: EHLO</pre></details></figure>' +
      '<div class="try-it" data-service="smtp"><div class="try-head"><span class="try-label">Try it</span><span class="try-service">smtp · Lab port 2025</span><button type="button">Paste</button></div>' +
      '<pre class="try-commands"><code>QUIT</code></pre><div class="try-expect"><p class="try-expect-label">What you should see</p><pre><code>221 Bye</code></pre></div></div>' +
      '<table><thead><tr><th>service</th><th>port</th></tr></thead><tbody><tr><td>smtp</td><td>25</td></tr><tr><td>imap</td><td>143</td></tr></tbody></table>';
    expect(htmlToText(lesson)).toBe('The SMTP dialogue QUIT 221 Bye service · port smtp · 25 imap · 143');
  });

  it('decodes entities and drops tags', () => {
    expect(htmlToText('<p>a&lt;b&gt; &#x4e2d;&#25991; &quot;q&quot;</p>')).toBe('a<b> 中文 "q"');
  });
});

describe('search', () => {
  const lessons: IndexedLesson[] = [
    { lang: 'en', slug: 'ports', chapter: 4, title: 'Ports and security', url: '/en/lessons/ports/', sections: sectionsFromHtml(html) },
    {
      lang: 'zh-CN',
      slug: 'storage',
      chapter: 6,
      title: '存储与 DNS',
      url: '/lessons/storage/',
      sections: [{ id: '邮件需要的-dns', heading: '邮件需要的 DNS', text: 'DMARC 要求与 From: 对齐。邮件投递之后进入 new/。' }],
    },
  ];

  it('needs every word, ranks headings above body text and links to the anchor', () => {
    const hits = search(lessons, 'starttls');
    expect(hits[0]!.url).toBe('/en/lessons/ports/#starttls');
    expect(search(lessons, 'implicit nowhere')).toEqual([]);
    expect(search(lessons, 'PORT 465')[0]!.heading).toBe('The port table');
  });

  it('finds Chinese words inside text that has no spaces, and marks them in the snippet', () => {
    const [hit] = search(lessons, '投递');
    expect(hit!.url).toBe(`/lessons/storage/#${encodeURIComponent('邮件需要的-dns')}`);
    expect(hit!.snippet.filter((p) => p.mark).map((p) => p.text)).toEqual(['投递']);
  });

  it('normalises the query', () => {
    expect(queryTerms('  DMARC   dmarc Ｓ ')).toEqual(['dmarc', 's']);
    expect(markTerms('a STARTTLS b', ['starttls'])).toEqual([
      { text: 'a ', mark: false },
      { text: 'STARTTLS', mark: true },
      { text: ' b', mark: false },
    ]);
  });
});
