using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SkillInference.Inference;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Host;

/// <summary>
/// The real host (<c>Program</c>) in memory over a private model store, configured the way an operator would: through
/// the <c>SkillInference</c> configuration section. Sample seeding is off unless a test asks for it; logs go to a
/// <see cref="FakeLogCollector"/>. Two API keys are configured: <see cref="ClientKey"/> (scopes score, ingest, metrics),
/// which every client made by <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/> sends, and
/// <see cref="OperatorKey"/> (operate and score), which tests send explicitly. Rate limits are high enough for
/// property tests.
/// </summary>
internal sealed class SkillInferenceHostFactory : WebApplicationFactory<Program>
{
    /// <summary>The operator name configured with <see cref="OperatorKey"/>; the registry history records it.</summary>
    public const string OperatorName = "ops-carol";

    /// <summary>A configured operator API key.</summary>
    public const string OperatorKey = "k-7f3c9a51e2d04b6b";

    /// <summary>The client name of <see cref="ClientKey"/>.</summary>
    public const string ClientName = "test-client";

    /// <summary>The key every client of the factory sends by default (scopes score, ingest, metrics).</summary>
    public const string ClientKey = "k-client-0d1e2f3a4b5c6d7e";

    /// <summary>A key with the ingest scope only.</summary>
    public const string IngestKey = "k-ingest-9a8b7c6d5e4f3a2b";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private readonly Dictionary<string, string?> _settings;

    /// <param name="storePath">The model store folder (the test owns it).</param>
    /// <param name="settings">More configuration, overriding the defaults (e.g. <c>SkillInference:MaxBatchSize</c>).</param>
    public SkillInferenceHostFactory(string storePath, IReadOnlyDictionary<string, string?>? settings = null)
    {
        StorePath = storePath;
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["SkillInference:Store:Kind"] = "FileSystem",
            ["SkillInference:Store:Path"] = storePath,
            ["SkillInference:Samples:SeedWhenEmpty"] = "false",
            // Batch: each host gets its own embedded database beside its store (not the shared default file).
            ["SkillInference:Database:ConnectionString"] = Path.Combine(storePath.TrimEnd('/', '\\') + "-db", "skills.db"),
            [$"SkillInference:Auth:ApiKeys:{ClientName}:Key"] = ClientKey,
            [$"SkillInference:Auth:ApiKeys:{ClientName}:Scopes:0"] = "score",
            [$"SkillInference:Auth:ApiKeys:{ClientName}:Scopes:1"] = "ingest",
            [$"SkillInference:Auth:ApiKeys:{ClientName}:Scopes:2"] = "metrics",
            [$"SkillInference:Auth:ApiKeys:{OperatorName}:Key"] = OperatorKey,
            [$"SkillInference:Auth:ApiKeys:{OperatorName}:Scopes:0"] = "operate",
            [$"SkillInference:Auth:ApiKeys:{OperatorName}:Scopes:1"] = "score",
            ["SkillInference:Auth:ApiKeys:ingest-only:Key"] = IngestKey,
            ["SkillInference:Auth:ApiKeys:ingest-only:Scopes:0"] = "ingest",
            ["SkillInference:Limits:PermitsPerSecond"] = "100000",
            ["SkillInference:Limits:Burst"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>The model store the host serves from.</summary>
    public string StorePath { get; }

    /// <summary>Settings that add nothing (the operator key is always configured); kept for the tests that say they need it.</summary>
    public static IReadOnlyDictionary<string, string?> WithOperatorKey => new Dictionary<string, string?>();

    /// <summary>A client of the host that sends no credential at all.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Remove("X-Api-Key");
        return client;
    }

    /// <summary>A host over a private copy of the seven sample bundles.</summary>
    public static SkillInferenceHostFactory OverSampleCopy(IReadOnlyDictionary<string, string?>? settings = null) => new(SampleStore.Copy(), settings);

    /// <summary>The host's inference service (the in-process path the HTTP API sits on).</summary>
    public ISkillInferenceService Inference => Services.GetRequiredService<ISkillInferenceService>();

    /// <summary>The host's registry over <see cref="StorePath"/>.</summary>
    public ModelRegistry Registry => Services.GetRequiredService<ModelRegistry>();

    /// <summary>Everything the host logged.</summary>
    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    /// <summary>Starts the host and waits until <c>/health/ready</c> answers 200.</summary>
    public async Task<HttpClient> CreateReadyClientAsync(TimeSpan? timeout = null)
    {
        var client = CreateClient();
        await WaitForAsync(
            async () =>
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                return response.StatusCode == HttpStatusCode.OK;
            },
            "/health/ready to answer 200",
            timeout);
        return client;
    }

    /// <summary>Starts the host and waits until the service has read the registry once (ready or not).</summary>
    public async Task<HttpClient> CreateInitializedClientAsync(TimeSpan? timeout = null)
    {
        var client = CreateClient();
        await WaitForAsync(() => Task.FromResult(Inference.Status.Initialized), "the registry to be read", timeout);
        return client;
    }

    protected override void ConfigureClient(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-Api-Key", ClientKey);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddFakeLogging());
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
