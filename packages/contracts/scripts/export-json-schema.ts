import { writeFileSync } from 'node:fs';
import { eventJsonSchemas } from '../src/index.js';

// Writes the JSON Schema of every event envelope for upstream teams (checked in; a test keeps it current).
const out = new URL('../schema/evaluation-event.v1.json', import.meta.url);
writeFileSync(out, JSON.stringify(eventJsonSchemas(), null, 2) + '\n');
process.stderr.write(`wrote ${out.pathname}\n`);
