#!/usr/bin/env node
// Compile contracts/*.sol offline with solcjs (the `solc` npm package, pinned in package.json)
// and write tokengate/chain/artifacts/<Name>.json for the contract named like each file.
//
//   node scripts/compile_contracts.js          write the artifacts
//   node scripts/compile_contracts.js --check  compile, compare with the files on disk, exit 1
//                                               (and name the files) if any differs or is missing
//
// Settings are fixed so the output is reproducible: EVM target `prague` (py-evm runs it too),
// optimizer on with 200 runs, and no metadata hash in the bytecode (so comments and line endings
// do not change it). Artifact keys are written in a fixed order, ABI entries with sorted keys.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = path.resolve(__dirname, '..');
const SOURCES = path.join(ROOT, 'contracts');
const ARTIFACTS = path.join(ROOT, 'tokengate', 'chain', 'artifacts');

const SETTINGS = {
  evmVersion: 'prague',
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: 'none' },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

function compile() {
  const files = fs.readdirSync(SOURCES).filter((f) => f.endsWith('.sol')).sort();
  if (files.length === 0) throw new Error(`no .sol files in ${SOURCES}`);
  const sources = {};
  for (const file of files) {
    // Normalise line endings so a Windows checkout compiles to the same bytes.
    const content = fs.readFileSync(path.join(SOURCES, file), 'utf8').replace(/\r\n/g, '\n');
    sources[`contracts/${file}`] = { content };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: (p) => ({ error: `imports are not supported offline: ${p}` }),
    }),
  );
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) process.stderr.write(`${e.formattedMessage || e.message}\n`);
  if (errors.length > 0) throw new Error(`solc reported ${errors.length} error(s)`);

  const version = solc.version();
  const artifacts = {};
  for (const file of files) {
    const name = path.basename(file, '.sol');
    const contract = (output.contracts[`contracts/${file}`] || {})[name];
    if (!contract) throw new Error(`contracts/${file} must define a contract named ${name}`);
    const artifact = {
      contract: name,
      solc: version,
      abi: sortKeys(contract.abi),
      bytecode: `0x${contract.evm.bytecode.object}`,
      deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    };
    artifacts[`${name}.json`] = `${JSON.stringify(artifact, null, 2)}\n`;
  }
  return artifacts;
}

function main() {
  const check = process.argv.includes('--check');
  const artifacts = compile();
  if (!check) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const [file, text] of Object.entries(artifacts)) {
      const target = path.join(ARTIFACTS, file);
      const old = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
      if (old !== text) {
        fs.writeFileSync(target, text);
        console.log(`wrote ${path.relative(ROOT, target)}`);
      }
    }
    console.log(`compiled ${Object.keys(artifacts).length} contract(s) with solc ${solc.version()}`);
    return 0;
  }
  const problems = [];
  for (const [file, text] of Object.entries(artifacts)) {
    const target = path.join(ARTIFACTS, file);
    if (!fs.existsSync(target)) problems.push(`missing: ${path.relative(ROOT, target)}`);
    else if (fs.readFileSync(target, 'utf8') !== text) problems.push(`differs: ${path.relative(ROOT, target)}`);
  }
  const present = fs.existsSync(ARTIFACTS) ? fs.readdirSync(ARTIFACTS).filter((f) => f.endsWith('.json')) : [];
  for (const file of present.sort()) {
    if (!(file in artifacts)) problems.push(`no source for: ${path.relative(ROOT, path.join(ARTIFACTS, file))}`);
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error('artifacts are out of date: run `node scripts/compile_contracts.js` and commit the result');
    return 1;
  }
  console.log(`${Object.keys(artifacts).length} artifact(s) match contracts/ (solc ${solc.version()})`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`compile_contracts: ${err.message}`);
  process.exitCode = 2;
}
