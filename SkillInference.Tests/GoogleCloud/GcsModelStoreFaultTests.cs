using System.Diagnostics;
using System.Net;
using Google.Cloud.Storage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Registry;
using Fault = SkillInference.Tests.GoogleCloud.FlakyHttpHandler.Fault;

namespace SkillInference.Tests.GoogleCloud;

/// <summary>
/// How <see cref="GcsModelStore"/> meets the failures Cloud Storage produces and neither the emulator nor the fake
/// produce on cue: transient answers and broken connections (retried with backoff, then Unavailable), refusals (not
/// retried), corrupt downloads (caught by the hash check), and a write whose answer was lost after it landed.
/// A <see cref="FlakyHttpHandler"/> sits in front of a <see cref="FakeGcsServer"/>.
/// </summary>
[TestClass]
public sealed class GcsModelStoreFaultTests : IDisposable
{
    private const string Bucket = "fault-models";
    private readonly FakeGcsServer _server = new();
    private readonly FakeLogger<GcsModelStore> _logger = new();
    private FlakyHttpHandler _flaky = null!;
    private StorageClient _client = null!;

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationTokenSource.Token;

    [TestInitialize]
    public void CreateClient() => _client = _server.CreateClient(inner => _flaky = new FlakyHttpHandler(inner));

    public void Dispose()
    {
        _client?.Dispose();
        _flaky?.Dispose();
        _server.Dispose();
    }

    [TestMethod]
    public async Task ReadAsync_503ThenSuccess_RetriesAndReturnsTheObject()
    {
        var store = NewStore();
        _server.Put(Bucket, "models/doc.json", "hello"u8.ToArray());
        _flaky.Applies = FlakyHttpHandler.IsDownload;
        _flaky.Enqueue(Fault.Answer(HttpStatusCode.ServiceUnavailable));

        var read = await store.ReadAsync("doc.json", Token);

        Assert.AreEqual("hello", System.Text.Encoding.UTF8.GetString(read!.Content.Span));
        Assert.AreEqual(2, _flaky.Requests, "one failed attempt, one good one, and no retries of the client library's own");
        var retry = _logger.Collector.GetSnapshot().Single(r => r.Id.Id == 8003);
        Assert.AreEqual(LogLevel.Warning, retry.Level);
        Assert.Contains("503", retry.Message);
    }

    [TestMethod]
    public async Task WriteAsync_503OnUploadThenSuccess_RetriesAndWritesOnce()
    {
        var store = NewStore();
        _flaky.Enqueue(Fault.Answer(HttpStatusCode.ServiceUnavailable));

        var generation = await store.WriteAsync("skills/a/1.0.0/model.zip", new byte[1000], WriteCondition.IfNotExists, Token);

        Assert.AreEqual(generation, await store.GetGenerationAsync("skills/a/1.0.0/model.zip", Token));
        Assert.AreEqual(1000, _server.Get(Bucket, "models/skills/a/1.0.0/model.zip")!.Length);
    }

    [TestMethod]
    public async Task ListAsync_DroppedConnectionThenSuccess_ListsEverything()
    {
        var store = NewStore();
        _server.Put(Bucket, "models/skills/a/1.0.0/manifest.json", [1]);
        _server.Put(Bucket, "models/skills/b/1.0.0/manifest.json", [1]);
        _flaky.Enqueue(Fault.Disconnect);

        var listed = await store.ListAsync("skills/", Token);

        CollectionAssert.AreEqual(new[] { "skills/a/1.0.0/manifest.json", "skills/b/1.0.0/manifest.json" }, listed.ToArray());
    }

    [TestMethod]
    public async Task GetGenerationAsync_429OnEveryAttempt_ThrowsUnavailableAfterAllAttempts()
    {
        var store = NewStore(maxRetryAttempts: 3);
        _flaky.Always = Fault.Answer(HttpStatusCode.TooManyRequests);

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));

        Assert.AreEqual(ModelStoreErrorKind.Unavailable, ex.Kind);
        Assert.IsTrue(ex.IsTransient);
        Assert.AreEqual(4, _flaky.Requests);
        Assert.Contains("after 4 attempt(s)", ex.Message);
        Assert.Contains("429", ex.Message);
        Assert.AreEqual(3, _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 8003));
        Assert.AreEqual(LogLevel.Error, _logger.Collector.GetSnapshot().Single(r => r.Id.Id == 8004).Level);
    }

    [TestMethod]
    public async Task ReadAsync_HangingRequests_TimeOutEachAttemptAndThrowUnavailable()
    {
        var store = NewStore(maxRetryAttempts: 1, attemptTimeout: TimeSpan.FromMilliseconds(200));
        _flaky.Always = Fault.Hang;
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.ReadAsync(ModelRegistry.RegistryPath, Token));

        Assert.AreEqual(ModelStoreErrorKind.Unavailable, ex.Kind);
        Assert.Contains("timed out", ex.Message);
        Assert.AreEqual(2, _flaky.Requests);
        Assert.IsLessThan(TimeSpan.FromSeconds(10), watch.Elapsed);
    }

    [TestMethod]
    public async Task ReadAsync_CallerCancels_ThrowsOperationCanceledNotAStoreError()
    {
        var store = NewStore();
        _flaky.Always = Fault.Hang;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAsync<OperationCanceledException>(() => store.ReadAsync(ModelRegistry.RegistryPath, cts.Token));

        Assert.AreEqual(1, _flaky.Requests);
    }

    [TestMethod]
    public async Task ReadAsync_CorruptDownloadOnce_IsCaughtByTheHashCheckAndRetried()
    {
        var store = NewStore();
        var content = new byte[4096];
        new Random(1).NextBytes(content);
        _server.Put(Bucket, "models/skills/a/1.0.0/model.zip", content);
        _flaky.Applies = FlakyHttpHandler.IsDownload;
        _flaky.Enqueue(Fault.Corrupt);

        var read = await store.ReadAsync("skills/a/1.0.0/model.zip", Token);

        Assert.IsTrue(content.AsSpan().SequenceEqual(read!.Content.Span));
        Assert.AreEqual(2, _flaky.Requests);
    }

    [TestMethod]
    public async Task ReadAsync_EveryDownloadCorrupt_ThrowsUnavailableAndNeverReturnsTheBytes()
    {
        var store = NewStore(maxRetryAttempts: 2);
        _server.Put(Bucket, "models/registry.json", "{\"skills\":{}}"u8.ToArray());
        _flaky.Applies = FlakyHttpHandler.IsDownload;
        _flaky.Always = Fault.Corrupt;

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.ReadAsync(ModelRegistry.RegistryPath, Token));

        Assert.AreEqual(ModelStoreErrorKind.Unavailable, ex.Kind);
        Assert.AreEqual(3, _flaky.Requests);
    }

    [TestMethod]
    public async Task ReadAsync_CorruptDownloadWithoutHashHeader_IsCaughtAgainstTheObjectMd5()
    {
        var store = NewStore(maxRetryAttempts: 1);
        _server.Put(Bucket, "models/registry.json", "{\"skills\":{}}"u8.ToArray());
        _flaky.Applies = FlakyHttpHandler.IsDownload;
        _flaky.Always = Fault.CorruptAndStripHash;

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.ReadAsync(ModelRegistry.RegistryPath, Token));

        Assert.AreEqual(ModelStoreErrorKind.Unavailable, ex.Kind);
        Assert.Contains("MD5", ex.Message);
    }

    [TestMethod]
    public async Task ReadAsync_IntactDownloadWithoutHashHeader_IsCheckedAgainstTheMetadataAndReturned()
    {
        var store = NewStore();
        var generation = _server.Put(Bucket, "models/registry.json", "{\"skills\":{}}"u8.ToArray());
        _flaky.Applies = FlakyHttpHandler.IsDownload;
        _flaky.Always = Fault.StripHash;

        var read = await store.ReadAsync(ModelRegistry.RegistryPath, Token);

        Assert.AreEqual(generation.ToString(System.Globalization.CultureInfo.InvariantCulture), read!.Generation);
        Assert.IsTrue(_server.RequestLog.Any(r => r.StartsWith("GET /b/fault-models/o/models%2Fregistry.json", StringComparison.Ordinal) && !r.Contains("alt=media", StringComparison.Ordinal)), string.Join("\n", _server.RequestLog));
        Assert.AreEqual(1, _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 8006));
    }

    [TestMethod]
    public async Task WriteAsync_ForbiddenBucket_ThrowsRefusedWithoutRetrying()
    {
        var store = NewStore();
        _server.ForbiddenBuckets.Add(Bucket);

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync(ModelRegistry.RegistryPath, "{}"u8.ToArray(), WriteCondition.None, Token));

        Assert.AreEqual(ModelStoreErrorKind.Refused, ex.Kind);
        Assert.IsFalse(ex.IsTransient);
        Assert.Contains("403", ex.Message);
        Assert.AreEqual(1, _flaky.Requests);
    }

    [TestMethod]
    public async Task ReadAsync_MissingBucket_ThrowsRefusedRatherThanReadingAsEmpty()
    {
        var store = NewStore();
        _server.MissingBuckets.Add(Bucket);

        var read = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.ReadAsync(ModelRegistry.RegistryPath, Token));
        var generation = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.GetGenerationAsync(ModelRegistry.RegistryPath, Token));
        var list = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.ListAsync("skills/", Token));

        Assert.AreEqual(ModelStoreErrorKind.Refused, read.Kind);
        Assert.AreEqual(ModelStoreErrorKind.Refused, generation.Kind);
        Assert.AreEqual(ModelStoreErrorKind.Refused, list.Kind);
        Assert.Contains("bucket does not exist", list.Message);
    }

    [TestMethod]
    public async Task WriteAsync_AnswerLostAfterTheCreateLanded_ReturnsTheGenerationOfThatCreate()
    {
        var store = NewStore();
        var content = "{\"deployed\":\"1.0.0\"}"u8.ToArray();

        // The upload's last chunk lands but its answer is lost, and the client library cannot resume the session
        // either: the store's next attempt starts a new upload, whose ifGenerationMatch=0 now fails against our own write.
        _flaky.Applies = r => r.Method == HttpMethod.Put;
        _flaky.Enqueue(Fault.LoseAnswer);
        _flaky.Always = Fault.Disconnect;

        var generation = await store.WriteAsync(ModelRegistry.RegistryPath, content, WriteCondition.IfNotExists, Token);

        Assert.AreEqual(await store.GetGenerationAsync(ModelRegistry.RegistryPath, Token), generation);
        CollectionAssert.AreEqual(content, _server.Get(Bucket, "models/registry.json"));
        Assert.AreEqual(1, _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 8005));
    }

    [TestMethod]
    public async Task WriteAsync_AnswerLostAndSomeoneElseWroteMeanwhile_ThrowsPreconditionFailed()
    {
        var store = NewStore();
        _flaky.Applies = r => r.Method == HttpMethod.Put;
        _flaky.Enqueue(Fault.LoseAnswer);
        _server.BeforeCommit = name =>
        {
            // Another operator's create lands first; ours then fails its precondition at commit and the retry finds their bytes.
            _server.BeforeCommit = null;
            _server.Put(Bucket, name, "{\"theirs\":true}"u8.ToArray());
            return Task.CompletedTask;
        };

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync(ModelRegistry.RegistryPath, "{\"ours\":true}"u8.ToArray(), WriteCondition.IfNotExists, Token));

        Assert.AreEqual(ModelStoreErrorKind.PreconditionFailed, ex.Kind);
        CollectionAssert.AreEqual("{\"theirs\":true}"u8.ToArray(), _server.Get(Bucket, "models/registry.json"));
    }

    [TestMethod]
    public async Task WriteAsync_GenerationFromAnotherKindOfStore_ThrowsPreconditionFailedWithoutWriting()
    {
        var store = NewStore();

        var ex = await Assert.ThrowsExactlyAsync<ModelStoreException>(() => store.WriteAsync(ModelRegistry.RegistryPath, "{}"u8.ToArray(), WriteCondition.IfGenerationMatch("3f2a9c0b1d"), Token));

        Assert.AreEqual(ModelStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.AreEqual(0, _flaky.Requests);
    }

    [TestMethod]
    public async Task WriteAsync_IfNotExists_SendsIfGenerationMatchZero()
    {
        var store = NewStore();

        await store.WriteAsync("skills/a/1.0.0/manifest.json", "{}"u8.ToArray(), WriteCondition.IfNotExists, Token);

        Assert.IsTrue(_server.RequestLog.Any(r => r.StartsWith("POST /upload/", StringComparison.Ordinal) && r.Contains("ifGenerationMatch=0", StringComparison.Ordinal)), string.Join("\n", _server.RequestLog));
    }

    private GcsModelStore NewStore(int maxRetryAttempts = 4, TimeSpan? attemptTimeout = null) => new(_client, new GcsModelStoreOptions
    {
        Bucket = Bucket,
        Prefix = "models",
        MaxRetryAttempts = maxRetryAttempts,
        RetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(10),
        AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(30),
    }, logger: _logger);
}
