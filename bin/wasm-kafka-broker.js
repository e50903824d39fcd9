#!/usr/bin/env node
// `npx wasm-kafka-broker`: the broker's command line (--help lists the options).
import "../dist/main.js";
