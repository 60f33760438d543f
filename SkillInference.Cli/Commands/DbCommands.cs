using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf db migrate</c>: the batch database's schema.</summary>
internal static class DbCommands
{
    public static Command Create(CliConsole console)
    {
        var db = DatabaseOption.Create();
        var migrate = new Command("migrate", "Apply the batch database's migrations (student_features, skill_assessments, inference_runs, inference_failures, teacher_ratings). Safe to run again or from several machines at once.") { db };
        migrate.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var connection = parse.GetValue(db)!;
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference().UseDatabase(connection);
            await using var provider = services.BuildServiceProvider();
            var applied = await provider.GetRequiredService<IDatabaseMigrator>().MigrateAsync(ct).ConfigureAwait(false);
            foreach (var name in applied)
            {
                await console.Out.WriteLineAsync($"applied {name}").ConfigureAwait(false);
            }

            await console.Error.WriteLineAsync(applied.Count == 0
                ? $"{DatabaseOption.Describe(connection)} is up to date."
                : $"Applied {applied.Count} migration(s) to {DatabaseOption.Describe(connection)}.").ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return new Command("db", "The batch database.") { migrate };
    }
}
