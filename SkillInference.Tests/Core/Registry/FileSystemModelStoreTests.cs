using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Registry;

[TestClass]
public sealed class FileSystemModelStoreTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationTokenSource.Token;

    [TestMethod]
    public async Task ReadAsync_MissingObject_ReturnsNull()
    {
        var store = NewStore();

        var read = await store.ReadAsync("skills/nothing/here.json", Token);

        Assert.IsNull(read);
        Assert.IsNull(await store.GetGenerationAsync("skills/nothing/here.json", Token));
    }

    [TestMethod]
    public async Task WriteAsync_ThenReadAsync_ReturnsContentAndSameGeneration()
    {
        var store = NewStore();
        var content = Encoding.UTF8.GetBytes("{\"hello\":\"world\"}");

        var generation = await store.WriteAsync("a/b/c.json", content, WriteCondition.None, Token);
        var read = await store.ReadAsync("a/b/c.json", Token);

        Assert.IsNotNull(read);
        CollectionAssert.AreEqual(content, read.Content.ToArray());
        Assert.AreEqual(generation, read.Generation);
        Assert.AreEqual(generation, await store.GetGenerationAsync("a/b/c.json", Token));
        CollectionAssert.AreEqual(content, await File.ReadAllBytesAsync(Path.Combine(store.Location, "a", "b", "c.json"), Token));
    }

    [TestMethod]
    public async Task WriteAsync_IfNotExistsOnNewObject_Creates()
    {
        var store = NewStore();

        await store.WriteAsync("new.txt", "first"u8.ToArray(), WriteCondition.IfNotExists, Token);

        Assert.AreEqual("first", await ReadTextAsync(store, "new.txt"));
    }

    [TestMethod]
    public async Task WriteAsync_IfNotExistsOnExistingObject_ThrowsPreconditionFailedAndKeepsContent()
    {
        var store = NewStore();
        await store.WriteAsync("immutable.txt", "first"u8.ToArray(), WriteCondition.None, Token);

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync("immutable.txt", "second"u8.ToArray(), WriteCondition.IfNotExists, Token));

        Assert.AreEqual(ModelStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.IsFalse(ex.IsTransient);
        Assert.AreEqual("first", await ReadTextAsync(store, "immutable.txt"));
    }

    [TestMethod]
    public async Task WriteAsync_IfGenerationMatchCurrent_Replaces()
    {
        var store = NewStore();
        var generation = await store.WriteAsync("doc.json", "v1"u8.ToArray(), WriteCondition.None, Token);

        var next = await store.WriteAsync("doc.json", "v2"u8.ToArray(), WriteCondition.IfGenerationMatch(generation), Token);

        Assert.AreEqual("v2", await ReadTextAsync(store, "doc.json"));
        Assert.AreNotEqual(generation, next);
    }

    [TestMethod]
    public async Task WriteAsync_IfGenerationMatchStale_ThrowsPreconditionFailedAndKeepsContent()
    {
        var store = NewStore();
        var stale = await store.WriteAsync("doc.json", "v1"u8.ToArray(), WriteCondition.None, Token);
        await store.WriteAsync("doc.json", "v2"u8.ToArray(), WriteCondition.IfGenerationMatch(stale), Token);

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync("doc.json", "v3"u8.ToArray(), WriteCondition.IfGenerationMatch(stale), Token));

        Assert.AreEqual(ModelStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.AreEqual("v2", await ReadTextAsync(store, "doc.json"));
    }

    [TestMethod]
    public async Task WriteAsync_IfGenerationMatchOnMissingObject_ThrowsPreconditionFailed()
    {
        var store = NewStore();
        var generation = await NewStore().WriteAsync("doc.json", "v1"u8.ToArray(), WriteCondition.None, Token);

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync("doc.json", "v1"u8.ToArray(), WriteCondition.IfGenerationMatch(generation), Token));

        Assert.AreEqual(ModelStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.IsNull(await store.ReadAsync("doc.json", Token));
    }

    [TestMethod]
    public async Task WriteAsync_ContentChanges_GenerationChanges()
    {
        var store = NewStore();

        var first = await store.WriteAsync("doc.json", "one"u8.ToArray(), WriteCondition.None, Token);
        var second = await store.WriteAsync("doc.json", "two"u8.ToArray(), WriteCondition.None, Token);

        Assert.AreNotEqual(first, second);
        Assert.AreEqual(second, await store.GetGenerationAsync("doc.json", Token));
    }

    [TestMethod]
    public async Task WriteAsync_PlainAndConditionalWrites_LeaveNoTemporaryOrLockFiles()
    {
        var store = NewStore();

        await store.WriteAsync("x/doc.json", "one"u8.ToArray(), WriteCondition.None, Token);
        await store.WriteAsync("x/doc.json", "two"u8.ToArray(), WriteCondition.IfGenerationMatch(await store.GetGenerationAsync("x/doc.json", Token) ?? "none"), Token);

        CollectionAssert.AreEqual(new[] { "doc.json" }, Directory.GetFiles(Path.Combine(store.Location, "x")).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public async Task ListAsync_Prefix_ReturnsMatchingPathsSortedWithoutLockAndTempFiles()
    {
        var store = NewStore();
        foreach (var path in new[] { "skills/curiosity/1.0.0/model.zip", "skills/collaboration/2.0.0/manifest.json", "skills/collaboration/1.0.0/model.zip", "skills/collaboration/1.0.0/manifest.json", "skills/critical_thinking/1.0.0/manifest.json", "registry.json", "other/skills.txt" })
        {
            await store.WriteAsync(path, "x"u8.ToArray(), WriteCondition.None, Token);
        }

        var folder = Path.Combine(store.Location, "skills", "collaboration", "1.0.0");
        await File.WriteAllTextAsync(Path.Combine(folder, "manifest.json.lock"), "", Token);
        await File.WriteAllTextAsync(Path.Combine(folder, "manifest.json.tmp-1a2b3c4d"), "", Token);

        var listed = await store.ListAsync("skills/co", Token);

        CollectionAssert.AreEqual(
            new[] { "skills/collaboration/1.0.0/manifest.json", "skills/collaboration/1.0.0/model.zip", "skills/collaboration/2.0.0/manifest.json" },
            listed.ToArray());
    }

    [TestMethod]
    public async Task ListAsync_EmptyPrefix_ListsEverythingOrdinally()
    {
        var store = NewStore();
        foreach (var path in new[] { "b.json", "a/z.json", "A.json", "a/b/c.json" })
        {
            await store.WriteAsync(path, "x"u8.ToArray(), WriteCondition.None, Token);
        }

        var listed = await store.ListAsync("", Token);

        CollectionAssert.AreEqual(new[] { "A.json", "a/b/c.json", "a/z.json", "b.json" }, listed.ToArray());
    }

    [TestMethod]
    public async Task ListAsync_PrefixOfMissingFolder_ReturnsEmpty()
    {
        var store = NewStore();
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
    [DataRow("skills/")]
    public async Task WriteAsync_InvalidPath_IsRefusedAndWritesNothing(string path)
    {
        var root = TempDirectory.Create("store");
        var store = new FileSystemModelStore(Path.Combine(root, "inner"));

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync(path, "x"u8.ToArray(), WriteCondition.None, Token));

        Assert.AreEqual(ModelStoreErrorKind.Refused, ex.Kind);
        Assert.IsEmpty(Directory.GetFiles(root, "*", SearchOption.AllDirectories));
    }

    [TestMethod]
    [DataRow("../outside.json")]
    [DataRow("/etc/passwd")]
    [DataRow("a/./b")]
    public async Task ReadAsync_InvalidPath_IsRefused(string path)
    {
        var store = NewStore();

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.ReadAsync(path, Token));

        Assert.AreEqual(ModelStoreErrorKind.Refused, ex.Kind);
    }

    [TestMethod]
    public async Task WriteAsync_TwoStoresRacingCompareAndSwap_ReflectsExactlyTheSuccessfulIncrements()
    {
        var root = TempDirectory.Create("store");
        IModelStore[] stores = [new FileSystemModelStore(root), new FileSystemModelStore(root)];
        await stores[0].WriteAsync("counter.txt", "0"u8.ToArray(), WriteCondition.IfNotExists, Token);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var successes = 0;
        var failures = new ConcurrentBag<ModelStoreErrorKind>();

        var tasks = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            var store = stores[i % 2];
            await start.Task;
            var read = (await store.ReadAsync("counter.txt", Token))!;
            var value = int.Parse(Encoding.UTF8.GetString(read.Content.Span), CultureInfo.InvariantCulture);
            try
            {
                await store.WriteAsync("counter.txt", Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture)), WriteCondition.IfGenerationMatch(read.Generation), Token);
                Interlocked.Increment(ref successes);
            }
            catch (ModelStoreException ex)
            {
                failures.Add(ex.Kind);
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(tasks);

        var final = int.Parse(await ReadTextAsync(stores[1], "counter.txt"), CultureInfo.InvariantCulture);
        Assert.AreEqual(successes, final);
        Assert.AreEqual(20, successes + failures.Count);
        Assert.IsTrue(failures.All(k => k == ModelStoreErrorKind.PreconditionFailed), string.Join(", ", failures));
        Assert.IsGreaterThanOrEqualTo(1, successes);
    }

    [TestMethod]
    public async Task WriteAsync_TwoStoresRetryingCompareAndSwap_LoseNoUpdate()
    {
        var root = TempDirectory.Create("store");
        IModelStore[] stores = [new FileSystemModelStore(root), new FileSystemModelStore(root)];
        await stores[0].WriteAsync("counter.txt", "0"u8.ToArray(), WriteCondition.IfNotExists, Token);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var conflicts = 0;

        var tasks = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
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

        Assert.AreEqual("20", await ReadTextAsync(stores[0], "counter.txt"));
        TestContext.WriteLine($"{conflicts} compare-and-swap conflicts were retried.");
    }

    private static FileSystemModelStore NewStore() => new(TempDirectory.Create("store"));

    private async Task<string> ReadTextAsync(IModelStore store, string path) =>
        Encoding.UTF8.GetString((await store.ReadAsync(path, Token))!.Content.Span);
}
