using System.Net;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>
/// The OpenAPI document is the HTTP contract: it is kept as a snapshot so any change shows up as a diff. After an
/// intended change, run the tests with <c>UPDATE_SNAPSHOTS=1</c> to rewrite the snapshot, and commit it.
/// </summary>
[TestClass]
public sealed class OpenApiDocumentTests
{
    private const string SnapshotRelativePath = "Host/Snapshots/openapi-v1.json";

    [TestMethod]
    public async Task OpenApiDocument_Served_MatchesTheCommittedSnapshot()
    {
        // The document does not depend on the models: an empty store keeps the host cheap.
        await using var factory = new SkillInferenceHostFactory(TempDirectory.Create("openapi-store"));
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var actual = Normalize(await response.Content.ReadAsStringAsync());
        var snapshot = SnapshotPath();

        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            await File.WriteAllTextAsync(snapshot, actual);
            return;
        }

        Assert.IsTrue(File.Exists(snapshot), $"No snapshot at {snapshot}; run the tests once with UPDATE_SNAPSHOTS=1.");
        var expected = Normalize(await File.ReadAllTextAsync(snapshot));
        Assert.AreEqual(expected, actual, $"The OpenAPI document differs from {snapshot}. If the change is intended, run the tests with UPDATE_SNAPSHOTS=1 and commit the snapshot.");
    }

    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd() + "\n";

    /// <summary>The snapshot in the source tree: the test project folder is an ancestor of the build output.</summary>
    private static string SnapshotPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SkillInference.Tests.csproj")))
            {
                return Path.Combine(dir.FullName, SnapshotRelativePath);
            }

            var nested = Path.Combine(dir.FullName, "SkillInference.Tests", "SkillInference.Tests.csproj");
            if (File.Exists(nested))
            {
                return Path.Combine(dir.FullName, "SkillInference.Tests", SnapshotRelativePath);
            }
        }

        throw new InvalidOperationException($"No SkillInference.Tests project folder above {AppContext.BaseDirectory}.");
    }
}
