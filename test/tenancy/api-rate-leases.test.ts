import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { ApiRateLeases, takeLease } from '../../src/tenancy/api-rate-leases.ts';
import { forEachDatabase } from '../support/databases.ts';
import { createTenants } from '../support/tenants.ts';

/** Takes `count` tokens from `leases` one after the other; how many were served. */
async function served(leases: ApiRateLeases, tenantId: number, count: number, rate: number, burst: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < count; i++) if ((await leases.take(tenantId, rate, burst)) === 0) ok++;
  return ok;
}

forEachDatabase('installation-wide API rate buckets', (db) => {
  // A rate so low that nothing refills during a test: every token served comes out of the burst.
  const rate = 0.001;

  it("holds a tenant's burst for two processes together, each served, and refuses the rest from memory", async () => {
    const { sp } = await createTenants(db(), [{ slug: 'sp', name: 'SP' }]);
    // Two processes of one installation: two sets of leases on the one database.
    const first = new ApiRateLeases(db(), { maxLease: 4 });
    const second = new ApiRateLeases(db(), { maxLease: 4 });
    const burst = 30;
    let a = 0;
    let b = 0;
    for (let round = 0; round < 40; round++) {
      a += await served(first, sp!, 1, rate, burst);
      b += await served(second, sp!, 1, rate, burst);
    }
    assert.equal(a + b, burst, `served ${a} + ${b}`);
    assert.ok(a > 0 && b > 0, `each process served some: ${a}, ${b}`);
    // The bucket is known to be empty: the next refusal is answered without a lease (synchronously).
    const refused = first.take(sp!, rate, burst);
    assert.equal(typeof refused, 'number');
    assert.ok((refused as number) > 0);
  });

  it('takes leases of about a tenth of a second of the rate, within the largest lease and the burst', () => {
    const leases = new ApiRateLeases(db(), { maxLease: 20 });
    assert.equal(leases.leaseSize(1, 5), 1);
    assert.equal(leases.leaseSize(50, 200), 5);
    assert.equal(leases.leaseSize(10_000, 200), 20);
    assert.equal(leases.leaseSize(10_000, 3), 3);
  });

  it('refills the shared bucket at the rate, up to the burst, and never grants more than it holds', async () => {
    const { t2 } = await createTenants(db(), [{ slug: 't2', name: 'T2' }]);
    assert.deepEqual(await takeLease(db(), t2!, 10, 5, 3), { granted: 3, tokens: 2 });
    assert.equal((await takeLease(db(), t2!, 10, 5, 3)).granted, 2);
    // Ten seconds ago at 10 a second: full again, and no fuller than the burst.
    await sql`update tenant_rate_buckets set refilled_at = now() - interval '10 seconds' where tenant_id = ${t2!}`.execute(db().owner);
    const refilled = await takeLease(db(), t2!, 10, 5, 20);
    assert.equal(refilled.granted, 5);
    assert.ok(refilled.tokens < 1);
  });
});
