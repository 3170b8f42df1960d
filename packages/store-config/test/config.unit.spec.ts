import { describe, expect, it } from 'vitest';
import { ConfigError } from '@dvk/service-kit';
import { describeStore, loadStoreConfig } from '../src/index.js';

const load = (env: Record<string, string>) => loadStoreConfig({ INIT_CWD: '/srv/dvk', ...env });
const problems = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('store configuration', () => {
  it('defaults to the embedded SQLite store, paths from where the command was started', () => {
    expect(load({})).toEqual({ store: 'sqlite', sqlitePath: '/srv/dvk/data/dvk.sqlite' });
    expect(load({ DVK_DB: '/var/lib/dvk/x.sqlite' })).toEqual({ store: 'sqlite', sqlitePath: '/var/lib/dvk/x.sqlite' });
  });

  it('chooses EventStoreDB with a connection string and a local read-model file', () => {
    expect(load({ DVK_STORE: 'esdb', DVK_ESDB_URL: 'esdb://eventstore:2113?tls=false' })).toEqual({
      store: 'esdb',
      esdbUrl: 'esdb://eventstore:2113?tls=false',
      readModelPath: '/srv/dvk/data/read-model.sqlite',
    });
    expect(load({ DVK_STORE: 'esdb', DVK_ESDB_URL: 'esdb+discover://a:2113,b:2113', DVK_READ_MODEL: 'rm/scoring.sqlite' })).toMatchObject({
      readModelPath: '/srv/dvk/rm/scoring.sqlite',
    });
  });

  it('names the variable and the reason for every bad setting', () => {
    expect(problems({ DVK_STORE: 'postgres' })).toEqual(['DVK_STORE (store): must be sqlite or esdb']);
    expect(problems({ DVK_STORE: 'esdb' })[0]).toMatch(/^DVK_ESDB_URL \(esdbUrl\): is required when DVK_STORE=esdb/);
    expect(problems({ DVK_STORE: 'esdb', DVK_ESDB_URL: 'http://eventstore:2113' })[0]).toMatch(/^DVK_ESDB_URL \(esdbUrl\): must be an EventStoreDB connection string/);
    expect(problems({ DVK_STORE: 'esdb', DVK_ESDB_URL: 'esdb://e:2113', DVK_DB: 'x.sqlite' })[0]).toMatch(/^DVK_DB \(db\): applies only to DVK_STORE=sqlite/);
    expect(problems({ DVK_READ_MODEL: 'rm.sqlite' })[0]).toMatch(/^DVK_READ_MODEL \(readModel\): applies only to DVK_STORE=esdb/);
    expect(problems({ DVK_ESDB_URL: 'esdb://e:2113' })[0]).toMatch(/^DVK_ESDB_URL \(esdbUrl\): applies only to DVK_STORE=esdb/);
  });

  it('never shows the credentials of a connection string', () => {
    const d = describeStore({ store: 'esdb', esdbUrl: 'esdb://admin:s3cret@eventstore:2113?tls=true', readModelPath: '/x.sqlite' });
    expect(d).not.toContain('s3cret');
    expect(d).toContain('esdb://***@eventstore:2113');
  });
});
