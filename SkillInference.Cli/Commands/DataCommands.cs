using System.CommandLine;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Training;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf synth</c>: synthetic training data (CSV); <c>skillinf synth students</c>: synthetic students in the batch database.</summary>
internal static class DataCommands
{
    public static Command Synth(CliConsole console)
    {
        var count = new Option<int>("--count") { Description = "Students to generate.", DefaultValueFactory = _ => 6000 };
        var seed = new Option<int>("--seed") { Description = "The seed; the same seed gives the same data.", DefaultValueFactory = _ => 42 };
        var output = new Option<string>("--out", "-o") { Description = "The CSV file to write ('-' for standard output).", Required = true };
        var catalog = CommonOptions.Catalog();
        var command = new Command("synth", "Generate synthetic students (features, labels, teacher ratings) as training-data CSV.") { count, seed, output, catalog };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var n = parse.GetValue(count);
            if (n <= 0)
            {
                throw new ArgumentException("--count must be positive.");
            }

            var skills = await CommonOptions.LoadCatalogAsync(parse.GetValue(catalog), ct).ConfigureAwait(false);
            var generator = new SyntheticDataGenerator(skills, new SyntheticDataOptions { Seed = parse.GetValue(seed) });
            var path = parse.GetValue(output)!;
            var progress = new Progress<int>(done => console.Error.WriteLine($"  {done:N0} / {n:N0} students"));
            if (path == "-")
            {
                generator.WriteCsv(console.Out, n);
            }
            else
            {
                await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
                generator.WriteCsv(writer, n, n >= 50_000 ? progress : null);
                await console.Error.WriteLineAsync($"Wrote {n:N0} students ({generator.FeatureNames.Count} features, {generator.SkillIds.Count} skills) to {path}").ConfigureAwait(false);
            }

            return CliConsole.Success;
        }));
        command.Subcommands.Add(Students(console));
        return command;
    }

    private const int StudentChunk = 10_000;

    /// <summary><c>skillinf synth students</c>: seeds <c>student_features</c> (split by group) and <c>teacher_ratings</c>.</summary>
    private static Command Students(CliConsole console)
    {
        var count = new Option<int>("--count") { Description = "Students to generate (ids S0000001...).", Required = true };
        var seed = new Option<int>("--seed") { Description = "The seed; the same seed gives the same students.", DefaultValueFactory = _ => 42 };
        var db = DatabaseOption.Create();
        var catalog = CommonOptions.Catalog();
        var command = new Command("students", "Seed the batch database with synthetic students: their linguistic and behavioral features (student_features, updated now) and teacher ratings. Existing students with the same ids are replaced.")
        {
            count, seed, db, catalog,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var n = parse.GetValue(count);
            if (n <= 0)
            {
                throw new ArgumentException("--count must be positive.");
            }

            var skills = await CommonOptions.LoadCatalogAsync(parse.GetValue(catalog), ct).ConfigureAwait(false);
            var generator = new SyntheticDataGenerator(skills, new SyntheticDataOptions { Seed = parse.GetValue(seed) });
            var connection = parse.GetValue(db)!;
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSkillInference().UseDatabase(connection);
            await using var provider = services.BuildServiceProvider();
            await DatabaseOption.PrepareAsync(provider, connection, ct).ConfigureAwait(false);
            var writer = provider.GetRequiredService<IStudentDataWriter>();
            var now = TimeProvider.System.GetUtcNow();
            var ratings = 0L;
            for (var first = 0; first < n; first += StudentChunk)
            {
                var students = generator.Generate(first, Math.Min(StudentChunk, n - first)).ToArray();
                await writer.UpsertStudentFeaturesAsync([.. students.Select(s => SyntheticStudentData.ToStudentFeatures(generator, s, now))], ct).ConfigureAwait(false);
                TeacherRating[] rated = [.. students.SelectMany(s => SyntheticStudentData.ToTeacherRatings(generator, s, now))];
                await writer.UpsertTeacherRatingsAsync(rated, ct).ConfigureAwait(false);
                ratings += rated.Length;
                if (n >= 50_000)
                {
                    await console.Error.WriteLineAsync($"  {first + students.Length:N0} / {n:N0} students").ConfigureAwait(false);
                }
            }

            await console.Error.WriteLineAsync($"Wrote {n:N0} students ({generator.FeatureNames.Count} features) and {ratings:N0} teacher ratings to {DatabaseOption.Describe(connection)}").ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }
}
