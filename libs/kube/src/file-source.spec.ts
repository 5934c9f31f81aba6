import { mkdtempSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@mesh/testing';
import { FileSource, parseObjects, type Change } from './index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const svc = (name: string, port = 9080) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  ports:
  - port: ${port}
    name: http
`;

describe('parseObjects', () => {
  it('fills the default namespace, flattens Lists and reports bad documents with file and index', () => {
    const text = `${svc('a')}---\nkind: List\napiVersion: v1\nitems:\n- ${'{apiVersion: v1, kind: Namespace, metadata: {name: ns1}}'}\n---\nfoo: bar\n`;
    const { objects, errors } = parseObjects(text, 'x.yaml', 'bookinfo');
    expect(objects.map((o) => [o.kind, o.metadata.namespace])).toEqual([['Service', 'bookinfo'], ['Namespace', undefined]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^x\.yaml: document 2: not a Kubernetes object/);
  });
});

describe('FileSource', () => {
  it('loads a directory and reports adds, updates and deletes as files change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filesource-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.yaml'), svc('a'));
    const src = new FileSource({ dir, settleMs: 10 });
    const seen: Change[] = [];
    src.onChange((c) => seen.push(...c));
    await src.start();
    expect(src.list().map((o) => o.metadata.name)).toEqual(['a']);

    writeFileSync(join(dir, 'b.yaml'), svc('b'));
    await waitFor(() => seen.some((c) => c.type === 'add' && c.object.metadata.name === 'b'), 5000);
    writeFileSync(join(dir, 'a.yaml'), svc('a', 8080));
    await waitFor(() => seen.some((c) => c.type === 'update' && c.object.metadata.name === 'a'), 5000);
    unlinkSync(join(dir, 'b.yaml'));
    await waitFor(() => seen.some((c) => c.type === 'delete' && c.object.metadata.name === 'b'), 5000);
    expect(src.list().map((o) => o.metadata.name)).toEqual(['a']);
    await src.stop();
  });

  it('sees files replaced by rename (write to a temp file, then rename over the original)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filesource-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.yaml'), svc('a', 1000));
    const src = new FileSource({ dir, settleMs: 10, pollMs: 100 });
    await src.start();
    for (let port = 1001; port <= 1010; port++) {
      writeFileSync(join(dir, '.a.yaml.tmp'), svc('a', port));
      renameSync(join(dir, '.a.yaml.tmp'), join(dir, 'a.yaml'));
      await waitFor(() => JSON.stringify(src.list()[0]).includes(`"port":${port}`), 5000);
    }
    await src.stop();
  });

  it('re-parses only files whose inode, size or mtime changed and keeps the objects of the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filesource-'));
    dirs.push(dir);
    const a = join(dir, 'a.yaml');
    writeFileSync(a, svc('a', 1000));
    const mtime = 1_700_000_000; // whole seconds, so putting it back is exact
    utimesSync(a, mtime, mtime);
    writeFileSync(join(dir, 'b.yaml'), svc('b', 2000));
    const src = new FileSource({ dir, settleMs: 10, pollMs: 0 });
    await src.start();
    const ports = () => src.list().map((o) => `${o.metadata.name}:${JSON.stringify(o).match(/"port":(\d+)/)?.[1]}`);
    expect(ports()).toEqual(['a:1000', 'b:2000']);

    // Same inode, same size, mtime put back: by the (ino, size, mtime) rule a.yaml is unchanged, so its cached
    // objects are kept; b.yaml really changed and is read again.
    const before = statSync(a);
    writeFileSync(a, svc('a', 1001));
    utimesSync(a, mtime, mtime);
    expect([statSync(a).ino, statSync(a).size, statSync(a).mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    writeFileSync(join(dir, 'b.yaml'), svc('b', 2001));
    await src.refresh();
    expect(ports()).toEqual(['a:1000', 'b:2001']);

    // A new mtime makes it read a.yaml again.
    utimesSync(a, mtime + 5, mtime + 5);
    await src.refresh();
    expect(ports()).toEqual(['a:1001', 'b:2001']);
    await src.stop();
  });

  it('keeps serving the good objects when a file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filesource-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'good.yaml'), svc('good'));
    writeFileSync(join(dir, 'bad.yaml'), 'kind: [unclosed');
    const errors: Error[] = [];
    const src = new FileSource({ dir, onError: (e) => errors.push(e) });
    await src.start();
    expect(src.list().map((o) => o.metadata.name)).toEqual(['good']);
    expect(errors[0]?.message).toContain('bad.yaml');
    await src.stop();
  });
});
