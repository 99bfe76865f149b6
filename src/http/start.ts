import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RunLinks } from '../report/chat.js';
import type { RunService } from '../runs/service.js';
import { createLinkSigner, resolveLinkSecret, runPageUrl } from './links.js';
import { addRunPageRoute } from './runRoutes.js';
import { addHealthRoute, createHttpServer, type HttpServer } from './server.js';

export interface WebOptions {
  db: Database;
  runs: RunService;
  logger: Logger;
  port: number;
  host: string;
  /** The address people reach the pages at; null: `http://<host>:<bound port>`. */
  publicUrl: string | null;
  /** SHIPCHECK_LINK_SECRET; null: a random one kept in the database. */
  linkSecret: string | null;
  /** How often an active run's page reloads itself (default 10 s); tests shorten it. */
  refreshSeconds?: number;
}

export interface Web {
  http: HttpServer;
  port: number;
  links: RunLinks;
  close(): Promise<void>;
}

/** Starts the HTTP side: /health, the run pages, and the links to them the chat layer prints. */
export async function startWeb(options: WebOptions): Promise<Web> {
  const signer = createLinkSigner(await resolveLinkSecret(options.db, options.linkSecret));
  const http = createHttpServer({ logger: options.logger });
  addHealthRoute(http);
  addRunPageRoute(http, {
    runs: options.runs,
    signer,
    logger: options.logger,
    ...(options.refreshSeconds ? { refreshSeconds: options.refreshSeconds } : {}),
  });
  let port: number;
  try {
    port = await http.listen(options.port, options.host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserError(
        'config_invalid',
        `PORT ${options.port} is in use on ${options.host}: set PORT to a free port, or SHIPCHECK_HTTP=off to run without the web pages.`,
      );
    }
    throw error;
  }
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const baseUrl = options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger.info({ port, host: options.host }, 'serving run pages and /health');
  return {
    http,
    port,
    links: { link: (runId) => runPageUrl(baseUrl, signer, runId) },
    close: () => http.close(),
  };
}

/** The web side as the configuration asks: on unless SHIPCHECK_HTTP=off. */
export async function startWebFromConfig(
  config: Config,
  db: Database,
  runs: RunService,
  logger: Logger,
): Promise<Web | null> {
  if (!config.web.enabled) return null;
  return startWeb({
    db,
    runs,
    logger,
    port: config.port,
    host: config.host,
    publicUrl: config.web.publicUrl,
    linkSecret: config.web.linkSecret,
  });
}
