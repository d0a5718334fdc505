// The providers `--provider` names, each built from the environment: secrets never sit in the config file.
import { UsageError } from '../errors.js';
import { OutboxSmsProvider } from './outbox.js';
import type { SmsProvider } from './provider.js';
import { TWILIO_API, TwilioSmsProvider } from './twilio.js';
import { WebhookSmsProvider } from './webhook.js';

export const SMS_PROVIDERS = ['outbox', 'webhook', 'twilio'] as const;
export type SmsProviderName = typeof SMS_PROVIDERS[number];

/** How long one request to a provider may take before it counts as a timeout (and is retried). */
export const PROVIDER_TIMEOUT_MS = 10_000;

function required(env: NodeJS.ProcessEnv, name: string, provider: string): string {
  const value = env[name];
  if (!value) throw new UsageError(`--provider ${provider} needs ${name} in the environment`);
  return value;
}

export function smsProvider(name: string, dataDir: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = PROVIDER_TIMEOUT_MS): SmsProvider {
  switch (name) {
    case 'outbox':
      return new OutboxSmsProvider(dataDir);
    case 'webhook':
      return new WebhookSmsProvider({
        url: required(env, 'MUSICFLOW_SMS_WEBHOOK_URL', name),
        secret: required(env, 'MUSICFLOW_SMS_WEBHOOK_SECRET', name),
        timeoutMs,
      });
    case 'twilio':
      return new TwilioSmsProvider({
        accountSid: required(env, 'MUSICFLOW_TWILIO_ACCOUNT_SID', name),
        authToken: required(env, 'MUSICFLOW_TWILIO_AUTH_TOKEN', name),
        from: required(env, 'MUSICFLOW_TWILIO_FROM', name),
        baseUrl: env.MUSICFLOW_TWILIO_BASE_URL || TWILIO_API,
        timeoutMs,
      });
    default:
      throw new UsageError(`--provider: unknown provider "${name}" (available: ${SMS_PROVIDERS.join(', ')})`);
  }
}
