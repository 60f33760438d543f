using BenchmarkDotNet.Running;
using SkillInference.Benchmarks;
using SkillInference.Benchmarks.Suite;

// The whole suite, models to RESULTS.md: bash eng/bench.sh   (bash eng/bench.sh --short: a quick check)
// Its steps, each a mode of this program (the work folder is SKILLINF_BENCH_WORK, by default artifacts/bench/work):
//   --prepare                       the suite's models from the Python side's output, verified across engines
//   --suite [--only NAME]           BenchmarkDotNet: single rows, seven skills, batches (SKILLINF_BENCH_SHORT=1: short)
//   --http --host-dll PATH          the host over HTTP: fixed rate (open loop), saturation and batches (wrk)
//   --cache-replay --host-dll PATH  a day of traffic through two hosts sharing Redis, with a deploy in the middle
//   --predict --cli PATH [--cli-framework PATH]   skillinf predict (its executable or skillinf.dll) against Python (pandas + xgboost) on one CSV, and the kernel alone
//   --report --command TEXT         writes SkillInference.Benchmarks/RESULTS.md from the results
// Single benchmarks as usual: dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*Engine*'
// SKILLINF_BENCH_POSTGRES=... dotnet run -c Release --project SkillInference.Benchmarks -- --batch-e2e   (batch inference into PostgreSQL, end to end)
// SKILLINF_BENCH_POSTGRES=... dotnet run -c Release --project SkillInference.Benchmarks -- --batch-db-phases   (its read and write phases alone)
// dotnet run -c Release --project SkillInference.Benchmarks -- --batch-client-phases   (its parse and scoring work alone, no database)
if (args.Contains(BatchDatabasePhases.Flag))
{
    return await BatchDatabasePhases.RunAsync(args);
}

if (args.Contains(BatchClientPhases.Flag))
{
    return await BatchClientPhases.RunAsync(args);
}

if (args.Contains(BatchEndToEnd.Flag))
{
    return await BatchEndToEnd.RunAsync(args);
}

if (args.Contains(Preparation.Flag))
{
    return await Preparation.RunAsync();
}

if (args.Contains(SuiteRunner.Flag))
{
    return SuiteRunner.Run(args);
}

if (args.Contains(SkillInference.Benchmarks.Http.HttpLoad.Flag))
{
    return await SkillInference.Benchmarks.Http.HttpLoad.RunAsync(args);
}

if (args.Contains(SkillInference.Benchmarks.Predict.PredictComparison.Flag))
{
    return await SkillInference.Benchmarks.Predict.PredictComparison.RunAsync(args);
}

if (args.Contains(SkillInference.Benchmarks.Http.CacheReplay.Flag))
{
    return await SkillInference.Benchmarks.Http.CacheReplay.RunAsync(args);
}

if (args.Contains(SkillInference.Benchmarks.Report.ResultsReport.Flag))
{
    return await SkillInference.Benchmarks.Report.ResultsReport.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(InferenceBenchmarks).Assembly).Run(args);
return 0;
