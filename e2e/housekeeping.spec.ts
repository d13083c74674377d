import { expect, test, type APIRequestContext } from '@playwright/test';
import { d1 } from './d1';

// The daily cron run: conversations past the retention period are purged
// with their tickets and deliveries; deliveries whose queue message was lost
// are queued again.

async function ticket(request: APIRequestContext, message: string) {
  const chat = await (await request.post('/api/v1/chat', { data: { message } })).json();
  const made = await request.post('/api/v1/handoff', {
    data: { conversation_id: chat.conversation_id, email: 'cy@example.com' },
  });
  expect(made.status()).toBe(201);
  return { id: chat.conversation_id as string, reference: (await made.json()).reference as string };
}

const runCron = async (request: APIRequestContext) =>
  expect((await request.get('/__scheduled?cron=17+3+*+*+*')).ok()).toBe(true);

test('old conversations are purged with everything hanging off them; recent ones stay', async ({ request }) => {
  const old = await ticket(request, 'how do I export my notes?');
  const fresh = await ticket(request, 'how do I reset my password?');
  const longAgo = Date.now() - 100 * 24 * 60 * 60 * 1000;
  d1(`UPDATE conversations SET updated_at = ${longAgo} WHERE id = '${old.id}'`);
  await runCron(request);
  const count = (sql: string) => d1<{ n: number }>(sql)[0].n;
  await expect.poll(() => count(`SELECT COUNT(*) AS n FROM conversations WHERE id = '${old.id}'`)).toBe(0);
  expect(count(`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = '${old.id}'`)).toBe(0);
  expect(count(`SELECT COUNT(*) AS n FROM tickets WHERE conversation_id = '${old.id}'`)).toBe(0);
  expect(count(`SELECT COUNT(*) AS n FROM deliveries WHERE ticket_reference = '${old.reference}'`)).toBe(0);
  expect(count(`SELECT COUNT(*) AS n FROM tickets WHERE conversation_id = '${fresh.id}'`)).toBe(1);
  expect(count(`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = '${fresh.id}'`)).toBe(2);
});

test("a site's own retention_days purges its conversations sooner; other sites keep theirs", async ({ request }) => {
  // frontdesk.toml: travel keeps 30 days; demo (the default) the RETENTION_DAYS default, 90.
  const chat = async (site: string, origin: string) =>
    (
      await (
        await request.post('/api/v1/chat', {
          headers: { 'X-Frontdesk-Site': site, Origin: origin },
          data: { message: 'how do I export my notes?' },
        })
      ).json()
    ).conversation_id as string;
  const travel = await chat('travel', 'http://travel.localhost');
  const demo = await chat('demo', 'http://localhost:5173');
  const daysAgo = Date.now() - 40 * 24 * 60 * 60 * 1000;
  d1(`UPDATE conversations SET updated_at = ${daysAgo} WHERE id IN ('${travel}', '${demo}')`);
  await runCron(request);
  const count = (id: string) => d1<{ n: number }>(`SELECT COUNT(*) AS n FROM conversations WHERE id = '${id}'`)[0].n;
  await expect.poll(() => count(travel)).toBe(0);
  expect(count(demo)).toBe(1);
  console.log('40 days inactive: the travel conversation (retention_days 30) purged, the demo one (90) kept');
});

test('a delivery whose queue message was lost is queued again by the cron run', async ({ request }) => {
  const { reference } = await ticket(request, 'my sync is broken');
  const state = () =>
    d1<{ status: string; attempts: number }>(
      `SELECT status, attempts FROM deliveries WHERE ticket_reference = '${reference}' AND sink = 'webhook'`,
    )[0];
  await expect.poll(() => state().status, { timeout: 20_000 }).toBe('delivered');
  // As if the handoff's enqueue had failed: pending, untouched for an hour.
  d1(
    `UPDATE deliveries SET status = 'pending', attempts = 0, updated_at = ${Date.now() - 3_600_000} ` +
      `WHERE ticket_reference = '${reference}' AND sink = 'webhook'`,
  );
  await runCron(request);
  await expect.poll(() => state(), { timeout: 20_000 }).toEqual({ status: 'delivered', attempts: 1 });
});
