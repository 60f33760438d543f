using System.CommandLine;
using System.Text;
using SkillInference.Training;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf synth</c>: synthetic training data.</summary>
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
        return command;
    }
}
