using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Registry;

/// <summary>
/// What every <see cref="IModelStore"/> must do, run against each store: the file-system store
/// (<see cref="FileSystemModelStoreContractTests"/>), the GCS store on the real emulator
/// (Integration/GcsEmulatorModelStoreContractTests) and on a precondition-enforcing fake
/// (GoogleCloud/FakeGcsModelStoreContractTests). Conditional-write refusals are in
/// <see cref="ConditionalWriteContractTests"/>, for the stores that enforce them.
/// </summary>
public abstract class ModelStoreContractTests
{
    protected const string Skill = "collaboration";
    private readonly List<IDisposable> _cleanup = [];

    public TestContext TestContext { get; set; } = null!;

    protected CancellationToken Token => TestContext.CancellationTokenSource.Token;

    /// <summary>A new, empty store. Where the store lists in pages, pages hold 5 names, so listings span several.</summary>
    protected abstract Task<IModelStore> CreateStoreAsync();

    [TestCleanup]
    public void DisposeStores()
    {
        foreach (var disposable in _cleanup)
        {
            disposable.Dispose();
        }
    }

    [TestMethod]
    public async Task ReadAsync_MissingObject_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        var read = await store.ReadAsync("skills/nothing/here.json", Token);

        Assert.IsNull(read);
        Assert.IsNull(await store.GetGenerationAsync("skills/nothing/here.json", Token));
    }

    /// <summary>Sizes around the points where uploads change shape: empty, tiny, above 256 KiB (the smallest upload chunk), above 10 MiB (the client's default chunk: a multi-chunk resumable upload).</summary>
    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow((300 * 1024) + 7)]
    [DataRow((12 * 1024 * 1024) + 3)]
    public async Task WriteAsync_ThenReadAsync_ReturnsTheSameBytesAndGeneration(int size)
    {
        var store = await CreateStoreAsync();
        var content = new byte[size];
        new Random(size).NextBytes(content);

        var generation = await store.WriteAsync("skills/x/1.0.0/model.bin", content, WriteCondition.None, Token);
        var read = await store.ReadAsync("skills/x/1.0.0/model.bin", Token);

        Assert.IsNotNull(read);
        Assert.AreEqual(size, read.Content.Length);
        Assert.IsTrue(content.AsSpan().SequenceEqual(read.Content.Span), "the bytes read differ from the bytes written");
        Assert.AreEqual(generation, read.Generation);
        Assert.AreEqual(generation, await store.GetGenerationAsync("skills/x/1.0.0/model.bin", Token));
    }

    [TestMethod]
    public async Task WriteAsync_Overwrite_ReadsTheNewBytesWithANewGeneration()
    {
        var store = await CreateStoreAsync();
        var first = await store.WriteAsync("doc.json", "one"u8.ToArray(), WriteCondition.None, Token);

        var second = await store.WriteAsync("doc.json", "two"u8.ToArray(), WriteCondition.None, Token);

        Assert.AreNotEqual(first, second);
        Assert.AreEqual("two", await ReadTextAsync(store, "doc.json"));
        Assert.AreEqual(second, await store.GetGenerationAsync("doc.json", Token));
    }

    [TestMethod]
    public async Task WriteAsync_IfNotExistsOnNewObject_Creates()
    {
        var store = await CreateStoreAsync();

        var generation = await store.WriteAsync("new.txt", "first"u8.ToArray(), WriteCondition.IfNotExists, Token);

        Assert.AreEqual("first", await ReadTextAsync(store, "new.txt"));
        Assert.AreEqual(generation, await store.GetGenerationAsync("new.txt", Token));
    }

    [TestMethod]
    public async Task WriteAsync_IfGenerationMatchCurrent_Replaces()
    {
        var store = await CreateStoreAsync();
        var generation = await store.WriteAsync("doc.json", "v1"u8.ToArray(), WriteCondition.None, Token);

        var next = await store.WriteAsync("doc.json", "v2"u8.ToArray(), WriteCondition.IfGenerationMatch(generation), Token);

        Assert.AreEqual("v2", await ReadTextAsync(store, "doc.json"));
        Assert.AreNotEqual(generation, next);
    }

    [TestMethod]
    public async Task ListAsync_Prefix_ReturnsMatchingPathsSorted()
    {
        var store = await CreateStoreAsync();
        foreach (var path in new[] { "skills/curiosity/1.0.0/model.zip", "skills/collaboration/2.0.0/manifest.json", "skills/collaboration/1.0.0/model.zip", "skills/collaboration/1.0.0/manifest.json", "skills/critical_thinking/1.0.0/manifest.json", "registry.json", "other/skills.txt" })
        {
            await store.WriteAsync(path, "x"u8.ToArray(), WriteCondition.None, Token);
        }

        var listed = await store.ListAsync("skills/co", Token);

        CollectionAssert.AreEqual(
            new[] { "skills/collaboration/1.0.0/manifest.json", "skills/collaboration/1.0.0/model.zip", "skills/collaboration/2.0.0/manifest.json" },
            listed.ToArray());
    }

    [TestMethod]
    public async Task ListAsync_EmptyPrefix_ListsEverythingOrdinally()
    {
        var store = await CreateStoreAsync();
        foreach (var path in new[] { "b.json", "a/z.json", "A.json", "a/b/c.json" })
        {
            await store.WriteAsync(path, "x"u8.ToArray(), WriteCondition.None, Token);
        }

        var listed = await store.ListAsync("", Token);

        CollectionAssert.AreEqual(new[] { "A.json", "a/b/c.json", "a/z.json", "b.json" }, listed.ToArray());
    }

    [TestMethod]
    public async Task ListAsync_MoreObjectsThanOnePage_ListsEachOnceInOrder()
    {
        var store = await CreateStoreAsync();
        var expected = Enumerable.Range(0, 23).Select(i => $"skills/s{i % 4}/1.{i}.0/manifest.json").Order(StringComparer.Ordinal).ToArray();
        foreach (var path in expected.Reverse())
        {
            await store.WriteAsync(path, "x"u8.ToArray(), WriteCondition.None, Token);
        }

        var listed = await store.ListAsync("skills/", Token);

        CollectionAssert.AreEqual(expected, listed.ToArray());
    }

    [TestMethod]
    public async Task ListAsync_PrefixOfMissingFolder_ReturnsEmpty()
    {
        var store = await CreateStoreAsync();
        await store.WriteAsync("skills/a/1.0.0/manifest.json", "x"u8.ToArray(), WriteCondition.None, Token);

        var listed = await store.ListAsync("nothing/here/", Token);

        Assert.IsEmpty(listed);
    }

    [TestMethod]
    [DataRow("../outside.json")]
    [DataRow("skills/../../outside.json")]
    [DataRow("skills/./x.json")]
    [DataRow("/etc/passwd")]
    [DataRow("skills//x.json")]
    [DataRow("skills\\x.json")]
    public async Task WriteAsync_InvalidPath_IsRefusedAndWritesNothing(string path)
    {
        var store = await CreateStoreAsync();

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync(path, "x"u8.ToArray(), WriteCondition.None, Token));

        Assert.AreEqual(ModelStoreErrorKind.Refused, ex.Kind);
        Assert.IsEmpty(await store.ListAsync("", Token));
    }

    [TestMethod]
    [DataRow("../outside.json")]
    [DataRow("/etc/passwd")]
    [DataRow("a/./b")]
    public async Task ReadAsync_InvalidPath_IsRefused(string path)
    {
        var store = await CreateStoreAsync();

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.ReadAsync(path, Token));

        Assert.AreEqual(ModelStoreErrorKind.Refused, ex.Kind);
    }

    [TestMethod]
    public async Task Registry_PublishDeployRollbackThroughTheStore_RecordsEachStepAndKeepsBundlesIntact()
    {
        var store = await CreateStoreAsync();
        var registry = new ModelRegistry(store, formats: BuiltInModelFormats.Create());
        var sample = await SampleStore.LoadBundleAsync(Skill);
        var retrained = TestBundles.WithVersion(sample, "1.1.0", "retrained");

        await registry.PublishAsync(sample, new ChangeContext("alice"), Token);
        await registry.PublishAsync(retrained, new ChangeContext("alice"), Token);
        await registry.DeployAsync(Skill, "1.0.0", new ChangeContext("alice"), Token);
        await registry.DeployAsync(Skill, "1.1.0", new ChangeContext("bob", "retrained"), Token);
        var rolledBack = await registry.RollbackAsync(Skill, new ChangeContext("carol", "AUC dropped"), Token);

        CollectionAssert.AreEqual(new[] { Skill }, (await registry.Bundles.ListSkillsAsync(Token)).ToArray());
        CollectionAssert.AreEqual(new[] { "1.0.0", "1.1.0" }, (await registry.Bundles.ListVersionsAsync(Skill, Token)).Select(v => v.ToString()).ToArray());
        var registration = (await registry.ReadAsync(Token)).Document.Skills[Skill];
        Assert.AreEqual("1.0.0", registration.Deployed);
        CollectionAssert.AreEqual(new[] { "deploy", "deploy", "rollback" }, registration.History.Select(e => e.Action).ToArray());
        CollectionAssert.AreEqual(new[] { "alice", "bob", "carol" }, registration.History.Select(e => e.Actor).ToArray());
        Assert.AreEqual(rolledBack.Generation, await store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));
        var loaded = await registry.Bundles.ReadAsync(Skill, "1.1.0", Token);
        Assert.IsTrue(retrained.ModelBytes.Span.SequenceEqual(loaded.ModelBytes.Span));
        Assert.AreEqual("retrained", loaded.Manifest.Description);
    }

    [TestMethod]
    public async Task Service_OverTheStore_ServesTheDeployedVersionAndLoadsANewDeploy()
    {
        var store = await CreateStoreAsync();
        var registry = new ModelRegistry(store, formats: BuiltInModelFormats.Create());
        var sample = await SampleStore.LoadBundleAsync(Skill);
        await registry.PublishAsync(sample, new ChangeContext("alice"), Token);
        await registry.PublishAsync(TestBundles.WithVersion(sample, "1.1.0"), new ChangeContext("alice"), Token);
        await registry.DeployAsync(Skill, "1.0.0", new ChangeContext("alice"), Token);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSkillInference(o => o.RetiredModelGracePeriod = TimeSpan.Zero);
        services.Replace(ServiceDescriptor.Singleton(store));
        await using var provider = services.BuildServiceProvider();
        var inference = provider.GetRequiredService<ISkillInferenceService>();
        var features = SampleRows.Requests(sample.Schema, 1)[0];

        await inference.RefreshAsync(Token);
        var before = await inference.InferAsync(new InferenceRequest(Skill, features), Token);
        await registry.DeployAsync(Skill, "1.1.0", new ChangeContext("bob"), Token);
        await inference.RefreshAsync(Token);
        var after = await inference.InferAsync(new InferenceRequest(Skill, features), Token);

        Assert.AreEqual("1.0.0", before.ModelVersion);
        Assert.AreEqual("1.1.0", after.ModelVersion);
        Assert.AreEqual(before.Score, after.Score, "the same model under another version scores the same");
    }

    /// <summary>Disposes <paramref name="disposable"/> after the test.</summary>
    protected T DisposeAfterTest<T>(T disposable)
        where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    protected async Task<string> ReadTextAsync(IModelStore store, string path) =>
        Encoding.UTF8.GetString((await store.ReadAsync(path, Token))!.Content.Span);
}
