// The press's turn by SQLite's parts and the kernel's, from `perf` (which sees native frames a V8 CPU profile lumps
// together): `perf record -F 2999 -g -o P node --perf-basic-prof dist/bench/hotPathTrace.js --cpu --presses 1000
// --bench-gaps`, then `perf script -i P --comm node -F ip,sym | node dist/bench/perfTurnParts.js [ROOT]`. Takes the
// samples whose stack holds ROOT (default: the hub's `authorizePublish`, embedded broker) and puts each in the first
// group found from the sampled frame outwards; then what the WAL's frame writes (`pwrite64`) did in the kernel.
import readline from 'node:readline';

const GROUPS: [string, RegExp][] = [
  ['SQLite: WAL frames written (walWriteOneFrame: pwrite64, checksums)', /pagerWalFrames|walWriteOneFrame/],
  ['SQLite: fsync', /\bfsync|fdatasync/],
  ['SQLite: commit otherwise (pager end, unlock)', /sqlite3VdbeHalt|pager_end_transaction/],
  ['SQLite: BEGIN (locks, WAL snapshot)', /btreeBeginTrans|sqlite3PagerSharedLock/],
  ['SQLite: statements (VDBE: B-tree reads and inserts)', /sqlite3VdbeExec/],
  ['SQLite: the rest (better-sqlite3 binding, step, reset)', /sqlite3_|Statement::JS_|Database::JS_/],
  ['rules engine', /\/rules\/engine\.js/],
  ['alert service (JS)', /\/hub\/alerts\//],
];
/** Kernel functions under a WAL frame's pwrite64, from the call outwards: the first found names the sample. */
const KERNEL: [string, RegExp][] = [
  [
    'new page-cache page (folio allocated, buffers, zeroed, delayed block)',
    /filemap_add_folio|folio_alloc|create_empty_buffers|zero_user_segments|ext4_da_get_block_prep|__filemap_get_folio/,
  ],
  ['copy into the page', /copy_folio_from_iter|copy_user/],
  ['page marked dirty, write end', /mark_buffer_dirty|ext4_da_write_end|block_write_end/],
  ['file time, checks', /file_update_time|file_modified|generic_write_checks/],
  ['the rest of the system call', /./],
];

async function main(): Promise<void> {
  const root = process.argv[2] ?? 'authorizePublish file:';
  const counts = new Map<string, number>();
  const kernel = new Map<string, number>();
  let inRoot = 0;
  let walWrites = 0;
  let stack: string[] = [];
  const take = (): void => {
    const frames = stack;
    stack = [];
    const top = frames.findIndex((f) => f.includes(root));
    if (top < 0) return;
    inRoot++;
    const inside = frames.slice(0, top);
    let group = 'the rest (ingest, broker, batch, publish)';
    outer: for (const frame of inside)
      for (const [name, re] of GROUPS)
        if (re.test(frame)) {
          group = name;
          break outer;
        }
    counts.set(group, (counts.get(group) ?? 0) + 1);
    const pwrite = inside.findIndex((f) => f.includes('__x64_sys_pwrite64'));
    if (pwrite < 0 || !inside.some((f) => f.includes('walWriteOneFrame'))) return;
    walWrites++;
    const below = inside.slice(0, pwrite).reverse();
    const part = KERNEL.find(([, re]) => below.some((f) => re.test(f)))?.[0] ?? 'the rest of the system call';
    kernel.set(part, (kernel.get(part) ?? 0) + 1);
  };
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const frame = line.trim();
    if (frame === '') take();
    else stack.push(frame.replace(/^[0-9a-f]+\s+/, ''));
  }
  take();
  const share = (map: Map<string, number>, of: number): Record<string, number> =>
    Object.fromEntries(
      [...map].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((1000 * v) / Math.max(1, of)) / 10]),
    );
  process.stdout.write(
    `${JSON.stringify({ root, samples: inRoot, sharesPercent: share(counts, inRoot), walFrameWrites: { samples: walWrites, kernelPercent: share(kernel, walWrites) } }, null, 2)}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`perfTurnParts: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
