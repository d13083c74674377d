import { defineConfig } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Three wrangler dev servers, each with a fresh local D1: the main one with the
// built-in engine, one configured with an OpenAI-compatible generator
// pointing at a scripted server on loopback (fake-llm.mjs), and one with low
// abuse limits (limits.spec.ts). Playwright starts and stops them all, with
// the fake LLM and the webhook receiver. Chromium is Debian's; Playwright never downloads a
// browser.
// FD_E2E_PORT_BASE moves all seven servers (e.g. to run a second checkout's
// suite side by side); their devtools ports are these + 1000.
const BASE = Number(process.env.FD_E2E_PORT_BASE || 8788);
export const PORT = BASE;
export const AI_PORT = BASE + 1;
export const LLM_PORT = BASE + 2;
export const AI_STATE = '.wrangler/e2e-ai';
export const RECEIVER_PORT = BASE + 3;
// The abuse-limits server (limits.spec.ts): low limits, the fake LLM.
export const LIMITS_PORT = BASE + 4;
export const LIMITS_STATE = '.wrangler/e2e-limits';
// The hybrid-retrieval server (retrieval.spec.ts): the demo help centre with
// the real local embedding model (scripts/embedder.sh), which the spec starts
// and stops itself on EMBED_PORT.
export const RETRIEVAL_PORT = BASE + 5;
export const RETRIEVAL_STATE = '.wrangler/e2e-retrieval';
export const EMBED_PORT = BASE + 6;
export const RETRIEVAL_LOG = path.join(path.resolve(__dirname, '..'), '.wrangler/e2e-retrieval.log');
export const LIMITS = {
  LIMIT_MESSAGES_VISITOR: 4,
  LIMIT_MESSAGES_IP: 8,
  LIMIT_TICKETS_VISITOR: 2,
  LIMIT_TICKETS_IP: 3,
  LIMIT_TOKENS_VISITOR: 1000,
  LIMIT_READS_VISITOR: 6,
  LIMIT_POLLS_VISITOR: 20,
  LIMIT_FEEDBACK_VISITOR: 5,
  LIMIT_FEEDBACK_IP: 8,
  // Only limits.spec.ts rates answers here: low enough to fill it from a
  // few addresses (the site's reserve).
  LIMIT_FEEDBACK_SITE: 12,
};
// Every test client is 127.0.0.1 (CF-Connecting-IP), like a crowd behind one
// NAT: the shared servers raise the per-address limits, as a load test
// would; the per-visitor and per-site limits keep their defaults.
const SHARED_IP_LIMITS = [
  '--var LIMIT_MESSAGES_IP:100000 --var LIMIT_TICKETS_IP:100000 --var LIMIT_TOKENS_IP:100000000',
  '--var LIMIT_READS_IP:100000 --var LIMIT_POLLS_IP:10000000 --var LIMIT_FEEDBACK_IP:100000',
].join(' ');
export const AGENT_TOKEN = 'agent-e2e-token';
export const ADMIN_TOKEN = 'admin-e2e-token';
// The main server's quiet time before an answered conversation counts as an
// assumed resolution (admin.spec.ts; 30 minutes when unset).
export const INSIGHTS_QUIET_MS = 2000;
export const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const IDENTITY_SECRET = 'e2e-identity-secret-7f3a9c1d5b2e8f4a6c0d';
// Actions (actions.spec.ts): the store's API (demo/api/orders.mjs, on the
// port frontdesk.toml's "store" site names) checks every request with
// SHOP_API_SECRET; confirmations are signed with ACTION_CONFIRM_SECRET.
export const SHOP_API_SECRET = 'whsec_c2hvcC1hcGktc2VjcmV0LWZvci1lMmUtdGVzdHM=';
export const ACTION_CONFIRM_SECRET = 'e2e-action-confirm-secret-0123456789abcdef';
export const STORE_API_PORT = 8795;
// Replies by e-mail (email.spec.ts): the main server e-mails a reply no
// widget showed after EMAIL_AFTER_SECS, through the receiver's e-mail API,
// and takes answers signed with EMAIL_INBOUND_SECRET.
export const EMAIL_API_KEY = 're_e2e_key';
export const EMAIL_INBOUND_SECRET = 'whsec_ZW1haWwtaW5ib3VuZC1zZWNyZXQtZTJl';
export const EMAIL_REPLY_DOMAIN = 'reply.lumen.example';
export const EMAIL_AFTER_SECS = 3;
// The main server's secrets come from an env file, as `wrangler secret` /
// `.dev.vars` values do (wrangler prints them as hidden), not from --var;
// its output is kept in LOG so a test can check no secret is ever logged.
const ROOT = path.resolve(__dirname, '..');
export const LOG = path.join(ROOT, '.wrangler/e2e-main.log');
const SECRETS = path.join(ROOT, '.wrangler/e2e-main.env');
mkdirSync(path.dirname(SECRETS), { recursive: true });
writeFileSync(
  SECRETS,
  `AGENT_TOKEN=${AGENT_TOKEN}\nADMIN_TOKEN=${ADMIN_TOKEN}\nIDENTITY_SECRET=${IDENTITY_SECRET}\n` +
    `SHOP_API_SECRET=${SHOP_API_SECRET}\nACTION_CONFIRM_SECRET=${ACTION_CONFIRM_SECRET}\n` +
    `EMAIL_API_KEY=${EMAIL_API_KEY}\nEMAIL_INBOUND_SECRET=${EMAIL_INBOUND_SECRET}\n`,
);

// FD_E2E_ONLY_MAIN=1 starts only the receiver and the main server (half the
// machine's load), for a run of the specs that use nothing else, e.g.
// `FD_E2E_ONLY_MAIN=1 npx playwright test perf.spec.ts`.
const SERVERS = [
  {
    command: `node receiver.mjs ${RECEIVER_PORT}`,
    url: `http://127.0.0.1:${RECEIVER_PORT}/__received`,
    timeout: 20_000,
    reuseExistingServer: false,
    env: { WEBHOOK_SECRET, EMAIL_API_KEY },
  },
  {
    // The main server delivers tickets to every sink, all on the receiver.
    command: [
      `FD_E2E_LOG=${LOG} bash ../scripts/e2e-server.sh ${PORT} .wrangler/e2e --env-file ${SECRETS}`,
      `--var WEBHOOK_URL:http://127.0.0.1:${RECEIVER_PORT}/webhook --var WEBHOOK_SECRET:${WEBHOOK_SECRET}`,
      `--var SLACK_WEBHOOK_URL:http://127.0.0.1:${RECEIVER_PORT}/slack`,
      `--var ZENDESK_URL:http://127.0.0.1:${RECEIVER_PORT}/zendesk`,
      '--var ZENDESK_EMAIL:agent@example.com --var ZENDESK_API_TOKEN:zd-token',
      `--var GITHUB_API_URL:http://127.0.0.1:${RECEIVER_PORT}/github`,
      '--var GITHUB_REPO:acme/support --var GITHUB_TOKEN:gh-token',
      '--var DELIVERY_BACKOFF_SECS:0',
      `--var INSIGHTS_QUIET_MS:${INSIGHTS_QUIET_MS}`,
      `--var EMAIL_PROVIDER:http --var EMAIL_API_URL:http://127.0.0.1:${RECEIVER_PORT}/emails`,
      `--var EMAIL_FROM:support@lumen.example --var EMAIL_REPLY_DOMAIN:${EMAIL_REPLY_DOMAIN}`,
      `--var EMAIL_AFTER_SECS:${EMAIL_AFTER_SECS}`,
      SHARED_IP_LIMITS,
    ].join(' '),
    url: `http://127.0.0.1:${PORT}/healthz`,
    timeout: 420_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  {
    command: `node fake-llm.mjs ${LLM_PORT}`,
    url: `http://127.0.0.1:${LLM_PORT}/__requests`,
    timeout: 20_000,
    reuseExistingServer: false,
    // Its obedient mode "knows" the AI worker's secrets, as if they had
    // leaked into the model elsewhere (injection.spec.ts).
    env: { FAKE_LLM_KNOWS: JSON.stringify([AGENT_TOKEN, WEBHOOK_SECRET]) },
  },
  {
    command: [
      `bash ../scripts/e2e-server.sh ${AI_PORT} ${AI_STATE}`,
      '--var AI_PROVIDER:openai',
      `--var AI_BASE_URL:http://127.0.0.1:${LLM_PORT}/v1`,
      '--var AI_MODEL:fake-model --var AI_API_KEY:test-key',
      '--var AI_TTFT_MS:1500 --var AI_STALL_MS:2000',
      '--var AI_EMBEDDINGS:openai --var AI_EMBEDDING_MODEL:fake-embed',
      '--var AI_SUMMARY_MS:20000',
      `--var AGENT_TOKEN:${AGENT_TOKEN}`,
      // Actions chosen by the model (actions.spec.ts): the store's API
      // and signed-in visitors, as on the main server.
      `--var IDENTITY_SECRET:${IDENTITY_SECRET} --var SHOP_API_SECRET:${SHOP_API_SECRET}`,
      `--var ACTION_CONFIRM_SECRET:${ACTION_CONFIRM_SECRET}`,
      // Its tickets go to the receiver's webhook, to check what sinks get.
      `--var WEBHOOK_URL:http://127.0.0.1:${RECEIVER_PORT}/webhook --var WEBHOOK_SECRET:${WEBHOOK_SECRET}`,
      SHARED_IP_LIMITS,
    ].join(' '),
    url: `http://127.0.0.1:${AI_PORT}/healthz`,
    timeout: 420_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  {
    // Low limits (LIMITS), with the generator on the fake LLM for the
    // daily token budget, and the agent API for replies to a polling widget.
    command: [
      `bash ../scripts/e2e-server.sh ${LIMITS_PORT} ${LIMITS_STATE}`,
      `--var AGENT_TOKEN:${AGENT_TOKEN}`,
      '--var AI_PROVIDER:openai',
      `--var AI_BASE_URL:http://127.0.0.1:${LLM_PORT}/v1`,
      '--var AI_MODEL:fake-model --var AI_API_KEY:test-key',
      '--var AI_TTFT_MS:1500 --var AI_STALL_MS:2000',
      ...Object.entries(LIMITS).map(([k, v]) => `--var ${k}:${v}`),
    ].join(' '),
    url: `http://127.0.0.1:${LIMITS_PORT}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  {
    // The store's order API, which actions call (actions.spec.ts).
    command: `node ../demo/api/orders.mjs`,
    url: `http://127.0.0.1:${STORE_API_PORT}/__stats`,
    timeout: 20_000,
    reuseExistingServer: false,
    env: { DEMO_API_SECRET: SHOP_API_SECRET, DEMO_API_PORT: String(STORE_API_PORT) },
  },
  {
    // Hybrid retrieval with the local model, as `make dev` runs it.
    command: [
      `FD_E2E_LOG=${RETRIEVAL_LOG} bash ../scripts/e2e-server.sh ${RETRIEVAL_PORT} ${RETRIEVAL_STATE}`,
      '--var AI_EMBEDDINGS:openai',
      `--var AI_EMBEDDING_BASE_URL:http://127.0.0.1:${EMBED_PORT}/v1`,
      '--var AI_EMBEDDING_MODEL:multilingual-e5-small-q4 --var AI_EMBEDDING_INPUT_TYPE:on',
      // To see the stored passage matrix (GET /api/v1/admin/content/index).
      `--var ADMIN_TOKEN:${ADMIN_TOKEN}`,
      SHARED_IP_LIMITS,
    ].join(' '),
    url: `http://127.0.0.1:${RETRIEVAL_PORT}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
];

export default defineConfig({
  testDir: '.',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'report/results.json' }]],
  outputDir: 'results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    },
  },
  webServer: process.env.FD_E2E_ONLY_MAIN ? SERVERS.slice(0, 2) : SERVERS,
});
