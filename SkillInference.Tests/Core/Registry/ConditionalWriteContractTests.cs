using System.Globalization;
using System.Text;
using SkillInference.Engines;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Registry;

/// <summary>
/// The compare-and-swap half of the store contract, for stores that enforce write conditions: the file-system store
/// and the GCS store against a precondition-enforcing fake (the GCS emulator ignores preconditions). Each test also
/// opens a second client of the same store, as a second operator would.
/// </summary>
public abstract class ConditionalWriteContractTests : ModelStoreContractTests
{
    /// <summary>Another client of the same store (same location), as a second process would open it.</summary>
    protected abstract IModelStore OpenAgain(IModelStore store);

    [TestMethod]
    public async Task WriteAsync_IfNotExistsOnExistingObject_ThrowsPreconditionFailedAndKeepsContent()
    {
        var store = await CreateStoreAsync();
        await store.WriteAsync("immutable.txt", "first"u8.ToArray(), WriteCondition.None, Token);

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => OpenAgain(store).WriteAsync("immutable.txt", "second"u8.ToArray(), WriteCondition.IfNotExists, Token));

        Assert.AreEqual(ModelStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.IsFalse(ex.IsTransient);
        Assert.AreEqual("first", await ReadTextAsync(store, "immutable.txt"));
    }

    [TestMethod]
    public async Task WriteAsync_IfGenerationMatchStale_ThrowsPreconditionFailedAndKeepsContent()
    {
        var store = await CreateStoreAsync();
        var stale = await store.WriteAsync("doc.json", "v1"u8.ToArray(), WriteCondition.None, Token);
        await OpenAgain(store).WriteAsync("doc.json", "v2"u8.ToArray(), WriteCondition.IfGenerationMatch(stale), Token);

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync("doc.json", "v3"u8.ToArray(), WriteCondition.IfGenerationMatch(stale), Token));

        Assert.AreEqual(ModelStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.AreEqual("v2", await ReadTextAsync(store, "doc.json"));
    }

    [TestMethod]
    public async Task WriteAsync_IfGenerationMatchOnMissingObject_ThrowsPreconditionFailedAndCreatesNothing()
    {
        var store = await CreateStoreAsync();
        var generation = await store.WriteAsync("doc.json", "v1"u8.ToArray(), WriteCondition.None, Token);

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync("other.json", "v1"u8.ToArray(), WriteCondition.IfGenerationMatch(generation), Token));

        Assert.AreEqual(ModelStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.IsNull(await store.ReadAsync("other.json", Token));
    }

    [TestMethod]
    public async Task WriteAsync_TwoClientsRetryingCompareAndSwap_LoseNoUpdate()
    {
        var first = await CreateStoreAsync();
        IModelStore[] stores = [first, OpenAgain(first)];
        await first.WriteAsync("counter.txt", "0"u8.ToArray(), WriteCondition.IfNotExists, Token);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var conflicts = 0;

        var tasks = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            var store = stores[i % 2];
            await start.Task;
            while (true)
            {
                var read = (await store.ReadAsync("counter.txt", Token))!;
                var value = int.Parse(Encoding.UTF8.GetString(read.Content.Span), CultureInfo.InvariantCulture);
                try
                {
                    await store.WriteAsync("counter.txt", Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture)), WriteCondition.IfGenerationMatch(read.Generation), Token);
                    return;
                }
                catch (ModelStoreException ex) when (ex.Kind == ModelStoreErrorKind.PreconditionFailed)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(tasks);

        Assert.AreEqual("12", await ReadTextAsync(stores[1], "counter.txt"));
        TestContext.WriteLine($"{conflicts} compare-and-swap conflicts were retried.");
    }

    [TestMethod]
    public async Task Registry_DeployWhileAnotherOperatorDeploys_ThrowsConflictAndKeepsTheirChange()
    {
        var store = await CreateStoreAsync();
        var setup = new ModelRegistry(store, formats: BuiltInModelFormats.Create());
        var sample = await SampleStore.LoadBundleAsync(Skill);
        foreach (var version in new[] { "1.0.0", "1.1.0", "1.2.0" })
        {
            await setup.PublishAsync(TestBundles.WithVersion(sample, version), new ChangeContext("alice"), Token);
        }

        await setup.DeployAsync(Skill, "1.0.0", new ChangeContext("alice"), Token);
        var bob = new ModelRegistry(OpenAgain(store), formats: BuiltInModelFormats.Create());

        // Alice reads the registry, then Bob's deploy lands before her write.
        var alice = new ModelRegistry(
            new InterleavingModelStore(store, ModelRegistry.RegistryPath, () => bob.DeployAsync(Skill, "1.2.0", new ChangeContext("bob"), Token)),
            formats: BuiltInModelFormats.Create());

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => alice.DeployAsync(Skill, "1.1.0", new ChangeContext("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.Conflict, ex.Kind);
        var registration = (await setup.ReadAsync(Token)).Document.Skills[Skill];
        Assert.AreEqual("1.2.0", registration.Deployed);
        CollectionAssert.AreEqual(new[] { "alice", "bob" }, registration.History.Select(e => e.Actor).ToArray());
    }
}
