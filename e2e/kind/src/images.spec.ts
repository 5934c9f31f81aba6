// The image build definitions stay in step with the repository: each is multi-stage on Node 24, builds with the
// repository's own scripts (npm ci, npm run build), and starts entry points that the build produces.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@mesh/testing';

const imagesDir = join(repoRoot, 'tools/release/images');
const images = ['pilot', 'proxyv2', 'istioctl'];
const dockerfile = (image: string): string => readFileSync(join(imagesDir, `${image}.Dockerfile`), 'utf8');

describe('image build definitions', () => {
  it('exist once per image, each with its own .dockerignore, and build-images.sh builds exactly those', () => {
    const files = readdirSync(imagesDir).filter((f) => f.endsWith('.Dockerfile')).map((f) => f.replace(/\.Dockerfile$/, ''));
    expect(files.sort()).toEqual([...images].sort());
    for (const image of images) expect(existsSync(join(imagesDir, `${image}.Dockerfile.dockerignore`)), image).toBe(true);
    const script = readFileSync(join(repoRoot, 'tools/release/build-images.sh'), 'utf8');
    expect(script).toContain(`images=(${images.join(' ')})`);
  });

  for (const image of images) {
    it(`${image}: multi-stage on Node 24, built by npm ci + npm run build, entry points produced by the build`, () => {
      const text = dockerfile(image);
      expect(text).toContain('ARG NODE_VERSION=24');
      expect(text.match(/^FROM /gm)?.length).toBe(2);
      expect(text).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm AS builder$/m);
      expect(text).toContain('RUN npm ci --no-audit --no-fund && npm run build');
      const entries = [...text.matchAll(/apps\/[a-z-]+\/bin\/[a-z-]+\.js/g)].map((m) => m[0]);
      expect(entries.length, image).toBeGreaterThan(0);
      for (const entry of entries) {
        expect(existsSync(join(repoRoot, entry)), entry).toBe(true);
        // Each bin loads the app's build output, which `npm run build` writes.
        expect(readFileSync(join(repoRoot, entry), 'utf8')).toContain("import '../dist/main.js'");
      }
    });
  }

  it('proxyv2 builds the sockopt addon with the package script and runs as UID 1337', () => {
    const text = dockerfile('proxyv2');
    const sockopt = JSON.parse(readFileSync(join(repoRoot, 'libs/sockopt/package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(sockopt.scripts['build:addon']).toBeDefined();
    expect(text).toContain('npm run build:addon -w @mesh/sockopt');
    expect(text).toMatch(/^USER 1337:1337$/m);
    expect(text).toContain('useradd --system --uid 1337');
  });

  it('the root build script is the one the images run', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build']).toContain('nx run-many -t build');
  });
});
