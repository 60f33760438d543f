using Google.Apis.Http;
using Google.Cloud.Storage.V1;
using SkillInference.GoogleCloud.Storage;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// The Cloud Storage emulator that eng/test.sh starts (eng/gcs-emulator: the firebase-tools storage emulator, with
/// the resumable-upload fix) and announces in <c>STORAGE_EMULATOR_HOST</c>. Tests that need it call
/// <see cref="RequireAsync"/>, which fails them with a clear message when it is not running: they never skip.
/// Every test works under its own prefix of one bucket (the emulator creates a bucket on first use).
/// </summary>
public static class GcsEmulator
{
    public const string Bucket = "skillinference-tests";

    /// <summary>Set by eng/test.sh once the emulator it started answers (its log file).</summary>
    public const string StartedByScriptVariable = "SKILLINFERENCE_GCS_EMULATOR_LOG";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _checkedHost;

    /// <summary>The emulator's address (<c>http://127.0.0.1:PORT/</c>); valid after <see cref="RequireAsync"/>.</summary>
    public static string Host => _checkedHost ?? throw new InvalidOperationException("Call GcsEmulator.RequireAsync() first.");

    /// <summary>Fails the calling test unless the emulator is configured and answers.</summary>
    public static async Task RequireAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_checkedHost is not null)
            {
                return;
            }

            var host = Environment.GetEnvironmentVariable(GcsModelStoreOptions.EmulatorHostVariable);
            if (string.IsNullOrEmpty(host))
            {
                Assert.Fail(
                    $"The Cloud Storage emulator is not running: {GcsModelStoreOptions.EmulatorHostVariable} is not set. Run the tests with `bash eng/test.sh`, which installs and starts it " +
                    $"(eng/gcs-emulator), or start it yourself: `cd eng/gcs-emulator && npm ci --omit=optional && node start.js 9199 &` and `export {GcsModelStoreOptions.EmulatorHostVariable}=http://127.0.0.1:9199`.");
            }

            var root = new Uri((host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host).TrimEnd('/') + "/");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await http.GetAsync(new Uri(root, $"b/{Bucket}/o?maxResults=1"));
                response.EnsureSuccessStatusCode();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                var log = Environment.GetEnvironmentVariable(StartedByScriptVariable);
                Assert.Fail($"The Cloud Storage emulator at {root} ({GcsModelStoreOptions.EmulatorHostVariable}) does not answer: {ex.Message}" +
                    (log is null ? "" : $" eng/test.sh started it; its log is {log}."));
            }

            _checkedHost = root.ToString();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Options for a store under a fresh prefix of the test bucket, with quick retries.</summary>
    public static GcsModelStoreOptions NewOptions(string name) => new()
    {
        Bucket = Bucket,
        Prefix = $"{name}-{Guid.NewGuid().ToString("N")[..8]}",
        EmulatorHost = Host,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(100),
    };

    /// <summary>A store under a fresh prefix; <paramref name="listPageSize"/> small enough makes listings page.</summary>
    public static GcsModelStore NewStore(string name, int listPageSize = 1000)
    {
        var options = NewOptions(name);
        options.ListPageSize = listPageSize;
        return new GcsModelStore(options);
    }

    /// <summary>A client of the emulator whose requests go through <paramref name="handler"/> (e.g. a <c>FlakyHttpHandler</c> in front of the network).</summary>
    public static StorageClient CreateClient(HttpMessageHandler handler) => new StorageClientBuilder
    {
        BaseUri = Host,
        UnauthenticatedAccess = true,
        HttpClientFactory = new HttpClientFromMessageHandlerFactory(_ => new HttpClientFromMessageHandlerFactory.ConfiguredHttpMessageHandler(handler, false, false)),
    }.Build();

    /// <summary>Copies every object of a file-system store under a GCS store (publishing as an operator would, object by object).</summary>
    public static async Task CopyAsync(string fileSystemStore, SkillInference.Registry.IModelStore destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        // Bundles first and the registry last, as a publish-then-deploy would leave them.
        var files = Directory.EnumerateFiles(fileSystemStore, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(fileSystemStore, f).Replace('\\', '/'))
            .OrderBy(p => p == SkillInference.Registry.ModelRegistry.RegistryPath ? 1 : 0)
            .ThenBy(p => p, StringComparer.Ordinal);
        foreach (var path in files)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(fileSystemStore, path), cancellationToken);
            await destination.WriteAsync(path, bytes, SkillInference.Registry.WriteCondition.None, cancellationToken);
        }
    }
}
