import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { AdminRegistry, type Actor } from '@dvk/ingestion';
import { openApp, wholeNumber, type App, type GlobalOptions } from '../app.js';

/**
 * `dvk admin …`: the admin role, separate from sources (see SECURITY.md). `dvk admin init` makes
 * the first admin of a store and prints its token once; from then on `dvk sources add|revoke`,
 * `dvk rebuild`, `dvk rulebook use` and `dvk admin add|revoke` need an admin token, given as
 * `DVK_ADMIN_TOKEN` (preferred: a command line is visible to other users in `ps`) or `--admin-token`.
 */

export const ADMIN_TOKEN_OPTION = ['--admin-token <token>', 'an admin token (prefer the DVK_ADMIN_TOKEN environment variable)'] as const;

/** The admin token a command was given: its option, else DVK_ADMIN_TOKEN. */
export function adminTokenOf(o: { adminToken?: string }): string | undefined {
  return o.adminToken ?? (process.env.DVK_ADMIN_TOKEN || undefined);
}

/** Thrown when an admin action is refused: the message says what to do. */
export class AdminRequiredError extends Error {
  readonly _tag = 'AdminRequired';
}

/**
 * Checks that the caller may perform an admin action on the app's store: throws
 * AdminRequiredError when not. Returns who acts, and `done(detail)` to record the action once it
 * succeeded (in the store's admin_log, and in the log — names only, never a token).
 */
export function requireAdmin(app: App, token: string | undefined, action: `dvk ${string}`): { actor: Actor; done: (detail?: Record<string, unknown>) => void } {
  const admins = new AdminRegistry(app.store.db);
  const r = admins.authorize(token);
  if (E.isLeft(r)) {
    app.log.warn({ action, reason: r.left.reason }, 'admin action refused');
    throw new AdminRequiredError(`${action}: ${r.left.message}`);
  }
  const actor = r.right;
  if (actor.bootstrap)
    app.log.warn({ action }, 'no admin is initialised for this store: admin actions are open to anyone who can write the file (run `dvk admin init`)');
  const name = action.replace(/^dvk /, '').replace(/ /g, '.'); // `dvk sources add` → sources.add
  return {
    actor,
    done: (detail = {}) => {
      admins.record(actor, name, detail);
      app.log.info({ action: name, actor: actor.name, bootstrap: actor.bootstrap, ...detail }, 'admin action');
    },
  };
}

const withApp = async <T>(c: Command, fn: (app: App) => Promise<T> | T, opts: { create?: boolean } = {}): Promise<T> => {
  const app = openApp(c.optsWithGlobals<GlobalOptions>(), undefined, opts);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
};

const printToken = (json: boolean | undefined, name: string, token: string, what: string) => {
  if (json) process.stdout.write(JSON.stringify({ name, token }) + '\n');
  else process.stdout.write(`${what} "${name}".\nToken quản trị (chỉ hiển thị một lần, hãy lưu lại an toàn):\n${token}\n`);
};

export function registerAdmin(program: Command): void {
  const cmd = program.command('admin').description('The admin role (separate from sources): init, add, revoke, list, log');

  cmd
    .command('init')
    .description('Create the first admin of this store and print its token once (allowed only while the store has none)')
    .option('--name <name>', 'the admin\'s name', 'admin')
    .option('--json', 'print the name and token as JSON')
    .action((o: { name: string; json?: boolean }, c: Command) =>
      withApp(c, (app) => {
        const r = new AdminRegistry(app.store.db).init(o.name);
        if (E.isLeft(r)) throw new AdminRequiredError(`dvk admin init: ${r.left.message}`);
        app.log.info({ action: 'admin.init', actor: o.name }, 'admin action');
        printToken(o.json, o.name, r.right, 'Đã tạo quản trị viên đầu tiên');
      }, { create: true }),
    );

  cmd
    .command('add')
    .description('Add another admin (admin) and print its token once')
    .argument('<name>')
    .option(...ADMIN_TOKEN_OPTION)
    .option('--json', 'print the name and token as JSON')
    .action((name: string, o: { adminToken?: string; json?: boolean }, c: Command) =>
      withApp(c, (app) => {
        const { actor } = requireAdmin(app, adminTokenOf(o), 'dvk admin add');
        if (actor.bootstrap) throw new AdminRequiredError('dvk admin add: no admin is initialised yet: use `dvk admin init`');
        const r = new AdminRegistry(app.store.db).add(name, actor);
        if (E.isLeft(r)) throw new AdminRequiredError(`dvk admin add: ${r.left.message}`);
        app.log.info({ action: 'admin.add', actor: actor.name, name }, 'admin action');
        printToken(o.json, name, r.right, 'Đã thêm quản trị viên');
      }),
    );

  cmd
    .command('revoke')
    .description('Revoke an admin (admin); the last active admin cannot be revoked')
    .argument('<name>')
    .option(...ADMIN_TOKEN_OPTION)
    .action((name: string, o: { adminToken?: string }, c: Command) =>
      withApp(c, (app) => {
        const { actor } = requireAdmin(app, adminTokenOf(o), 'dvk admin revoke');
        const r = new AdminRegistry(app.store.db).revoke(name, actor);
        if (E.isLeft(r)) throw new AdminRequiredError(`dvk admin revoke: ${r.left.message}`);
        app.log.info({ action: 'admin.revoke', actor: actor.name, name }, 'admin action');
        process.stdout.write(`Đã thu hồi quản trị viên "${name}".\n`);
      }),
    );

  cmd
    .command('list')
    .description('List admins (never their tokens)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }, c: Command) =>
      withApp(c, (app) => {
        const rows = new AdminRegistry(app.store.db).list();
        if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
        else if (rows.length === 0) process.stdout.write('Chưa có quản trị viên: mọi người có quyền ghi tệp dữ liệu đều làm được việc quản trị. Dùng `dvk admin init`.\n');
        else for (const r of rows) process.stdout.write(`${r.name}  ${r.revokedAt ? `ĐÃ THU HỒI ${r.revokedAt}` : 'đang hoạt động'}  token ${r.tokenHint}…  tạo ${r.createdAt}\n`);
      }),
    );

  cmd
    .command('log')
    .description('The latest admin actions (who, what, when), newest first')
    .option('--limit <n>', 'how many', wholeNumber('--limit', 1), 50)
    .option('--json', 'print JSON')
    .action((o: { limit: number; json?: boolean }, c: Command) =>
      withApp(c, (app) => {
        const rows = new AdminRegistry(app.store.db).history(o.limit);
        if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
        else for (const r of rows) process.stdout.write(`#${r.seq} ${r.at} ${r.actor}: ${r.action} ${r.detail}\n`);
      }),
    );
}
