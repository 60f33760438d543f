using System.Text.Json;
using Microsoft.Extensions.Logging;
using SkillInference.Engines;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Registry;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// The host configured for Cloud Storage (<c>SkillInference:Store:Kind=Gcs</c>, <c>Bucket</c>, <c>Prefix</c>) against
/// the emulator: it serves the bundles an operator published to the bucket, and loads a new deployment when the
/// registry object changes.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class GcsHostTests
{
    private static SkillInferenceHostFactory _factory = null!;
    private static HttpClient _client = null!;
    private static GcsModelStore _operatorStore = null!;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        await GcsEmulator.RequireAsync();
        var options = GcsEmulator.NewOptions("host");
        _operatorStore = new GcsModelStore(options);
        await GcsEmulator.CopyAsync(SampleStore.Path, _operatorStore);
        _factory = new SkillInferenceHostFactory(TempDirectory.Create("unused-folder-store"), new Dictionary<string, string?>
        {
            ["SkillInference:Store:Kind"] = "Gcs",
            ["SkillInference:Store:Bucket"] = options.Bucket,
            ["SkillInference:Store:Prefix"] = options.Prefix,
            ["SkillInference:Store:EmulatorHost"] = GcsEmulator.Host,
            ["SkillInference:ReloadInterval"] = "00:00:01",
        });
        _client = await _factory.CreateReadyClientAsync(TimeSpan.FromMinutes(1));
    }

    [ClassCleanup]
    public static async Task ClassCleanupAsync()
    {
        _client?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        _operatorStore?.Dispose();
    }

    [TestMethod]
    public async Task Infer_BundlePublishedToTheBucket_IsServed()
    {
        using var response = await _client.PostJsonAsync("/api/v1/skills/infer", InferBody("communication"));
        var body = await response.ReadJsonAsync();

        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode, body.ToJsonString());
        Assert.AreEqual("1.0.0", body["modelVersion"]!.GetValue<string>());
        Assert.AreEqual($"gs://{GcsEmulator.Bucket}/{GcsModelStoreOptions.FromUri(_operatorStore.Location).Prefix}", _factory.Registry.Store.Location);
    }

    [TestMethod]
    public async Task Deploy_NewVersionPublishedToTheBucket_IsLoadedWithoutARestart()
    {
        var registry = new ModelRegistry(_operatorStore, formats: BuiltInModelFormats.Create());
        var sample = await SampleStore.LoadBundleAsync("collaboration");
        await registry.PublishAsync(TestBundles.WithVersion(sample, "1.1.0", "retrained"), new ChangeContext("ops-carol"));

        await registry.DeployAsync("collaboration", "1.1.0", new ChangeContext("ops-carol", "hot reload test"));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? served = null;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await _client.PostJsonAsync("/api/v1/skills/infer", InferBody("collaboration"));
            served = (await response.ReadJsonAsync())["modelVersion"]?.GetValue<string>();
            if (served == "1.1.0")
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.AreEqual("1.1.0", served);
        Assert.IsTrue(_factory.Logs.GetSnapshot().Any(r => r.Id.Id == 2003 && r.Level == LogLevel.Information && r.Message.Contains("collaboration@1.1.0", StringComparison.Ordinal)));
    }

    /// <summary>An infer request with a complete row of the synthetic data for the skill.</summary>
    internal static string InferBody(string skill) => JsonSerializer.Serialize(new
    {
        skill,
        features = SampleRows.CompleteRequests(SampleStore.Catalog[skill].Schema, 1)[0],
    });
}
