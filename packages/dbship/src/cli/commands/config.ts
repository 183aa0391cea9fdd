import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { renderSettingRows, settingRows } from '../settings-report.js';

export const command: Command = {
  name: 'config',
  summary: 'show the resolved settings and where each comes from (env, .env, drizzle.config.*, default)',
  usage: ['config [--json]'],
  options: { json: { type: 'boolean', description: 'print every setting with its value and source as JSON on stdout', example: '--json' } },
  async run(ctx) {
    const rows = settingRows(ctx.sources(), ctx.config(), ctx.project());
    if (ctx.values.json) ctx.out(JSON.stringify({ settings: rows }, null, 2));
    else for (const line of renderSettingRows(rows)) ctx.out(line);
    return ExitCode.Ok;
  },
};
