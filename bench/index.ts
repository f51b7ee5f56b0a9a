/**
 * `npm run bench`: every benchmark, each measuring its baseline in the same run and printing ratios.
 * Benchmarks are not tests: they never fail on a number.
 */
import { runColdStartBenchmark } from './cold-start';
import { runImageBenchmark } from './image';
import { runRuntimeFeatureBenchmark } from './runtime-features';
import { runRuntimeProtocolBenchmark } from './runtime-protocols';
import { runSynthBenchmark } from './synth-1000';
import { runTrainedModelBenchmark } from './trained-model-latency';

async function main(): Promise<void> {
  runSynthBenchmark();
  await runRuntimeProtocolBenchmark();
  console.log();
  await runColdStartBenchmark();
  await runRuntimeFeatureBenchmark();
  console.log();
  await runTrainedModelBenchmark();
  console.log();
  await runImageBenchmark();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
