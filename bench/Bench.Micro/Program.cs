using BenchmarkDotNet.Running;

// bench/run.sh runs: --filter '*' --job short --inProcess --exporters github --artifacts DIR
BenchmarkSwitcher.FromAssembly(typeof(Bench.Micro.PasswordHashBenchmarks).Assembly).Run(args);
