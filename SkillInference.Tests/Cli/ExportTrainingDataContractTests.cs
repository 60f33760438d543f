using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SkillInference.Batch;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

/// <summary>
/// <c>skillinf export training-data</c> against each batch database (a derived class per database): hand-made
/// students with known features and ratings come out per skill in the skill's schema order, under HMAC pseudonyms,
/// with labels derived from the ratings, and <c>export.json</c> says what was written.
/// </summary>
public abstract class ExportTrainingDataContractTests
{
    private const string Key = "test-pseudonym-key";
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    [TestMethod]
    public async Task ExportTrainingData_KnownStudents_WritesFeaturesRatingsLabelsUnderPseudonyms()
    {
        await using var db = await CreateDatabaseAsync();
        await SeedAsync(db);
        var output = Path.Combine(TempDirectory.Create("export"), "data");

        var result = await Skillinf.RunAsync("export", "training-data", "--db", db.Connection, "--out", output, "--skill", "collaboration", "--skill", "curiosity", "--id-key", Key, "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        CollectionAssert.AreEquivalent(new[] { "collaboration.csv", "curiosity.csv", "export.json" }, Directory.GetFiles(output).Select(Path.GetFileName).ToArray());
        var collaboration = await ReadCsvAsync(Path.Combine(output, "collaboration.csv"));
        var features = SampleStore.Catalog["collaboration"].Schema.Features.Select(f => f.Name).ToArray();
        CollectionAssert.AreEqual(new[] { "student_id" }.Concat(features).Append("rating_collaboration").Append("label_collaboration").ToArray(), collaboration.Header);
        Assert.HasCount(3, collaboration.Rows, "every student with features, rated or not");

        var a = collaboration.Row(Pseudonym("S-A"));
        Assert.AreEqual("18.5", a["first_person_plural_rate"]);
        Assert.AreEqual("0.1", a["sentiment"], "a linguistic feature");
        Assert.AreEqual("6", a["peer_replies_per_week"], "a behavioral feature");
        Assert.AreEqual("5", a["rating_collaboration"]);
        Assert.AreEqual("1", a["label_collaboration"], "rating 5 >= 4");
        var b = collaboration.Row(Pseudonym("S-B"));
        Assert.AreEqual("", b["sentiment"], "null in the database: missing");
        Assert.AreEqual("", b["politeness"], "absent from the database: missing");
        Assert.AreEqual("0.123456789012345", b["on_time_submission_rate"], "values round-trip exactly");
        Assert.AreEqual("3", b["rating_collaboration"]);
        Assert.AreEqual("0", b["label_collaboration"], "rating 3 < 4");
        var c = collaboration.Row(Pseudonym("S-C"));
        Assert.AreEqual("", c["rating_collaboration"], "not rated");
        Assert.AreEqual("", c["label_collaboration"], "no rating, no label");

        var curiosity = await ReadCsvAsync(Path.Combine(output, "curiosity.csv"));
        Assert.AreEqual("4", curiosity.Row(Pseudonym("S-C"))["rating_curiosity"]);
        Assert.AreEqual("1", curiosity.Row(Pseudonym("S-C"))["label_curiosity"]);

        foreach (var file in Directory.GetFiles(output))
        {
            Assert.DoesNotContain("S-A", await File.ReadAllTextAsync(file), $"{Path.GetFileName(file)} must not hold a real student id");
        }

        StringAssert.Contains(result.Error, "Exported 3 students");
        StringAssert.Contains(result.Error, "collaboration.csv: 3 rows, 2 rated, 1 labelled 1, 14 features");
    }

    [TestMethod]
    public async Task ExportTrainingData_Manifest_DescribesFilesLabelRuleAndFeatures()
    {
        await using var db = await CreateDatabaseAsync();
        await SeedAsync(db);
        var output = Path.Combine(TempDirectory.Create("export"), "data");

        var result = await Skillinf.RunAsync("export", "training-data", "--db", db.Connection, "--out", output, "--positive-rating", "3", "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "export.json")));
        var root = manifest.RootElement;
        Assert.AreEqual("skillinference-training-data", root.GetProperty("format").GetString());
        Assert.AreEqual(3, root.GetProperty("label").GetProperty("positiveRating").GetInt32());
        Assert.AreEqual(3, root.GetProperty("students").GetInt64());
        Assert.AreEqual(1, root.GetProperty("orphanRatings").GetInt64(), "the rating of a student without features");
        var skills = root.GetProperty("skills").EnumerateArray().ToArray();
        CollectionAssert.AreEqual(SampleStore.Catalog.Skills.Select(s => s.Id).ToArray(), skills.Select(s => s.GetProperty("skill").GetString()).ToArray());
        var collaboration = skills[0];
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(output, "collaboration.csv")))), collaboration.GetProperty("sha256").GetString());
        Assert.AreEqual(2, collaboration.GetProperty("positives").GetInt64(), "ratings 5 and 3 are both >= 3");
        var first = collaboration.GetProperty("features")[0];
        Assert.AreEqual("first_person_plural_rate", first.GetProperty("name").GetString());
        Assert.AreEqual("median", first.GetProperty("missing").GetProperty("rule").GetString());
        Assert.IsFalse(root.GetProperty("source").GetString()!.Contains("Password", StringComparison.OrdinalIgnoreCase), "no credentials in the manifest");
    }

    [TestMethod]
    public async Task ExportTrainingData_NonEmptyOutput_RefusesAndWritesNothing()
    {
        await using var db = await CreateDatabaseAsync();
        await SeedAsync(db);
        var output = TempDirectory.Create("export");
        await File.WriteAllTextAsync(Path.Combine(output, "notes.txt"), "keep me");

        var result = await Skillinf.RunAsync("export", "training-data", "--db", db.Connection, "--out", output, "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "is not empty");
        CollectionAssert.AreEqual(new[] { "notes.txt" }, Directory.GetFiles(output).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public async Task ExportTrainingData_UnknownSkill_ErrorListsTheCatalogsSkills()
    {
        await using var db = await CreateDatabaseAsync();

        var result = await Skillinf.RunAsync("export", "training-data", "--db", db.Connection, "--out", Path.Combine(TempDirectory.Create("export"), "data"), "--skill", "colaboration", "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "error: --skill: the catalog has no skill colaboration (it has collaboration, ");
    }

    /// <summary>Three students with features (A: full, rated 5; B: some missing, rated 3; C: unrated for collaboration) and a rating without a student.</summary>
    private static async Task SeedAsync(TestDatabase db)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        db.Use(services.AddSkillInference());
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IDatabaseMigrator>().MigrateAsync();
        var writer = provider.GetRequiredService<IStudentDataWriter>();
        var full = SampleRows.Student(1);
        var linguistic = full.Where(kv => SampleStore.Catalog.Features[kv.Key].Spec.Group == Schema.FeatureGroup.Linguistic).ToDictionary(kv => kv.Key, kv => kv.Value);
        var behavioral = full.Where(kv => SampleStore.Catalog.Features[kv.Key].Spec.Group != Schema.FeatureGroup.Linguistic).ToDictionary(kv => kv.Key, kv => kv.Value);
        linguistic["first_person_plural_rate"] = 18.5;
        linguistic["sentiment"] = 0.1;
        behavioral["peer_replies_per_week"] = 6;
        var partialLinguistic = new Dictionary<string, double?>(linguistic) { ["sentiment"] = null };
        partialLinguistic.Remove("politeness");
        var partialBehavioral = new Dictionary<string, double?>(behavioral) { ["on_time_submission_rate"] = 0.123456789012345 };
        await writer.UpsertStudentFeaturesAsync(
        [
            new StudentFeatures("S-A", linguistic, behavioral, Now),
            new StudentFeatures("S-B", partialLinguistic, partialBehavioral, Now),
            new StudentFeatures("S-C", linguistic, behavioral, Now),
        ]);
        await writer.UpsertTeacherRatingsAsync(
        [
            new TeacherRating("S-A", "collaboration", 5, Now),
            new TeacherRating("S-B", "collaboration", 3, Now),
            new TeacherRating("S-C", "curiosity", 4, Now),
            new TeacherRating("S-Z", "collaboration", 2, Now),
        ]);
    }

    private static string Pseudonym(string studentId) =>
        "p" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(studentId)).AsSpan(0, 12));

    private static async Task<Csv> ReadCsvAsync(string path)
    {
        var lines = await File.ReadAllLinesAsync(path);
        var header = lines[0].Split(',');
        return new Csv(header, [.. lines.Skip(1).Select(l => l.Split(','))]);
    }

    private sealed record Csv(string[] Header, IReadOnlyList<string[]> Rows)
    {
        public Dictionary<string, string> Row(string studentId)
        {
            var row = Rows.SingleOrDefault(r => r[0] == studentId) ?? throw new AssertFailedException($"no row for {studentId}");
            return Header.Select((h, i) => (h, row[i])).ToDictionary(p => p.h, p => p.Item2);
        }
    }
}

/// <summary>The export on the embedded SQLite database, and what is particular to it.</summary>
[TestClass]
public sealed class SqliteExportTrainingDataTests : ExportTrainingDataContractTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult(TestDatabase.Sqlite());

    [TestMethod]
    public async Task ExportTrainingData_MissingDatabaseFile_SaysSo()
    {
        var result = await Skillinf.RunAsync("export", "training-data", "--db", Path.Combine(TempDirectory.Create("none"), "absent.db"), "--out", Path.Combine(TempDirectory.Create("export"), "data"), "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "error: There is no SQLite batch database at ");
    }

    [TestMethod]
    public async Task ExportTrainingData_ElevenThousandStudents_ReportsProgressOnStderr()
    {
        var db = Path.Combine(TempDirectory.Create("sqlite"), "skills.db");
        var seeded = await Skillinf.RunAsync("synth", "students", "--count", "11000", "--db", db, "--catalog", SampleStore.CatalogPath);
        Assert.AreEqual(0, seeded.ExitCode, seeded.ToString());

        var result = await Skillinf.RunAsync("export", "training-data", "--db", db, "--out", Path.Combine(TempDirectory.Create("export"), "data"), "--skill", "persistence", "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "  10,000 students");
        StringAssert.Contains(result.Error, "Exported 11,000 students");
        Assert.DoesNotContain("S00", result.Error + result.Output, "no student ids in the output");
    }

    [TestMethod]
    public async Task ExportTrainingData_NotABatchDatabase_ExplainsInsteadOfCrashing()
    {
        var db = Path.Combine(TempDirectory.Create("sqlite"), "empty.db");
        await File.WriteAllBytesAsync(db, []);

        var result = await Skillinf.RunAsync("export", "training-data", "--db", db, "--out", Path.Combine(TempDirectory.Create("export"), "data"), "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "skillinf db migrate");
        Assert.DoesNotContain("   at ", result.Error, "no stack trace");
    }
}
