using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf batch run|status</c>: score students from the batch database into <c>skill_assessments</c>.</summary>
internal static class BatchCommands
{
    public static Command Create(CliConsole console)
    {
        var batch = new Command("batch", "Batch inference: score students' features from the database on every deployed skill.");
        batch.Subcommands.Add(Run(console));
        batch.Subcommands.Add(Status(console));
        return batch;
    }

    private static Command Run(CliConsole console)
    {
        var mode = new Option<BatchMode>("--mode") { Description = "Full: every student. Incremental: students changed since the last successful run, or without an assessment by a version now deployed.", DefaultValueFactory = _ => BatchMode.Incremental };
        var db = DatabaseOption.Create();
        var store = CommonOptions.Store();
        var shardSize = new Option<int>("--shard-size") { Description = "Students per shard.", DefaultValueFactory = _ => new BatchOptions().ShardSize };
        var parallel = new Option<int>("--parallel") { Description = "Shards handled at once.", DefaultValueFactory = _ => new BatchOptions().MaxParallelShards };
        var command = new Command("run", "Plan a run, score its shards in this process, store the assessments, and print the run summary.") { mode, db, store, shardSize, parallel };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var connection = parse.GetValue(db)!;
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference()
                .UseModelStore(parse.GetValue(store)!)
                .AddOnnx()
                .UseDatabase(connection)
                .AddBatchInference(o =>
                {
                    o.ShardSize = parse.GetValue(shardSize);
                    o.MaxParallelShards = parse.GetValue(parallel);
                });
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            await DatabaseOption.PrepareAsync(provider, connection, ct).ConfigureAwait(false);
            var run = await provider.GetRequiredService<BatchRunner>().RunAsync(parse.GetValue(mode), ct).ConfigureAwait(false);
            await WriteSummaryAsync(console.Out, run).ConfigureAwait(false);
            return run.Status == RunStatus.Failed ? CliConsole.Failure : CliConsole.Success;
        }));
        return command;
    }

    private static Command Status(CliConsole console)
    {
        var db = DatabaseOption.Create();
        var limit = new Option<int>("--limit") { Description = "How many recent runs to show.", DefaultValueFactory = _ => 10 };
        var command = new Command("status", "Show the most recent batch runs, newest first.") { db, limit };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var connection = parse.GetValue(db)!;
            if (parse.GetValue(limit) <= 0)
            {
                throw new ArgumentException("--limit must be positive.");
            }

            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference().UseDatabase(connection);
            await using var provider = services.BuildServiceProvider();
            await DatabaseOption.PrepareAsync(provider, connection, ct).ConfigureAwait(false);
            var runs = await provider.GetRequiredService<IAssessmentStore>().ListRecentRunsAsync(parse.GetValue(limit), ct).ConfigureAwait(false);
            if (runs.Count == 0)
            {
                await console.Error.WriteLineAsync($"No batch run yet in {DatabaseOption.Describe(connection)}.").ConfigureAwait(false);
                return CliConsole.Success;
            }

            await WriteTableAsync(console.Out, runs).ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    private static async Task WriteSummaryAsync(TextWriter output, InferenceRun run)
    {
        var c = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(c, $"Run {run.RunId} ({Mode(run.Mode)}) {Status(run.Status)}{(run.Duration is { } d ? $" in {d.TotalSeconds:0.00} s" : "")}")).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(c, $"  students     {run.Students:N0} scored of {run.StudentsPlanned:N0} planned, in {run.ShardsCompleted:N0}/{run.Shards:N0} shards ({run.Dispatcher})")).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(c, $"  predictions  {run.Predictions:N0}; rows inserted {run.Inserted:N0}; failures {run.Failures:N0}")).ConfigureAwait(false);
        if (run.StudentsPerSecond is { } sps && run.PredictionsPerSecond is { } pps)
        {
            await output.WriteLineAsync(string.Create(c, $"  throughput   {sps:N0} students/s, {pps:N0} predictions/s")).ConfigureAwait(false);
        }

        var total = run.ReadTime + run.ScoreTime + run.WriteTime;
        if (total > TimeSpan.Zero)
        {
            await output.WriteLineAsync(string.Create(c, $"  shard time   read {run.ReadTime.TotalSeconds:0.00} s ({Share(run.ReadTime, total)}), score {run.ScoreTime.TotalSeconds:0.00} s ({Share(run.ScoreTime, total)}), write {run.WriteTime.TotalSeconds:0.00} s ({Share(run.WriteTime, total)}), summed over shards")).ConfigureAwait(false);
        }

        if (run.Watermark is { } watermark)
        {
            await output.WriteLineAsync(string.Create(c, $"  watermark    change {watermark} (the next incremental run scores changes from it on)")).ConfigureAwait(false);
        }

        if (run.Error is { } error)
        {
            await output.WriteLineAsync($"  error        {error}").ConfigureAwait(false);
        }

        if (run.Failures > 0)
        {
            await output.WriteLineAsync("  failed items are in inference_failures (run_id, student_id, skill, error, attempts)").ConfigureAwait(false);
        }
    }

    private static async Task WriteTableAsync(TextWriter output, IReadOnlyList<InferenceRun> runs)
    {
        var c = CultureInfo.InvariantCulture;
        string[] header = ["RUN", "MODE", "STATUS", "STARTED (UTC)", "DURATION", "SHARDS", "STUDENTS", "PREDICTIONS", "INSERTED", "FAILURES", "STUDENTS/S", "PREDICTIONS/S"];
        var rows = runs.Select(r => new[]
        {
            r.RunId.ToString(),
            Mode(r.Mode),
            Status(r.Status),
            r.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", c),
            r.Duration is { } d ? string.Create(c, $"{d.TotalSeconds:0.0} s") : "-",
            string.Create(c, $"{r.ShardsCompleted}/{r.Shards}"),
            r.Students.ToString("N0", c),
            r.Predictions.ToString("N0", c),
            r.Inserted.ToString("N0", c),
            r.Failures.ToString("N0", c),
            r.StudentsPerSecond?.ToString("N0", c) ?? "-",
            r.PredictionsPerSecond?.ToString("N0", c) ?? "-",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        await output.WriteLineAsync(Line(header, widths)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await output.WriteLineAsync(Line(row, widths)).ConfigureAwait(false);
        }

        foreach (var failed in runs.Where(r => r.Error is not null))
        {
            await output.WriteLineAsync($"{failed.RunId}: {failed.Error}").ConfigureAwait(false);
        }
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, i) => i < 3 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd();

    private static string Share(TimeSpan part, TimeSpan total) => (part / total).ToString("P0", CultureInfo.InvariantCulture);

    private static string Mode(BatchMode mode) => mode == BatchMode.Full ? "full" : "incremental";

    private static string Status(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        _ => "failed",
    };
}
