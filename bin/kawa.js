#!/usr/bin/env node
// The kawa command. Everything lives in the compiled library; this file only starts it.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
