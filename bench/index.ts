/**
 * `npm run bench`: every benchmark, each measuring its baseline in the same run and printing ratios.
 * Benchmarks are not tests: they never fail on a number.
 */
import { runSynthBenchmark } from './synth-1000';

runSynthBenchmark();
