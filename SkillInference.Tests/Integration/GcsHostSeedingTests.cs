using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>A host configured for an empty Cloud Storage prefix seeds it with the sample bundles, as it does a folder.</summary>
[TestClass]
[TestCategory("Integration")]
public sealed class GcsHostSeedingTests
{
    [TestMethod]
    public async Task Start_EmptyBucketPrefix_PublishesDeploysAndServesTheSamples()
    {
        await GcsEmulator.RequireAsync();
        var options = GcsEmulator.NewOptions("seeded");
        await using var factory = new SkillInferenceHostFactory(TempDirectory.Create("unused-folder-store"), new Dictionary<string, string?>
        {
            ["SkillInference:Store:Kind"] = "Gcs",
            ["SkillInference:Store:Bucket"] = options.Bucket,
            ["SkillInference:Store:Prefix"] = options.Prefix,
            ["SkillInference:Store:EmulatorHost"] = GcsEmulator.Host,
            ["SkillInference:Samples:SeedWhenEmpty"] = "true",
            ["SkillInference:Samples:Students"] = "1500",
        });

        using var client = await factory.CreateReadyClientAsync(TimeSpan.FromMinutes(2));

        using var store = new SkillInference.GoogleCloud.Storage.GcsModelStore(options);
        var manifests = (await store.ListAsync("skills/", CancellationToken.None)).Where(p => p.EndsWith("/1.0.0/manifest.json", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(SampleStore.Catalog.Skills.Count, manifests);
        Assert.IsNotNull(await store.GetGenerationAsync("registry.json", CancellationToken.None));
        using var response = await client.PostJsonAsync("/api/v1/skills/infer", GcsHostTests.InferBody("curiosity"));
        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
