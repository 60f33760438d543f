using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SkillInference.Engines;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Tests.GoogleCloud;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>
/// A Cloud Storage outage never unloads a serving model: the service reads the registry from the emulator through a
/// <see cref="FlakyHttpHandler"/> that is switched to answer 503 to everything (an outage the emulator cannot stage),
/// and keeps serving what it loaded; when the store comes back, a deployment made meanwhile is picked up.
/// </summary>
[TestClass]
[TestCategory("Integration")]
public sealed class GcsOutageTests
{
    private const string Skill = "collaboration";

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationTokenSource.Token;

    [TestMethod]
    public async Task RefreshAsync_StoreDown_KeepsServingTheLoadedModelsThenLoadsWhatChangedWhenItReturns()
    {
        await GcsEmulator.RequireAsync();
        var options = GcsEmulator.NewOptions("outage");
        options.MaxRetryAttempts = 1;
        using var operatorStore = new GcsModelStore(options);
        await GcsEmulator.CopyAsync(SampleStore.Path, operatorStore, Token);
        using var flaky = new FlakyHttpHandler(new HttpClientHandler());
        using var client = GcsEmulator.CreateClient(flaky);
        using var servingStore = new GcsModelStore(client, options);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference(o => o.RetiredModelGracePeriod = TimeSpan.Zero);
        services.Replace(ServiceDescriptor.Singleton<IModelStore>(servingStore));
        await using var provider = services.BuildServiceProvider();
        var inference = provider.GetRequiredService<ISkillInferenceService>();
        var features = SampleRows.Requests(SampleStore.Catalog[Skill].Schema, 1)[0];
        await inference.RefreshAsync(Token);
        var loaded = inference.LoadedModels.Count;

        flaky.Always = FlakyHttpHandler.Fault.Answer(HttpStatusCode.ServiceUnavailable);
        var registry = new ModelRegistry(operatorStore, formats: BuiltInModelFormats.Create());
        await registry.PublishAsync(TestBundles.WithVersion(await SampleStore.LoadBundleAsync(Skill), "1.1.0"), new ChangeContext("ops-carol"), Token);
        await registry.DeployAsync(Skill, "1.1.0", new ChangeContext("ops-carol"), Token);
        await inference.RefreshAsync(Token);
        var duringOutage = await inference.InferAsync(new InferenceRequest(Skill, features), Token);
        var statusDuringOutage = inference.Status;

        flaky.Always = null;
        await inference.RefreshAsync(Token);
        var afterOutage = await inference.InferAsync(new InferenceRequest(Skill, features), Token);

        Assert.AreEqual(SampleStore.Catalog.Skills.Count, loaded);
        Assert.IsGreaterThan(0, flaky.Faulted);
        Assert.AreEqual("1.0.0", duringOutage.ModelVersion);
        Assert.IsNotNull(statusDuringOutage.LastError, "the failed registry read is reported");
        Assert.Contains("Cloud Storage did not complete", statusDuringOutage.LastError);
        Assert.AreEqual("1.1.0", afterOutage.ModelVersion);
        Assert.IsNull(inference.Status.LastError);
    }
}
