import { core } from './core.js';
import { steer } from './steer.js';

/** English — the second catalogue (`--lang en`, `DVK_LANG=en`, `Accept-Language: en`): the same codes and parameters as `../vi/`. */
export const en: Readonly<Record<string, string>> = { ...core, ...steer };
