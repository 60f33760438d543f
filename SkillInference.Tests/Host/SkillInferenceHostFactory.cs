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
/// <see cref="FakeLogCollector"/>.
/// </summary>
internal sealed class SkillInferenceHostFactory : WebApplicationFactory<Program>
{
    /// <summary>The operator name configured with <see cref="OperatorKey"/>; the registry history records it.</summary>
    public const string OperatorName = "ops-carol";

    /// <summary>A configured operator API key.</summary>
    public const string OperatorKey = "k-7f3c9a51e2d04b6b";

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
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>The model store the host serves from.</summary>
    public string StorePath { get; }

    /// <summary>Settings that configure one operator key (<see cref="OperatorName"/> = <see cref="OperatorKey"/>).</summary>
    public static IReadOnlyDictionary<string, string?> WithOperatorKey => new Dictionary<string, string?>
    {
        [$"SkillInference:Operators:ApiKeys:{OperatorName}"] = OperatorKey,
    };

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
