using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using SkillInference.Cli.Export;

namespace SkillInference.Cli.Commands;

/// <summary><c>skillinf export training-data</c>: the batch database's students as per-skill training data for the notebook.</summary>
internal static class ExportCommands
{
    /// <summary>The environment variable holding the pseudonym key when <c>--id-key</c> is not given.</summary>
    public const string IdKeyVariable = "SKILLINF_EXPORT_ID_KEY";

    public static Command Create(CliConsole console)
    {
        var export = new Command("export", "Export data for work outside the service.");
        export.Subcommands.Add(TrainingData(console));
        return export;
    }

    private static Command TrainingData(CliConsole console)
    {
        var db = DatabaseOption.Create();
        var output = new Option<string>("--out", "-o") { Description = "The folder to write (created; must be empty): <skill>.csv per skill and export.json.", Required = true };
        var catalog = CommonOptions.Catalog();
        var skill = new Option<string[]>("--skill") { Description = "Export only these skills (repeatable; default: every skill of the catalog).", AllowMultipleArgumentsPerToken = true };
        var positive = new Option<int>("--positive-rating") { Description = "Teacher ratings at or above this (1-5) are labelled 1 (\"high skill\"), below it 0.", DefaultValueFactory = _ => 4 };
        var idKey = new Option<string?>("--id-key") { Description = $"The secret that turns student ids into pseudonyms (HMAC-SHA256); the same key gives the same pseudonyms. Default: ${IdKeyVariable}, else a random key (ids not linkable to other exports)." };
        var command = new Command("training-data", "Write every student's features, teacher rating and label per skill, under pseudonymous ids, as CSV for notebooks/train_skills.ipynb (format: docs/features.md).")
        {
            db, output, catalog, skill, positive, idKey,
        };
        command.SetAction((parse, ct) => console.RunAsync(async () =>
        {
            var connection = parse.GetValue(db)!;
            var rating = parse.GetValue(positive);
            if (rating is < 1 or > 5)
            {
                throw new ArgumentException("--positive-rating must be between 1 and 5.");
            }

            var skills = (await CommonOptions.LoadCatalogAsync(parse.GetValue(catalog), ct).ConfigureAwait(false)).Skills;
            if (parse.GetValue(skill) is { Length: > 0 } only)
            {
                var unknown = only.Where(s => skills.All(d => d.Id != s)).ToArray();
                if (unknown.Length > 0)
                {
                    throw new ArgumentException($"--skill: the catalog has no skill {string.Join(", ", unknown)} (it has {string.Join(", ", skills.Select(s => s.Id))}).");
                }

                skills = [.. skills.Where(s => only.Contains(s.Id))];
            }

            var key = parse.GetValue(idKey) ?? Environment.GetEnvironmentVariable(IdKeyVariable);
            var options = new TrainingDataExportOptions
            {
                PositiveRating = rating,
                IdKey = string.IsNullOrEmpty(key) ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(key),
                IdKeyGiven = !string.IsNullOrEmpty(key),
                SourceDescription = DatabaseOption.IsPostgres(connection) ? DatabaseOption.Describe(connection) : "SQLite " + Path.GetFileName(connection),
            };
            var outDirectory = parse.GetValue(output)!;
            await console.Error.WriteLineAsync($"Exporting {skills.Count} skills from {DatabaseOption.Describe(connection)} to {outDirectory}").ConfigureAwait(false);
            TrainingDataExportSummary summary;
            try
            {
                var exported = skills.Select(s => new ExportedSkill(s.Id, s.Schema.Features)).ToArray();
                summary = await new TrainingDataExporter(exported, options).ExportAsync(Connect(connection), outDirectory, console.Progress, ct).ConfigureAwait(false);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException($"Reading {DatabaseOption.Describe(connection)} failed: {ex.Message} (is it a SkillInference batch database? `skillinf db migrate` creates the tables)", ex);
            }

            foreach (var file in summary.Skills)
            {
                await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {file.File}: {file.Rows:N0} rows, {file.Rated:N0} rated, {file.Positives:N0} labelled 1, {file.Features.Count} features")).ConfigureAwait(false);
            }

            if (summary.UnreadableStudents > 0 || summary.OrphanRatings > 0)
            {
                await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  left out: {summary.UnreadableStudents:N0} students whose features are not JSON objects of numbers, {summary.OrphanRatings:N0} ratings of students without features")).ConfigureAwait(false);
            }

            await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Exported {summary.Students:N0} students to {outDirectory} ({TrainingDataExporter.ManifestFileName} describes the files)")).ConfigureAwait(false);
            return CliConsole.Success;
        }));
        return command;
    }

    private static Func<DbConnection> Connect(string db)
    {
        if (DatabaseOption.IsPostgres(db))
        {
            return () => new NpgsqlConnection(db);
        }

        if (!File.Exists(db))
        {
            throw new FileNotFoundException($"There is no SQLite batch database at {db}.");
        }

        var connectionString = new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly }.ToString();
        return () => new SqliteConnection(connectionString);
    }
}
