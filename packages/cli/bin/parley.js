#!/usr/bin/env node
// The `parley` command. A committed file, so npm links it on install before dist/ is built.
import '../dist/main.js';
