using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using SkillInference.Bundles;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Registry;

[TestClass]
public sealed class ModelRegistryTests
{
    private const string Skill = "collaboration";
    private static ModelBundle _sample = null!;
    private static ModelBundle _withoutHedging = null!;

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationTokenSource.Token;

    [ClassInitialize]
    public static async Task ClassInitializeAsync(TestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _sample = await SampleStore.LoadBundleAsync(Skill);

        // A real model on a changed schema: one feature removed.
        _withoutHedging = TestBundles.Train(Skill, "2.0.0", features => features.Where(f => f.Name != "hedging_rate"), trees: 10);
    }

    [TestMethod]
    public async Task PublishAsync_VersionAlreadyPublished_ThrowsVersionExists()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.PublishAsync(_sample, Actor("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.VersionExists, ex.Kind);
    }

    [TestMethod]
    public async Task PublishAsync_MinorVersionSameSchema_IsListedAndLoadable()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());
        var bundle = TestBundles.WithVersion(_sample, "1.1.0", "retrained");

        var result = await registry.PublishAsync(bundle, Actor("alice"), Token);

        Assert.AreEqual(new SemanticVersion(1, 1, 0), result.Version);
        Assert.IsFalse(result.SchemaChanged);
        CollectionAssert.AreEqual(new[] { "1.0.0", "1.1.0" }, (await registry.Bundles.ListVersionsAsync(Skill, Token)).Select(v => v.ToString()).ToArray());
        var loaded = await registry.Bundles.ReadAsync(Skill, "1.1.0", Token);
        CollectionAssert.AreEqual(bundle.ModelBytes.ToArray(), loaded.ModelBytes.ToArray());
        Assert.AreEqual("retrained", (await registry.Bundles.GetManifestAsync(Skill, "1.1.0", Token))!.Description);
    }

    [TestMethod]
    public async Task PublishAsync_NewVersion_DoesNotChangeDeployment()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());
        var before = await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token);

        await registry.PublishAsync(TestBundles.WithVersion(_sample, "1.1.0"), Actor("alice"), Token);

        Assert.AreEqual(before, await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));
        Assert.AreEqual("1.0.0", (await registry.ReadAsync(Token)).Document.Skills[Skill].Deployed);
    }

    [TestMethod]
    public async Task PublishAsync_ChangedSchemaWithoutMajorBump_ThrowsSemverViolationAndPublishesNothing()
    {
        var path = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(path);
        var bundle = TestBundles.WithVersion(_withoutHedging, "1.2.0");

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.PublishAsync(bundle, Actor("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.SemverViolation, ex.Kind);
        Assert.IsFalse(Directory.Exists(Path.Combine(path, "skills", Skill, "1.2.0")));
    }

    [TestMethod]
    public async Task PublishAsync_ChangedSchemaWithMajorBump_SucceedsAndReportsSchemaChange()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());

        var result = await registry.PublishAsync(_withoutHedging, Actor("alice"), Token);

        Assert.IsTrue(result.SchemaChanged);
        Assert.AreEqual(new SemanticVersion(2, 0, 0), result.Version);
        Assert.Contains(new SemanticVersion(2, 0, 0), await registry.Bundles.ListVersionsAsync(Skill, Token));
    }

    [TestMethod]
    public async Task PublishAsync_ChangedSchemaBesideSameMajorSibling_ThrowsSemverViolation()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());
        await registry.PublishAsync(_withoutHedging, Actor("alice"), Token);

        // 2.1.0 goes back to the 1.x schema: within MAJOR 2 that is a schema change.
        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.PublishAsync(TestBundles.WithVersion(_sample, "2.1.0"), Actor("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.SemverViolation, ex.Kind);
    }

    [TestMethod]
    public async Task PublishAsync_ModelThatDoesNotLoad_ThrowsInvalidModel()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());
        var broken = ModelBundle.Create(_sample.Manifest with { Version = "1.1.0" }, Encoding.UTF8.GetBytes("this is not a zip"));

        var ex = await Assert.ThrowsExactlyAsync<BundleValidationException>(() => registry.PublishAsync(broken, Actor("alice"), Token));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.DoesNotContain(new SemanticVersion(1, 1, 0), await registry.Bundles.ListVersionsAsync(Skill, Token));
    }

    [TestMethod]
    public void Parse_ManifestSha256Wrong_ThrowsChecksumMismatch()
    {
        var manifest = JsonNode.Parse(_sample.SerializeManifest())!;
        manifest["sha256"] = new string('a', 64);

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => ModelBundle.Parse(Encoding.UTF8.GetBytes(manifest.ToJsonString()), _sample.ModelBytes));

        Assert.AreEqual(BundleValidationErrorKind.ChecksumMismatch, ex.Kind);
    }

    [TestMethod]
    public async Task DeployAsync_ModelFileCorruptedInStore_IsRefusedAndRegistryUnchanged()
    {
        var path = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(path);
        await registry.PublishAsync(TestBundles.WithVersion(_sample, "1.1.0"), Actor("alice"), Token);
        await CorruptModelFileAsync(path, "1.1.0");
        var before = await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token);

        var ex = await Assert.ThrowsExactlyAsync<BundleValidationException>(() => registry.DeployAsync(Skill, "1.1.0", Actor("alice"), Token));

        Assert.AreEqual(BundleValidationErrorKind.ChecksumMismatch, ex.Kind);
        Assert.AreEqual(before, await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));
    }

    [TestMethod]
    public async Task LoadBundleAsync_ModelFileCorruptedInStore_ThrowsChecksumMismatch()
    {
        var path = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(path);
        await CorruptModelFileAsync(path, "1.0.0");

        var ex = await Assert.ThrowsExactlyAsync<BundleValidationException>(() => registry.Bundles.ReadAsync(Skill, "1.0.0", Token));

        Assert.AreEqual(BundleValidationErrorKind.ChecksumMismatch, ex.Kind);
    }

    [TestMethod]
    public async Task LoadBundleAsync_ModelFileDeletedInStore_ThrowsInvalidModel()
    {
        var path = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(path);
        File.Delete(Path.Combine(path, "skills", Skill, "1.0.0", "model.zip"));

        var ex = await Assert.ThrowsExactlyAsync<BundleValidationException>(() => registry.Bundles.ReadAsync(Skill, "1.0.0", Token));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
    }

    [TestMethod]
    public async Task DeployAsync_UnknownVersion_ThrowsVersionNotFound()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.DeployAsync(Skill, "9.9.9", Actor("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.VersionNotFound, ex.Kind);
        Assert.Contains("1.0.0", ex.Message);
    }

    [TestMethod]
    public async Task DeployAsync_UnknownSkill_ThrowsSkillNotFound()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.DeployAsync("juggling", "1.0.0", Actor("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.SkillNotFound, ex.Kind);
    }

    [TestMethod]
    public async Task DeployAsync_InvalidVersionText_ThrowsInvalidRequest()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.DeployAsync(Skill, "1.1", Actor("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.InvalidRequest, ex.Kind);
    }

    [TestMethod]
    public async Task DeployAsync_NewVersion_RecordsActorTimeAndReason()
    {
        var now = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var path = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(path, new FakeTimeProvider(now));
        await registry.PublishAsync(TestBundles.WithVersion(_sample, "1.1.0"), Actor("alice"), Token);

        await registry.DeployAsync(Skill, "1.1.0", new ChangeContext("alice@example.org", "better AUC on the spring cohort"), Token);

        // Read back through a fresh registry: the record is in the store, not only in memory.
        var document = (await SampleStore.OpenRegistry(path).ReadAsync(Token)).Document;
        var registration = document.Skills[Skill];
        var last = registration.History[^1];
        Assert.AreEqual("1.1.0", registration.Deployed);
        Assert.AreEqual(RegistryActions.Deploy, last.Action);
        Assert.AreEqual("1.1.0", last.Version);
        Assert.AreEqual("1.0.0", last.Previous);
        Assert.AreEqual("alice@example.org", last.Actor);
        Assert.AreEqual(now, last.At);
        Assert.AreEqual("better AUC on the spring cohort", last.Reason);
        Assert.AreEqual(now, document.UpdatedAt);
        Assert.AreEqual("alice@example.org", document.UpdatedBy);
    }

    [TestMethod]
    public async Task DeployAsync_OtherSkills_AreLeftUntouched()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());
        await registry.PublishAsync(TestBundles.WithVersion(_sample, "1.1.0"), Actor("alice"), Token);
        var before = (await registry.ReadAsync(Token)).Document;

        var after = (await registry.DeployAsync(Skill, "1.1.0", Actor("alice"), Token)).Document;

        Assert.HasCount(7, after.Skills);
        foreach (var (skill, registration) in before.Skills.Where(s => s.Key != Skill))
        {
            Assert.AreEqual(registration.Deployed, after.Skills[skill].Deployed, skill);
            Assert.HasCount(registration.History.Count, after.Skills[skill].History, skill);
        }
    }

    [TestMethod]
    public async Task DeployAsync_AlreadyDeployedVersion_WritesNothing()
    {
        var path = SampleStore.Copy();
        var registry = SampleStore.OpenRegistry(path);
        var before = await File.ReadAllBytesAsync(Path.Combine(path, ModelRegistry.RegistryPath), Token);
        var generation = await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token);

        var snapshot = await registry.DeployAsync(Skill, "1.0.0", Actor("alice"), Token);

        Assert.AreEqual(generation, snapshot.Generation);
        Assert.AreEqual(generation, await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));
        CollectionAssert.AreEqual(before, await File.ReadAllBytesAsync(Path.Combine(path, ModelRegistry.RegistryPath), Token));
    }

    [TestMethod]
    public async Task RollbackAsync_AfterThreeDeployments_StepsBackOneAtATimeThenRefuses()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());
        await registry.PublishAsync(TestBundles.WithVersion(_sample, "1.1.0"), Actor("alice"), Token);
        await registry.PublishAsync(TestBundles.WithVersion(_sample, "1.2.0"), Actor("alice"), Token);
        await registry.DeployAsync(Skill, "1.1.0", Actor("alice"), Token);
        await registry.DeployAsync(Skill, "1.2.0", Actor("alice"), Token);

        var first = await registry.RollbackAsync(Skill, Actor("bob", "1.2.0 misbehaves"), Token);
        var second = await registry.RollbackAsync(Skill, Actor("bob"), Token);
        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.RollbackAsync(Skill, Actor("bob"), Token));

        Assert.AreEqual("1.1.0", first.Document.Skills[Skill].Deployed);
        Assert.AreEqual("1.0.0", second.Document.Skills[Skill].Deployed);
        Assert.AreEqual(RegistryErrorKind.NothingToRollBack, ex.Kind);
        var rollbacks = second.Document.Skills[Skill].History.Where(e => e.Action == RegistryActions.Rollback).ToArray();
        Assert.HasCount(2, rollbacks);
        Assert.AreEqual("1.1.0", rollbacks[0].Version);
        Assert.AreEqual("1.2.0", rollbacks[0].Previous);
        Assert.AreEqual("bob", rollbacks[0].Actor);
        Assert.AreEqual("1.2.0 misbehaves", rollbacks[0].Reason);
        Assert.AreEqual("1.0.0", rollbacks[1].Version);
        Assert.AreEqual("1.1.0", rollbacks[1].Previous);
    }

    [TestMethod]
    public async Task RollbackAsync_SkillNeverDeployed_ThrowsSkillNotFound()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.RollbackAsync("juggling", Actor("bob"), Token));

        Assert.AreEqual(RegistryErrorKind.SkillNotFound, ex.Kind);
    }

    [TestMethod]
    public async Task DeployAsync_RegistryChangedBetweenReadAndWrite_ThrowsConflictAndKeepsOtherChange()
    {
        var path = SampleStore.Copy();
        var other = SampleStore.OpenRegistry(path);
        await other.PublishAsync(TestBundles.WithVersion(_sample, "1.1.0"), Actor("alice"), Token);
        await other.PublishAsync(TestBundles.WithVersion(_sample, "1.2.0"), Actor("alice"), Token);
        var store = new InterleavingStore(new FileSystemModelStore(path))
        {
            // Runs after this registry has read its snapshot and before it writes: another operator gets in first.
            BeforeRegistryWrite = () => other.DeployAsync(Skill, "1.2.0", Actor("bob"), Token),
        };
        var registry = new ModelRegistry(store);

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.DeployAsync(Skill, "1.1.0", Actor("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.Conflict, ex.Kind);
        var registration = (await other.ReadAsync(Token)).Document.Skills[Skill];
        Assert.AreEqual("1.2.0", registration.Deployed);
        Assert.AreEqual("bob", registration.History[^1].Actor);
        Assert.IsFalse(registration.History.Any(e => e.Actor == "alice"));
    }

    [TestMethod]
    public async Task DeployAsync_TwoRegistriesDeployingConcurrently_HistoryHoldsExactlyTheSuccessfulDeploys()
    {
        const int operators = 12;
        var path = SampleStore.Copy();
        var publisher = new ModelRegistry(new FileSystemModelStore(path));
        for (var i = 1; i <= operators; i++)
        {
            await publisher.PublishAsync(TestBundles.WithVersion(_sample, $"1.{i}.0"), Actor("publisher"), Token);
        }

        ModelRegistry[] registries = [new(new FileSystemModelStore(path)), new(new FileSystemModelStore(path))];
        var initialHistory = (await registries[0].ReadAsync(Token)).Document.Skills[Skill].History.Count;
        var succeeded = new ConcurrentBag<(string Actor, string Version)>();
        var conflicts = 0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var tasks = Enumerable.Range(1, operators).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var actor = $"operator-{i}";
            var version = $"1.{i}.0";
            try
            {
                await registries[i % 2].DeployAsync(Skill, version, Actor(actor), Token);
                succeeded.Add((actor, version));
            }
            catch (RegistryException ex) when (ex.Kind == RegistryErrorKind.Conflict)
            {
                Interlocked.Increment(ref conflicts);
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(tasks);

        var registration = (await registries[1].ReadAsync(Token)).Document.Skills[Skill];
        var added = registration.History.Skip(initialHistory).ToArray();
        Assert.AreEqual(operators, succeeded.Count + conflicts);
        Assert.IsNotEmpty(succeeded);
        CollectionAssert.AreEquivalent(succeeded.ToArray(), added.Select(e => (e.Actor, e.Version!)).ToArray());
        Assert.AreEqual(added[^1].Version, registration.Deployed);

        // Each deploy saw the one before it: no write was based on a snapshot that another write had replaced.
        var previous = "1.0.0";
        foreach (var e in added)
        {
            Assert.AreEqual(previous, e.Previous, e.Actor);
            previous = e.Version!;
        }

        TestContext.WriteLine($"{succeeded.Count} deploys succeeded, {conflicts} conflicted.");
    }

    [TestMethod]
    public async Task SetVariantsAsync_PublishedVersionsWithPositiveWeights_AreRecorded()
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());
        await registry.PublishAsync(TestBundles.WithVersion(_sample, "1.1.0"), Actor("alice"), Token);

        var snapshot = await registry.SetVariantsAsync(Skill, [new TrafficVariant("1.0.0", 90), new TrafficVariant("1.1.0", 10)], Actor("carol", "canary"), Token);

        var registration = (await registry.ReadAsync(Token)).Document.Skills[Skill];
        Assert.AreEqual(snapshot.Generation, await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));
        CollectionAssert.AreEqual(new[] { new TrafficVariant("1.0.0", 90), new TrafficVariant("1.1.0", 10) }, registration.Variants.ToArray());
        Assert.AreEqual(RegistryActions.Variants, registration.History[^1].Action);
        Assert.AreEqual("carol", registration.History[^1].Actor);
        Assert.AreEqual("1.0.0", registration.Deployed);
    }

    [TestMethod]
    [DataRow("9.9.9", 10.0, RegistryErrorKind.VersionNotFound, DisplayName = "unpublished version")]
    [DataRow("1.1", 10.0, RegistryErrorKind.InvalidRequest, DisplayName = "not a version")]
    [DataRow("1.1.0", 0.0, RegistryErrorKind.InvalidRequest, DisplayName = "zero weight")]
    [DataRow("1.1.0", -5.0, RegistryErrorKind.InvalidRequest, DisplayName = "negative weight")]
    [DataRow("1.1.0", double.NaN, RegistryErrorKind.InvalidRequest, DisplayName = "NaN weight")]
    [DataRow("1.1.0", double.PositiveInfinity, RegistryErrorKind.InvalidRequest, DisplayName = "infinite weight")]
    [DataRow("1.0.0", 10.0, RegistryErrorKind.InvalidRequest, DisplayName = "duplicate version")]
    public async Task SetVariantsAsync_InvalidVariant_IsRefusedAndWritesNothing(string version, double weight, object expected)
    {
        var registry = SampleStore.OpenRegistry(SampleStore.Copy());
        await registry.PublishAsync(TestBundles.WithVersion(_sample, "1.1.0"), Actor("alice"), Token);
        var generation = await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token);

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(
            () => registry.SetVariantsAsync(Skill, [new TrafficVariant("1.0.0", 50), new TrafficVariant(version, weight)], Actor("carol"), Token));

        Assert.AreEqual((RegistryErrorKind)expected, ex.Kind);
        Assert.AreEqual(generation, await registry.Store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));
    }

    [TestMethod]
    public async Task ReadAsync_CorruptRegistryDocument_ThrowsCorruptRegistry()
    {
        var path = SampleStore.Copy();
        await File.WriteAllTextAsync(Path.Combine(path, ModelRegistry.RegistryPath), "{ \"skills\": [ this is not json", Token);
        var registry = SampleStore.OpenRegistry(path);

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.ReadAsync(Token));

        Assert.AreEqual(RegistryErrorKind.CorruptRegistry, ex.Kind);
    }

    [TestMethod]
    public async Task DeployAsync_CorruptRegistryDocument_ThrowsCorruptRegistryAndLeavesItAlone()
    {
        var path = SampleStore.Copy();
        const string corrupt = "null";
        await File.WriteAllTextAsync(Path.Combine(path, ModelRegistry.RegistryPath), corrupt, Token);
        var registry = SampleStore.OpenRegistry(path);

        var ex = await Assert.ThrowsExactlyAsync<RegistryException>(() => registry.DeployAsync(Skill, "1.0.0", Actor("alice"), Token));

        Assert.AreEqual(RegistryErrorKind.CorruptRegistry, ex.Kind);
        Assert.AreEqual(corrupt, await File.ReadAllTextAsync(Path.Combine(path, ModelRegistry.RegistryPath), Token));
    }

    [TestMethod]
    public async Task ReadAsync_EmptyStore_ReturnsEmptyDocumentWithoutGeneration()
    {
        var registry = new ModelRegistry(new FileSystemModelStore(TempDirectory.Create("store")));

        var snapshot = await registry.ReadAsync(Token);

        Assert.IsNull(snapshot.Generation);
        Assert.IsEmpty(snapshot.Document.Skills);
    }

    private static ChangeContext Actor(string actor, string? reason = null) => new(actor, reason);

    private static async Task CorruptModelFileAsync(string storePath, string version)
    {
        var file = Path.Combine(storePath, "skills", Skill, version, "model.zip");
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes);
    }

    /// <summary>A store that lets a test run something between a registry's read and its write of registry.json.</summary>
    private sealed class InterleavingStore(IModelStore inner) : IModelStore
    {
        public Func<Task>? BeforeRegistryWrite { get; set; }

        public string Location => inner.Location;

        public Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken) => inner.ReadAsync(path, cancellationToken);

        public Task<string?> GetGenerationAsync(string path, CancellationToken cancellationToken) => inner.GetGenerationAsync(path, cancellationToken);

        public async Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken)
        {
            if (path == ModelRegistry.RegistryPath && BeforeRegistryWrite is { } hook)
            {
                BeforeRegistryWrite = null;
                await hook();
            }

            return await inner.WriteAsync(path, content, condition, cancellationToken);
        }

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);
    }
}
