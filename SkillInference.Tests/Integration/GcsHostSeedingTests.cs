using Microsoft.Extensions.DependencyInjection;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// Sample seeding of a Cloud Storage prefix happens only when asked: by default (a typo in a production prefix) the host
/// trains and deploys nothing into the bucket and says it is not ready; with <c>Samples:SeedWhenEmpty</c> it seeds.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class GcsHostSeedingTests
{
    [TestMethod]
    public async Task Start_EmptyBucketPrefixWithDefaultSettings_WritesNothingAndIsNotReady()
    {
        await GcsEmulator.RequireAsync();
        var options = GcsEmulator.NewOptions("typo-prefix");
        await using var factory = new SkillInferenceHostFactory(TempDirectory.Create("unused-folder-store"), new Dictionary<string, string?>
        {
            ["SkillInference:Store:Kind"] = "Gcs",
            ["SkillInference:Store:Bucket"] = options.Bucket,
            ["SkillInference:Store:Prefix"] = options.Prefix,
            ["SkillInference:Store:EmulatorHost"] = GcsEmulator.Host,
            ["SkillInference:Samples:SeedWhenEmpty"] = null, // the factory's "false" removed: the host's own default
        });
        using var client = factory.CreateClient();
        var catalog = factory.Services.GetRequiredService<SkillInference.Loading.ModelCatalog>();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!catalog.Current.Initialized && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.IsTrue(catalog.Current.Initialized, "the catalog read the (empty) registry");
        Assert.AreEqual(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        StringAssert.Contains(await ready.Content.ReadAsStringAsync(), "No skill is deployed");
        using var store = new SkillInference.GoogleCloud.Storage.GcsModelStore(options);
        Assert.IsEmpty(await store.ListAsync("", CancellationToken.None), "nothing was trained into the bucket");
        Assert.IsNull(await store.GetGenerationAsync("registry.json", CancellationToken.None));
    }

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
