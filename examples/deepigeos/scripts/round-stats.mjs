#!/usr/bin/env node
// Summarises `deepigeos evaluate --json` files: mean Dice after P-Net and after each round, how
// many (case, round) pairs a round of clicks made worse (Dice lower than before the round), the
// mean Dice change per round, and the first round whose Dice reaches 0.85 / 0.90 with the clicks
// spent until then (a NoC-like figure for the paper's multi-click rounds).
// Usage: node scripts/round-stats.mjs eval1.json [eval2.json ...]
import { readFileSync } from 'node:fs';

for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const cases = report.cases;
  const rounds = Math.min(...cases.map((c) => c.rounds.length));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  let worse = 0;
  let pairs = 0;
  const deltas = Array.from({ length: rounds }, () => []);
  const reach = { 0.85: [], 0.9: [] };
  for (const c of cases) {
    let prev = c.pnetCrf?.dice ?? c.pnet.dice;
    let clicks = 0;
    const hit = { 0.85: prev >= 0.85 ? 0 : null, 0.9: prev >= 0.9 ? 0 : null };
    c.rounds.slice(0, rounds).forEach((r, i) => {
      clicks += r.fgSeeds + r.bgSeeds;
      if (r.refined) {
        pairs++;
        if (r.dice < prev - 1e-9) worse++;
      }
      deltas[i].push(r.dice - prev);
      for (const t of [0.85, 0.9]) if (hit[t] === null && r.dice >= t) hit[t] = clicks;
      prev = r.dice;
    });
    for (const t of [0.85, 0.9]) reach[t].push(hit[t]);
  }
  const fmt = (x) => x.toFixed(4);
  const noc = (t) => {
    const got = reach[t].filter((x) => x !== null);
    return `${got.length}/${cases.length} cases reach ${t}` + (got.length ? `, mean clicks ${mean(got).toFixed(1)}` : '');
  };
  console.log(`${file}: ${cases.length} cases`);
  console.log(`  mean Dice  P-Net ${fmt(mean(cases.map((c) => c.pnet.dice)))}` + (cases.every((c) => c.pnetCrf) ? `  +CRF ${fmt(mean(cases.map((c) => c.pnetCrf.dice)))}` : '') + Array.from({ length: rounds }, (_, i) => `  round ${i + 1} ${fmt(mean(cases.map((c) => c.rounds[i].dice)))}`).join(''));
  console.log(`  mean Dice change per round ${deltas.map((d) => (mean(d) >= 0 ? '+' : '') + fmt(mean(d))).join(' ')}`);
  console.log(`  rounds with clicks that lowered Dice: ${worse} of ${pairs}`);
  console.log(`  ${noc(0.85)}; ${noc(0.9)}`);
}
