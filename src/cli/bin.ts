#!/usr/bin/env node
// The `adaptlab` executable.
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
