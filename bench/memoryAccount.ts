// The one-flat hub's resident memory accounted from the kernel's own figures (docs/performance.md, session 28):
// `node dist/bench/memoryAccount.js [seconds after health, comma-separated; default 3,30]`. Starts the bench's hub
// (npm start's flags and environment; `--homes N`: the bench's N flats, 1,000 as its latency phase), then prints /proc/<pid>/smaps by kind of mapping and which parts of the node
// binary are resident (/proc/<pid>/pagemap's present bit for each page, named by the binary's symbols from `nm`).
// `--live-heap` (after the seconds) also takes a heap snapshot of the hub at the end and prints its live heap by kind
// and the modules' source text it holds, by package (docs/performance.md, "Memory, 2026-12-01 (session 32)").
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { benchConfig } from './configs.js';
import { hubNodeFlags, spawnHub } from './hubProcess.js';
import os from 'node:os';
import path from 'node:path';
import { mappings, type Mapping } from './smaps.js';

const KB = 1024;
const MB = KB * KB;
const PAGE = 4096;
const ARENA = 64 * MB;

function processMappings(pid: number): Mapping[] {
  return mappings(fs.readFileSync(`/proc/${pid}/smaps`, 'utf8'));
}

/** Resident MB by kind of mapping (finer than bench/smaps.ts's parts: V8's pages apart from other anonymous memory). */
export function mappingKinds(pid: number): Map<string, number> {
  const maps = processMappings(pid);
  const kinds = new Map<string, number>();
  maps.forEach((m, i) => {
    if (m.rssBytes === 0) return;
    const next = maps[i + 1];
    const size = m.end - m.start;
    let kind: string;
    if (/\/node$/.test(m.path)) kind = 'node binary (file)';
    else if (m.path.endsWith('.node')) kind = 'addons: better-sqlite3, malloc-trim (file)';
    else if (m.path.startsWith('/')) kind = 'shared libraries: libc, libstdc++, libm, ld.so (file)';
    else if (m.path === '[heap]') kind = "glibc's main arena";
    else if (m.path === '[stack]') kind = "main thread's stack";
    else if (
      m.path === '' &&
      m.start % ARENA === 0 &&
      next?.perms === '---p' &&
      next.start === m.end &&
      next.end - m.start === ARENA
    )
      kind = "glibc's thread arenas";
    else if (m.path === '' && m.perms.includes('x')) kind = "V8's code space";
    else if (m.path === '' && size === 256 * KB) kind = "V8's heap pages (256 KB each)";
    else if (m.path === '') kind = 'other anonymous: new space, large objects, mmap()ed blocks, thread stacks';
    else kind = m.path;
    kinds.set(kind, (kinds.get(kind) ?? 0) + m.rssBytes / MB);
  });
  return kinds;
}

interface Symbol_ {
  addr: number;
  size: number;
  name: string;
}

function symbolsOf(binary: string): Symbol_[] {
  const text = execFileSync('nm', ['-S', '--defined-only', binary], { maxBuffer: 256 * MB }).toString();
  const out: Symbol_[] = [];
  for (const line of text.split('\n')) {
    // 'address size type name', or 'address type name' for a symbol without a size.
    const p = line.split(' ');
    if (p.length >= 4) out.push({ addr: parseInt(p[0] ?? '', 16), size: parseInt(p[1] ?? '', 16), name: p[3] ?? '' });
    else if (p.length === 3) out.push({ addr: parseInt(p[0] ?? '', 16), size: 0, name: p[2] ?? '' });
  }
  return out.sort((a, b) => a.addr - b.addr);
}

function symbolAt(symbols: Symbol_[], addr: number): Symbol_ | undefined {
  let lo = 0;
  let hi = symbols.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((symbols[mid]?.addr ?? 0) <= addr) lo = mid;
    else hi = mid - 1;
  }
  return symbols[lo];
}

/** A resident page of the node binary, named by the symbol it lies in. */
function kindOf(s: Symbol_ | undefined, fileAddr: number, textStart: number, rodataStart: number): string {
  if (fileAddr < textStart) return 'ELF headers, dynamic symbol table (.dynsym, .dynstr)';
  if (s === undefined || fileAddr >= s.addr + Math.max(s.size, PAGE))
    return fileAddr >= rodataStart
      ? "read-only data without a symbol (Node's built-in modules' JS source, snapshot, string literals)"
      : 'code without a symbol';
  const n = s.name;
  if (n === 'icudt78_dat' || /^icudt\d+_dat$/.test(n)) return "ICU's data";
  if (/^_ZN2v88internal8compiler|turboshaft|maglev/i.test(n)) return "V8's optimising compiler (TurboFan)";
  if (n.startsWith('Builtins_')) return "V8's embedded builtins";
  if (n.startsWith('_ZN2v8')) return "V8's runtime";
  if (n.startsWith('_ZN6icu_') || /^u[a-z]*_/.test(n)) return "ICU's code";
  if (/^_ZN4node|^_ZTVN4node|^_ZZN4node/.test(n)) return "Node's C++";
  if (/^(ossl_|OPENSSL|EVP|SSL|BN|bn_|CRYPTO|ASN1|X509|RSA|EC_|ec_|asm_|_vpaes|_bsaes|__bn|ecp_|aes|sha)/.test(n))
    return 'OpenSSL';
  if (/^uv_|^uv__/.test(n)) return 'libuv';
  return 'other';
}

export function nodeBinaryPages(pid: number): Map<string, number> {
  const maps = processMappings(pid).filter((m) => /\/node$/.test(m.path));
  const binary = maps[0]?.path;
  const out = new Map<string, number>();
  if (!binary) return out;
  const symbols = symbolsOf(binary);
  const textStart = symbols.find((s) => s.name === '_init')?.addr ?? 0;
  // The first symbol past the code (.rodata follows .text and .fini in the executable).
  const rodataStart = symbols.find((s) => s.name === '_fini')?.addr ?? Number.MAX_SAFE_INTEGER;
  // Where the binary's first mapping starts (a non-PIE executable: file offset 0 at this address).
  const base = maps.find((m) => m.offset === 0)?.start ?? 0;
  const fd = fs.openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    for (const m of maps) {
      const pages = (m.end - m.start) / PAGE;
      const buf = Buffer.alloc(pages * 8);
      fs.readSync(fd, buf, 0, buf.length, (m.start / PAGE) * 8);
      for (let k = 0; k < pages; k++) {
        if (buf.readBigUInt64LE(k * 8) >> 63n === 0n) continue;
        const fileAddr = base + m.offset + k * PAGE;
        const kind = m.perms.startsWith('rw')
          ? '.data, .bss'
          : kindOf(symbolAt(symbols, fileAddr), fileAddr, textStart, rodataStart);
        out.set(kind, (out.get(kind) ?? 0) + PAGE / MB);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

function print(title: string, parts: Map<string, number>): void {
  console.log(title);
  const rows = [...parts].sort((a, b) => b[1] - a[1]);
  for (const [kind, mb] of rows) console.log(`  ${mb.toFixed(1).padStart(6)} MB  ${kind}`);
  console.log(
    `  ${rows
      .reduce((sum, [, mb]) => sum + mb, 0)
      .toFixed(1)
      .padStart(6)} MB  total`,
  );
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** The snapshot's live heap (self sizes) by kind, and the source text of the scripts it holds by package or folder. */
export function heapSnapshotAccount(snap: HeapSnapshot): { kinds: Map<string, number>; sources: Map<string, number> } {
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = snap.snapshot.meta;
  const [NF, EF] = [nf.length, ef.length];
  const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f));
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
  const at = (i: number, field: number | undefined): number => snap.nodes[i * NF + (field ?? 0)] ?? 0;
  const kinds = new Map<string, number>();
  const sources = new Map<string, number>();
  for (let i = 0, e = 0; i < snap.nodes.length / NF; i++) {
    const kind = nt[0][at(i, iType)] ?? '?';
    kinds.set(kind, (kinds.get(kind) ?? 0) + at(i, iSize) / MB);
    let source = -1;
    let name = -1;
    for (let k = 0; k < at(i, iEdges); k++, e += EF) {
      const type = et[0][snap.edges[e + (eType ?? 0)] ?? 0];
      if (type === 'element' || type === 'hidden') continue;
      const edge = snap.strings[snap.edges[e + (eName ?? 0)] ?? 0];
      if (edge === 'source') source = (snap.edges[e + (eTo ?? 0)] ?? 0) / NF;
      else if (edge === 'name') name = (snap.edges[e + (eTo ?? 0)] ?? 0) / NF;
    }
    if (source < 0 || kind !== 'code') continue;
    const file = name < 0 ? '' : (snap.strings[at(name, iName)] ?? '');
    const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(file)?.[1];
    const dist = /\/dist\/([^/]+)\//.exec(file)?.[1];
    const group = pkg ?? (dist ? `dist/${dist}` : file.startsWith('node:') ? 'node:' : file ? file : 'generated code');
    sources.set(group, (sources.get(group) ?? 0) + at(source, iSize) / MB);
  }
  return { kinds, sources };
}

async function liveHeap(pid: number, dir: string): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  for (let tries = 0; tries < 600; tries++) {
    await new Promise((r) => setTimeout(r, 200));
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (!file) continue;
    let snap: HeapSnapshot;
    try {
      snap = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as HeapSnapshot;
    } catch {
      continue; // still being written
    }
    const { kinds, sources } = heapSnapshotAccount(snap);
    print('live V8 heap (heap snapshot: self sizes after a full collection)', kinds);
    console.log(`  (total ${[...kinds.values()].reduce((sum, mb) => sum + mb, 0).toFixed(2)} MB)`);
    const rows = [...sources].sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((sum, [, mb]) => sum + mb, 0);
    console.log(`  the modules' source text held: ${(total * 1024).toFixed(0)} kB; the largest, by package or folder:`);
    for (const [group, mb] of rows.slice(0, 20)) console.log(`  ${(mb * 1024).toFixed(0).padStart(6)} kB  ${group}`);
    return;
  }
  console.log('  (no heap snapshot written)');
}

async function main(): Promise<void> {
  const times = (process.argv[2]?.startsWith('--') ? '3,30' : (process.argv[2] ?? '3,30')).split(',').map(Number);
  // `--homes N`: the bench's scheme of N flats (the latency phase's hub: 1,000) instead of one flat.
  const homesAt = process.argv.indexOf('--homes');
  const homes = homesAt > 0 ? Number(process.argv[homesAt + 1]) : 1;
  if (!Number.isInteger(homes) || homes < 1 || homes > 5000) throw new Error('--homes takes a whole number, 1-5000');
  const what = homes === 1 ? 'one flat' : `${homes} homes`;
  const snapshotDir = process.argv.includes('--live-heap') ? fs.mkdtempSync(path.join(os.tmpdir(), 'account-')) : null;
  if (snapshotDir)
    process.env.TELECARE_BENCH_NODE_FLAGS = [
      ...hubNodeFlags(),
      '--heapsnapshot-signal=SIGUSR2',
      `--diagnostic-dir=${snapshotDir}`,
    ].join(' ');
  const hub = await spawnHub(benchConfig(homes), 'account');
  try {
    let waited = 0;
    for (const t of times) {
      await new Promise((r) => setTimeout(r, (t - waited) * 1000));
      waited = t;
      const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const threads = fs.readdirSync(`/proc/${hub.pid}/task`).length;
      print(`${what}, ${t} s after /api/health (threads ${threads}, load ${load})`, mappingKinds(hub.pid));
      try {
        print('  of it, the node binary by what its resident pages hold', nodeBinaryPages(hub.pid));
      } catch (err) {
        console.log(`  (no page account of the binary: ${(err as Error).message})`);
      }
    }
    if (snapshotDir) await liveHeap(hub.pid, snapshotDir);
    const metrics = await (await hub.api('GET', '/metrics')).text();
    for (const line of metrics.split('\n'))
      if (/^\w*nodejs_(heap_size_used|heap_size_total|external_memory)_bytes /.test(line)) console.log(line);
  } finally {
    await hub.stop();
    if (snapshotDir) fs.rmSync(snapshotDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(new URL(import.meta.url).pathname))
  await main();
