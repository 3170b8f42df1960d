import type { Command } from 'commander';
import { SourceRegistry, checkScope, readModelUnitLookup, type Authorizer, type Scope } from '@dvk/ingestion';
import { openApp, type App, type GlobalOptions } from './app.js';
import { ADMIN_TOKEN_OPTION, adminTokenOf, requireAdmin } from './commands/admin.js';

/** The authoriser of `dvk import --as-source`: the same scope checks as HTTP and Kafka ingest. */
export function authorizerForSource(app: App, name: string): Authorizer {
  const reg = new SourceRegistry(app.store.db);
  const src = reg.get(name);
  if (!src) throw new Error(`unknown source "${name}" (see \`dvk sources list\`)`);
  if (src.revokedAt) throw new Error(`source "${name}" was revoked on ${src.revokedAt}`);
  const lookup = readModelUnitLookup(app.store.db);
  return (e) => checkScope(src, e, lookup);
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export function registerSources(program: Command): void {
  const cmd = program.command('sources').description('Manage upstream sources: their tokens (stored hashed) and scopes (admin)');
  cmd
    .command('add')
    .description('Register a source and print its token (shown once; only its hash is stored)')
    .argument('<name>', 'source name, as in the envelopes\' "source" field')
    .option('--units <ids>', 'comma-separated unit ids the source may emit for (default: all)')
    .option('--descendants', 'also every unit below those units (villages, tổ dân vận, khối dân vận)')
    .option('--kinds <kinds>', 'comma-separated unit kinds (default: all)')
    .option('--types <types>', 'comma-separated event types (default: all)')
    .option('--replace', 'issue a new token for an existing source (the old one stops working)')
    .option('--json', 'print the source and token as JSON')
    .option(...ADMIN_TOKEN_OPTION)
    .action((name: string, o: { units?: string; descendants?: boolean; kinds?: string; types?: string; replace?: boolean; json?: boolean; adminToken?: string }, c: Command) => {
      // The first source may be registered before any event (the ingest service's own file).
      const app = openApp(c.optsWithGlobals<GlobalOptions>(), undefined, { create: true });
      try {
        const admin = requireAdmin(app, adminTokenOf(o), 'dvk sources add');
        const scope = {
          units: o.units ? list(o.units) : '*',
          descendants: Boolean(o.descendants),
          kinds: o.kinds ? list(o.kinds) : '*',
          types: o.types ? list(o.types) : '*',
        } as Scope;
        const token = new SourceRegistry(app.store.db).add(name, scope, { replace: o.replace });
        admin.done({ source: name, scope, replace: Boolean(o.replace) });
        if (o.json) process.stdout.write(JSON.stringify({ name, scope, token }) + '\n');
        else process.stdout.write(`Đã đăng ký nguồn "${name}".\nToken (chỉ hiển thị một lần, hãy lưu lại):\n${token}\n`);
      } finally {
        void app.close();
      }
    });
  cmd
    .command('list')
    .description('List sources, their scopes and whether they are revoked (never their tokens)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const rows = new SourceRegistry(app.store.db).list();
        if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
        else if (rows.length === 0) process.stdout.write('Chưa có nguồn nào. Dùng `dvk sources add`.\n');
        else
          for (const r of rows)
            process.stdout.write(
              `${r.name}  ${r.revokedAt ? `ĐÃ THU HỒI ${r.revokedAt}` : 'đang hoạt động'}  token ${r.tokenHint}…  ` +
                `đơn vị: ${r.scope.units === '*' ? 'tất cả' : r.scope.units.join(',') + (r.scope.descendants ? ' (và cấp dưới)' : '')}; ` +
                `loại: ${r.scope.kinds === '*' ? 'tất cả' : r.scope.kinds.join(',')}; sự kiện: ${r.scope.types === '*' ? 'tất cả' : r.scope.types.join(',')}\n`,
            );
      } finally {
        void app.close();
      }
    });
  cmd
    .command('revoke')
    .description('Revoke a source: its token stops working at once')
    .argument('<name>')
    .option(...ADMIN_TOKEN_OPTION)
    .action((name: string, o: { adminToken?: string }, c: Command) => {
      const app = openApp(c.optsWithGlobals<GlobalOptions>());
      try {
        const admin = requireAdmin(app, adminTokenOf(o), 'dvk sources revoke');
        if (!new SourceRegistry(app.store.db).revoke(name)) {
          process.stderr.write(`Không có nguồn đang hoạt động tên "${name}".\n`);
          process.exitCode = 1;
        } else {
          admin.done({ source: name });
          process.stdout.write(`Đã thu hồi nguồn "${name}".\n`);
        }
      } finally {
        void app.close();
      }
    });
}
