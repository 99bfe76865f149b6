import { REST, Routes } from 'discord.js';
import { deployCommandDefinition } from './slashCommand.js';

/**
 * Puts `/deploy` in Discord: in one guild (shows at once; for trying it) or globally (for production;
 * Discord may take a while to show it everywhere). A PUT replaces the app's commands in that scope, so
 * registering again after an upgrade is safe.
 */
export async function registerDeployCommand(options: {
  token: string;
  applicationId: string;
  guildId: string | null;
  apiUrl: string | null;
}): Promise<{ scope: string; names: string[] }> {
  const rest = new REST(options.apiUrl ? { api: options.apiUrl } : {}).setToken(options.token);
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  const registered = (await rest.put(route, { body: [deployCommandDefinition()] })) as { name: string }[];
  return {
    scope: options.guildId ? `guild ${options.guildId}` : 'global',
    names: registered.map((command) => command.name),
  };
}
