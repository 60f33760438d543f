using BenchmarkDotNet.Running;

// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*'      (the whole suite)
// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*' --job short   (a quick check)
// SKILLINF_BENCH_POSTGRES=... dotnet run -c Release --project SkillInference.Benchmarks -- --batch-e2e   (batch inference into PostgreSQL, end to end)
if (args.Contains(SkillInference.Benchmarks.BatchEndToEnd.Flag))
{
    return await SkillInference.Benchmarks.BatchEndToEnd.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(SkillInference.Benchmarks.InferenceBenchmarks).Assembly).Run(args);
return 0;
