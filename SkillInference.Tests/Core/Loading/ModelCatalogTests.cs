using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Inference;
using SkillInference.Loading;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Loading;

/// <summary>Model loading in one place: one registry read per refresh, a deploy that reads and compiles its bundle once, each skill's load isolated.</summary>
[TestClass]
public sealed class ModelCatalogTests
{
    private static readonly ChangeContext Operator = new("test-operator", "loading test");

    [TestMethod]
    public async Task RefreshAsync_RegistryUnchanged_ReadsTheRegistryOnceAndNoBundle()
    {
        var store = new CountingModelStore(new FileSystemModelStore(SampleStore.Copy()));
        await using var harness = await ServiceHarness.StartAsync(configure: s => s.Replace(ServiceDescriptor.Singleton<IModelStore>(store)));
        store.Reset();

        await harness.Service.RefreshAsync();

        Assert.AreEqual(1, store.Reads(ModelRegistry.RegistryPath) + store.GenerationChecks(ModelRegistry.RegistryPath), store.Describe());
        Assert.AreEqual(0, store.ReadsUnder("skills/"), store.Describe());
    }

    [TestMethod]
    public async Task ChangeAsync_Deploy_ReadsTheBundleOnceTheRegistryOnceAndServesIt()
    {
        var path = SampleStore.Copy();
        await SampleStore.OpenRegistry(path).PublishAsync(TestBundles.Train("collaboration", "1.1.0", trees: 12, seed: 5), Operator);
        var store = new CountingModelStore(new FileSystemModelStore(path));
        await using var harness = await ServiceHarness.StartAsync(configure: s => s.Replace(ServiceDescriptor.Singleton<IModelStore>(store)));
        var catalog = harness.Services.GetRequiredService<ModelCatalog>();
        var registry = harness.Registry;
        var manifest = await registry.Bundles.GetManifestAsync("collaboration", "1.1.0");
        store.Reset();

        await catalog.ChangeAsync([("collaboration", "1.1.0")], ct => registry.DeployAsync("collaboration", "1.1.0", Operator, verify: false, ct), CancellationToken.None);

        Assert.AreEqual("1.1.0", harness.Service.Status.LiveVersions["collaboration"]);
        Assert.AreEqual(1, store.Reads(BundleStore.BundlePrefix("collaboration", "1.1.0") + manifest!.ModelFile), store.Describe());
        Assert.AreEqual(1, store.Reads(ModelRegistry.RegistryPath), store.Describe());
        Assert.AreEqual(1, store.Writes(ModelRegistry.RegistryPath), store.Describe());
    }

    [TestMethod]
    public async Task ChangeAsync_VersionThatDoesNotLoad_WritesNothingAndKeepsServing()
    {
        var path = SampleStore.Copy();
        var good = TestBundles.Train("curiosity", "1.1.0", trees: 8, seed: 2);
        await SampleStore.OpenRegistry(path).PublishAsync(good, Operator);
        File.WriteAllBytes(Path.Combine(path, "skills", "curiosity", "1.1.0", good.Manifest.ModelFile), [1, 2, 3]); // corrupt after publish
        await using var harness = await ServiceHarness.StartAsync(path);
        var catalog = harness.Services.GetRequiredService<ModelCatalog>();
        var before = await harness.Registry.ReadAsync();

        await Assert.ThrowsExactlyAsync<BundleValidationException>(() => catalog.ChangeAsync([("curiosity", "1.1.0")], ct => harness.Registry.DeployAsync("curiosity", "1.1.0", Operator, verify: false, ct), CancellationToken.None));

        Assert.AreEqual(before.Generation, (await harness.Registry.ReadAsync()).Generation);
        Assert.AreEqual("1.0.0", harness.Service.Status.LiveVersions["curiosity"]);
    }

    [TestMethod]
    public async Task RefreshAsync_OneBundleThrowsAnUnexpectedException_EveryOtherSkillLoads()
    {
        await using var harness = await ServiceHarness.StartAsync(configure: s => s.AddSingleton<IModelFormat>(sp => new FakeFailingFormat(
            ActivatorUtilities.CreateInstance<SkillInference.Engines.MlNet.MlNetModelFormat>(sp), "creativity")));

        var status = harness.Service.Status;

        Assert.IsFalse(status.LiveVersions.ContainsKey("creativity"));
        Assert.AreEqual(SampleStore.Catalog.Skills.Count - 1, status.LiveVersions.Count);
        var failure = status.Failures.Single();
        Assert.AreEqual("creativity", failure.Skill);
        Assert.Contains(nameof(NotSupportedException), failure.Reason);
    }

    [TestMethod]
    public async Task LoadAsync_ModelWithTheWrongInputSize_IsRefusedBySelfCheck()
    {
        var bundle = await SampleStore.LoadBundleAsync("persistence");
        var loader = new ModelLoader(SampleStore.OpenRegistry(SampleStore.Path).Bundles, [new FakeFailingFormat(new SkillInference.Engines.MlNet.MlNetModelFormat(), skill: null) { ExtraFeatures = 1 }], ScoringEngine.Auto, TimeProvider.System);

        var ex = Assert.ThrowsExactly<BundleValidationException>(() => loader.Load(bundle));

        Assert.AreEqual(BundleValidationErrorKind.InvalidModel, ex.Kind);
        Assert.Contains("features but the manifest lists", ex.Message);
    }

    [TestMethod]
    public async Task RefreshAsync_NewInstance_LoadsItsSkillsSideBySide()
    {
        var store = new FakeSlowModelStore(new FileSystemModelStore(SampleStore.Copy()));

        await using var harness = await ServiceHarness.StartAsync(configure: s => s.Replace(ServiceDescriptor.Singleton<IModelStore>(store)));

        Assert.AreEqual(SampleStore.Catalog.Skills.Count, harness.Service.Status.LiveVersions.Count);
        Assert.IsGreaterThanOrEqualTo(2, store.MostModelReadsAtOnce, "one model file was read at a time: the skills loaded one after another");
    }

    /// <summary>Counts what is read and written, per path.</summary>
    private sealed class CountingModelStore(IModelStore inner) : IModelStore
    {
        private readonly ConcurrentDictionary<string, int> _reads = new();
        private readonly ConcurrentDictionary<string, int> _generations = new();
        private readonly ConcurrentDictionary<string, int> _writes = new();

        public string Location => inner.Location;

        public void Reset()
        {
            _reads.Clear();
            _generations.Clear();
            _writes.Clear();
        }

        public int Reads(string path) => _reads.GetValueOrDefault(path);

        public int ReadsUnder(string prefix) => _reads.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value);

        public int GenerationChecks(string path) => _generations.GetValueOrDefault(path);

        public int Writes(string path) => _writes.GetValueOrDefault(path);

        public string Describe() => $"reads: {string.Join(", ", _reads.Select(kv => $"{kv.Key}×{kv.Value}"))}; generations: {string.Join(", ", _generations.Select(kv => $"{kv.Key}×{kv.Value}"))}";

        public Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken)
        {
            _reads.AddOrUpdate(path, 1, (_, n) => n + 1);
            return inner.ReadAsync(path, cancellationToken);
        }

        public Task<string?> GetGenerationAsync(string path, CancellationToken cancellationToken)
        {
            _generations.AddOrUpdate(path, 1, (_, n) => n + 1);
            return inner.GetGenerationAsync(path, cancellationToken);
        }

        public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken)
        {
            _writes.AddOrUpdate(path, 1, (_, n) => n + 1);
            return inner.WriteAsync(path, content, condition, cancellationToken);
        }

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);
    }

    /// <summary>A format that fails in a way no real bundle can be made to on cue: an exception type nobody expects, or a wrong input size.</summary>
    private sealed class FakeFailingFormat(IModelFormat inner, string? skill) : IModelFormat
    {
        public int ExtraFeatures { get; init; }

        public string Format => inner.Format;

        public IScoringModel Load(ModelBundle bundle, ScoringEngine engine)
        {
            if (skill is not null && bundle.Skill == skill)
            {
                throw new NotSupportedException("an unexpected failure");
            }

            var model = inner.Load(bundle, engine);
            return ExtraFeatures == 0 ? model : new WiderModel(model, ExtraFeatures);
        }

        private sealed class WiderModel(IScoringModel inner, int extra) : IScoringModel
        {
            public string Engine => inner.Engine;

            public int FeatureCount => inner.FeatureCount + extra;

            public float Predict(ReadOnlySpan<float> features) => inner.Predict(features[..inner.FeatureCount]);

            public void PredictBatch(ReadOnlySpan<float> rows, Span<float> probabilities) => inner.PredictBatch(rows, probabilities);

            public void Dispose() => inner.Dispose();
        }
    }

    /// <summary>
    /// A store whose model files take a while to read (as a remote store's downloads do): each read waits, up to 2 s,
    /// for another model read to be under way, and records how many were under way at once.
    /// </summary>
    private sealed class FakeSlowModelStore(IModelStore inner) : IModelStore
    {
        private int _inFlight;
        private int _most;

        public int MostModelReadsAtOnce => Volatile.Read(ref _most);

        public string Location => inner.Location;

        public async Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken)
        {
            if (!path.StartsWith("skills/", StringComparison.Ordinal) || path.EndsWith(ModelBundle.ManifestFileName, StringComparison.Ordinal))
            {
                return await inner.ReadAsync(path, cancellationToken);
            }

            var now = Interlocked.Increment(ref _inFlight);
            try
            {
                InterlockedMax(ref _most, now);
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (Volatile.Read(ref _most) < 2 && waited.Elapsed < TimeSpan.FromSeconds(2))
                {
                    await Task.Delay(5, cancellationToken);
                }

                return await inner.ReadAsync(path, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public Task<string?> GetGenerationAsync(string path, CancellationToken cancellationToken) => inner.GetGenerationAsync(path, cancellationToken);

        public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken) => inner.WriteAsync(path, content, condition, cancellationToken);

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        private static void InterlockedMax(ref int target, int value)
        {
            var seen = Volatile.Read(ref target);
            while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen)
            {
                seen = actual;
            }
        }
    }
}
