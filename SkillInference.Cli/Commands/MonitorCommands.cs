using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Monitoring;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf monitor validate</c>: validate the models against teacher ratings in the batch database.</summary>
internal static class MonitorCommands
{
    public static Command Create(CliConsole console)
    {
        var monitor = new Command("monitor", "Model monitoring.");
        monitor.Subcommands.Add(Validate(console));
        return monitor;
    }

    private static Command Validate(CliConsole console)
    {
        var db = DatabaseOption.Create();
        var defaults = new MonitoringOptions();
        var threshold = new Option<double>("--threshold") { Description = "The correlation alert fires below this r.", DefaultValueFactory = _ => defaults.CorrelationThreshold };
        var minimum = new Option<int>("--min-pairs") { Description = "The fewest rated pairs judged; below it the state is insufficient_data.", DefaultValueFactory = _ => defaults.MinimumPairs };
        var window = new Option<double>("--window-days") { Description = "A rating is paired with the assessment of the same student and skill closest in time within this many days.", DefaultValueFactory = _ => defaults.MatchWindow.TotalDays };
        var command = new Command(
            "validate",
            "Pair each teacher rating with the closest-in-time assessment, compute r, n, the 95 % interval, Spearman, coverage and label delay per skill, version and variant, store them (validation_results) and apply the correlation alert rule. Exit code 2 when a correlation alert is open.")
        { db, threshold, minimum, window };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var connection = parse.GetValue(db)!;
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference().UseDatabase(connection);
            services.Configure<MonitoringOptions>(o =>
            {
                o.CorrelationThreshold = parse.GetValue(threshold);
                o.MinimumPairs = parse.GetValue(minimum);
                o.MatchWindow = TimeSpan.FromDays(parse.GetValue(window));
            });
            await using var provider = services.BuildServiceProvider();
            var problems = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MonitoringOptions>>().Value.Validate();
            if (problems.Count > 0)
            {
                throw new ArgumentException(string.Join(" ", problems));
            }

            await DatabaseOption.PrepareAsync(provider, connection, ct).ConfigureAwait(false);
            var run = await provider.GetRequiredService<ValidationJob>().RunAsync(ct).ConfigureAwait(false);
            await WriteTableAsync(console.Out, run).ConfigureAwait(false);
            return run.Alerts.Any(a => a.State == AlertKinds.Open) ? 2 : CliConsole.Success;
        }));
        return command;
    }

    private static async Task WriteTableAsync(TextWriter output, ValidationRun run)
    {
        if (run.Results.Count == 0)
        {
            await output.WriteLineAsync("No assessments yet: nothing to validate.").ConfigureAwait(false);
            return;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{"skill",-24} {"version",-10} {"variant",-9} {"n",6} {"r",7} {"95% CI",17} {"spearman",8} {"coverage",8} {"state",-17}")).ConfigureAwait(false);
        foreach (var r in run.Results)
        {
            var ci = r.CiLow is { } low && r.CiHigh is { } high ? string.Create(CultureInfo.InvariantCulture, $"[{low:0.000}, {high:0.000}]") : "-";
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Skill,-24} {r.ModelVersion,-10} {r.Variant,-9} {r.N,6} {AlertManager.Format(r.PearsonR),7} {ci,17} {AlertManager.Format(r.Spearman),8} {AlertManager.Format(r.Coverage),8} {r.State,-17}")).ConfigureAwait(false);
        }

        foreach (var alert in run.Alerts)
        {
            await output.WriteLineAsync($"{alert.State} correlation alert: {alert.Summary}").ConfigureAwait(false);
        }
    }
}
