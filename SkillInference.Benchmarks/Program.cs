using BenchmarkDotNet.Running;

// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*'      (the whole suite)
// dotnet run -c Release --project SkillInference.Benchmarks -- --filter '*' --job short   (a quick check)
BenchmarkSwitcher.FromAssembly(typeof(SkillInference.Benchmarks.InferenceBenchmarks).Assembly).Run(args);
