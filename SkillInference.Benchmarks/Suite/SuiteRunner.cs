using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace SkillInference.Benchmarks.Suite;

/// <summary>
/// <c>--suite</c>: the BenchmarkDotNet part of issue 7's suite in one run — single rows (FT-300, XGB-300x6, XGB-400x8, a sample
/// model), one student's seven skills through the service, and batches — exporting GitHub markdown and full JSON into
/// the work folder's results. Jobs are set here, not from the command line: the default job (the short job with
/// <c>SKILLINF_BENCH_SHORT=1</c>) for the micro-benchmarks, and the monitoring strategy with 1 warm-up + 5 measured
/// calls (1 + 3) for batches, whose 1M-row cases take seconds per call. Benchmarks run in-process (the Release build
/// <c>eng/bench.sh</c> made), so the suite does not rebuild the projects in a child process.
/// </summary>
internal static class SuiteRunner
{
    public const string Flag = "--suite";

    public static readonly Type[] MicroBenchmarks = [typeof(FastTreeSingleRowBenchmarks), typeof(XGBoostSingleRowBenchmarks), typeof(XGBoostDeepSingleRowBenchmarks), typeof(SampleSingleRowBenchmarks), typeof(StudentBenchmarks), typeof(BatchEndpointBenchmarks)];

    public static int Run(string[] args)
    {
        var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
        var artifacts = Path.Combine(BenchWork.Results, "bdn");
        if (Directory.Exists(artifacts))
        {
            Directory.Delete(artifacts, recursive: true);
        }

        var toolchain = new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true);
        var microJob = (BenchWork.Short ? Job.ShortRun : Job.Default).WithToolchain(toolchain).WithId(BenchWork.Short ? "short" : "default");
        // Batches take milliseconds to seconds each: BenchmarkDotNet's monitoring strategy (one call per iteration, no
        // pilot or overhead stage), 1 warm-up and 5 measured calls (3 with --short).
        var batchJob = Job.Default.WithToolchain(toolchain)
            .WithStrategy(RunStrategy.Monitoring)
            .WithWarmupCount(1)
            .WithIterationCount(BenchWork.Short ? 3 : 5)
            .WithId(BenchWork.Short ? "batch-short" : "batch");

        var infos = MicroBenchmarks.Select(t => BenchmarkConverter.TypeToBenchmarks(t, Config(microJob, artifacts)))
            .Append(BenchmarkConverter.TypeToBenchmarks(typeof(BatchBenchmarks), Config(batchJob, artifacts)))
            .Where(i => only is null || i.Type.Name.Contains(only, StringComparison.OrdinalIgnoreCase))
            .ToArray();
        var summaries = BenchmarkRunner.Run(infos);
        var failed = summaries.SelectMany(s => s.Reports).Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo).ToArray();
        var invalid = summaries.Where(s => s.HasCriticalValidationErrors).Select(s => s.Title).ToArray();
        if (failed.Length > 0 || invalid.Length > 0 || summaries.Sum(s => s.Reports.Length) == 0)
        {
            Console.Error.WriteLine($"error: benchmarks failed: {string.Join("; ", failed.Concat(invalid))}");
            return 1;
        }

        return 0;
    }

    private static ManualConfig Config(Job job, string artifacts)
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub, JsonExporter.Full)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);
        return config;
    }
}
