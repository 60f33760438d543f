using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google;
using Google.Cloud.Storage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using SkillInference.Registry;
using StorageObject = Google.Apis.Storage.v1.Data.Object;

namespace SkillInference.GoogleCloud.Storage;

/// <summary>
/// A model store in a Cloud Storage bucket, under a prefix: the production store. A generation is the object's GCS
/// generation, so conditional writes are GCS preconditions (<c>ifGenerationMatch=0</c> to create,
/// <c>ifGenerationMatch=N</c> to compare-and-swap) and two operators cannot overwrite each other. Downloads are checked
/// against the object's hash; 429, 5xx, timeouts and broken connections are retried with exponential backoff and
/// jitter, then reported as <see cref="ModelStoreErrorKind.Unavailable"/>.
/// </summary>
/// <remarks>
/// Credentials come from Application Default Credentials (<c>GOOGLE_APPLICATION_CREDENTIALS</c>, <c>gcloud auth
/// application-default login</c>, or the service account of the Cloud Run service). With
/// <see cref="GcsModelStoreOptions.EmulatorHost"/> set (by default from <c>STORAGE_EMULATOR_HOST</c>) the store talks
/// to that emulator without credentials. The client is created on first use, so a missing credential is reported by
/// the first operation (<see cref="ModelStoreErrorKind.Refused"/>) rather than at construction.
/// </remarks>
public sealed class GcsModelStore : IModelStore, IDisposable
{
    private static readonly ResiliencePropertyKey<string> OperationKey = new("skillinference.gcs.operation");
    private static readonly ResiliencePropertyKey<string> PathKey = new("skillinference.gcs.path");
    private static readonly DownloadObjectOptions DownloadOptions = new() { DownloadValidationMode = DownloadValidationMode.Always };

    private readonly GcsModelStoreOptions _options;
    private readonly string _bucket;
    private readonly string _root;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly bool _ownsClient;
    private readonly SemaphoreSlim _clientLock = new(1, 1);
    private StorageClient? _client;

    /// <summary>Creates a store that builds its own client: the emulator's when configured, otherwise Cloud Storage with Application Default Credentials.</summary>
    /// <param name="options">The bucket, prefix and retry settings.</param>
    /// <param name="timeProvider">The clock for backoff delays and attempt timeouts; the system clock by default.</param>
    /// <param name="logger">A logger.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public GcsModelStore(GcsModelStoreOptions options, TimeProvider? timeProvider = null, ILogger<GcsModelStore>? logger = null)
        : this((StorageClient?)null, options, timeProvider, (ILogger?)logger)
    {
    }

    /// <summary>Creates a store over a client the caller built (own credentials, HTTP settings), which the caller disposes.</summary>
    /// <param name="client">The Cloud Storage client.</param>
    /// <param name="options">The bucket, prefix and retry settings (<see cref="GcsModelStoreOptions.EmulatorHost"/> is not used).</param>
    /// <param name="timeProvider">The clock for backoff delays and attempt timeouts; the system clock by default.</param>
    /// <param name="logger">A logger.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public GcsModelStore(StorageClient client, GcsModelStoreOptions options, TimeProvider? timeProvider = null, ILogger<GcsModelStore>? logger = null)
        : this(client ?? throw new ArgumentNullException(nameof(client)), options, timeProvider, (ILogger?)logger)
    {
    }

    private GcsModelStore(StorageClient? client, GcsModelStoreOptions options, TimeProvider? timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        GcsModelStoreOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _bucket = options.Bucket;
        _root = options.NormalizedPrefix;
        _client = client;
        _ownsClient = client is null;
        _logger = logger ?? NullLogger.Instance;
        _pipeline = BuildPipeline(options, timeProvider ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public string Location => _options.Location;

    /// <inheritdoc />
    public async Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var name = ObjectName(path);
        return await ExecuteAsync("read", path, (client, _, ct) => DownloadAsync(client, path, name, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string?> GetGenerationAsync(string path, CancellationToken cancellationToken)
    {
        var name = ObjectName(path);
        return await ExecuteAsync<string?>(
            "metadata read",
            path,
            async (client, _, ct) =>
            {
                try
                {
                    var metadata = await client.GetObjectAsync(_bucket, name, new GetObjectOptions { RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
                    return FormatGeneration(metadata);
                }
                catch (GoogleApiException ex) when (GcsErrors.IsObjectMissing(ex))
                {
                    return null;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var name = ObjectName(path);
        long? ifGenerationMatch = null;
        switch (condition.Kind)
        {
            case WriteConditionKind.IfNotExists:
                ifGenerationMatch = 0;
                break;
            case WriteConditionKind.IfGenerationMatch:
                if (!long.TryParse(condition.Generation, NumberStyles.None, CultureInfo.InvariantCulture, out var expected) || expected <= 0)
                {
                    throw new ModelStoreException(
                        ModelStoreErrorKind.PreconditionFailed,
                        $"'{path}' in {Location} was not written: '{condition.Generation}' is not a Cloud Storage generation, so it cannot be the object's current one.");
                }

                ifGenerationMatch = expected;
                break;
        }

        var contentType = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/octet-stream";
        return await ExecuteAsync(
            "write",
            path,
            async (client, attempt, ct) =>
            {
                try
                {
                    using var stream = AsStream(content);
                    var written = await client.UploadObjectAsync(
                        new StorageObject { Bucket = _bucket, Name = name, ContentType = contentType },
                        stream,
                        new UploadObjectOptions { IfGenerationMatch = ifGenerationMatch },
                        ct).ConfigureAwait(false);
                    return FormatGeneration(written) ?? throw new IOException($"Cloud Storage answered the upload of '{name}' without a generation.");
                }
                catch (GoogleApiException ex) when (attempt > 1 && ifGenerationMatch is not null && GcsErrors.IsPreconditionFailed(ex))
                {
                    // The answer to an earlier attempt may have been lost after the write landed; then the precondition
                    // now fails against our own write. Only the exact bytes we wrote count as ours.
                    var current = await DownloadAsync(client, path, name, ct).ConfigureAwait(false);
                    if (current is not null && current.Content.Span.SequenceEqual(content.Span))
                    {
                        Log.EarlierAttemptLanded(_logger, path, Location);
                        return current.Generation;
                    }

                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return await ExecuteAsync<IReadOnlyList<string>>(
            "list",
            prefix,
            async (client, _, ct) =>
            {
                var names = new List<string>();
                var pages = client.ListObjectsAsync(_bucket, _root + prefix, new ListObjectsOptions
                {
                    PageSize = _options.ListPageSize,
                    RetryOptions = RetryOptions.Never,
                    Fields = "items(name),nextPageToken",
                }).AsRawResponses();
                await foreach (var page in pages.WithCancellation(ct).ConfigureAwait(false))
                {
                    foreach (var item in page.Items ?? [])
                    {
                        // Folder placeholders ("a/b/") made by consoles are not objects of the store.
                        if (item.Name.Length > _root.Length && !item.Name.EndsWith('/'))
                        {
                            names.Add(item.Name[_root.Length..]);
                        }
                    }
                }

                names.Sort(StringComparer.Ordinal);
                return names;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the client the store created (not one passed in).</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client?.Dispose();
        }

        _clientLock.Dispose();
    }

    private async Task<StoredObject?> DownloadAsync(StorageClient client, string path, string name, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        StorageObject downloaded;
        try
        {
            // Always: the client hashes the bytes as they arrive and throws an IOException when they do not match the
            // x-goog-hash header (transient: the read is retried).
            downloaded = await client.DownloadObjectAsync(_bucket, name, buffer, DownloadOptions, ct).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (GcsErrors.IsObjectMissing(ex))
        {
            return null;
        }

        var content = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
        var generation = FormatGeneration(downloaded);
        if (downloaded.Md5Hash is null && downloaded.Crc32c is null)
        {
            // No hash header (a proxy may strip it): the client could not check, so check against the metadata.
            var metadata = await client.GetObjectAsync(_bucket, name, new GetObjectOptions { RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
            if (metadata.Md5Hash is { } md5 && md5 != Md5Base64(content.Span))
            {
                throw new CorruptDownloadException($"The bytes of '{name}' do not match the object's MD5 hash.");
            }

            generation ??= FormatGeneration(metadata);
            Log.CheckedAgainstMetadata(_logger, path, Location);
        }

        return new StoredObject(content, generation ?? throw new IOException($"Cloud Storage answered the download of '{name}' without a generation."));
    }

    private async Task<T> ExecuteAsync<T>(string operation, string path, Func<StorageClient, int, CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OperationKey, operation);
        context.Properties.Set(PathKey, path);
        var attempts = 0;
        try
        {
            var client = await GetClientAsync(cancellationToken).ConfigureAwait(false);
            return await _pipeline.ExecuteAsync(
                async ctx => await action(client, Interlocked.Increment(ref attempts), ctx.CancellationToken).ConfigureAwait(false),
                context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ModelStoreException)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Everything else becomes a store failure: callers (the reload loop above all) handle those and keep serving.
            var mapped = GcsErrors.ToStoreException(ex, Location, operation, path, attempts, cancellationToken);
            if (mapped.Kind == ModelStoreErrorKind.Unavailable)
            {
                Log.GaveUp(_logger, ex, operation, path, Location, attempts);
            }

            throw mapped;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<StorageClient> GetClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { } existing)
        {
            return existing;
        }

        await _clientLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _client ??= await CreateClientAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _clientLock.Release();
        }
    }

    private async Task<StorageClient> CreateClientAsync(CancellationToken cancellationToken)
    {
        if (_options.EmulatorHost is { Length: > 0 } host)
        {
            // The emulator's root, not /storage/v1/: the client appends the JSON API paths itself.
            var emulator = GcsModelStoreOptions.TryGetEmulatorUri(host)!.ToString();
            Log.UsingEmulator(_logger, Location, emulator);
            return await new StorageClientBuilder { BaseUri = emulator, UnauthenticatedAccess = true }.BuildAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var client = await new StorageClientBuilder().BuildAsync(cancellationToken).ConfigureAwait(false);
            Log.UsingCloudStorage(_logger, Location);
            return client;
        }
        catch (InvalidOperationException ex)
        {
            throw new ModelStoreException(
                ModelStoreErrorKind.Refused,
                $"No Google credentials for {Location}: Application Default Credentials were not found. Set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, run `gcloud auth application-default login`, or run on Google Cloud with a service account; to use an emulator set {GcsModelStoreOptions.EmulatorHostVariable}.",
                ex);
        }
    }

    private ResiliencePipeline BuildPipeline(GcsModelStoreOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && GcsErrors.IsTransient(ex, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    Log.Retrying(
                        _logger,
                        args.Context.Properties.GetValue(OperationKey, "operation"),
                        args.Context.Properties.GetValue(PathKey, ""),
                        Location,
                        args.AttemptNumber + 1,
                        args.Outcome.Exception is { } ex ? GcsErrors.Describe(ex) : "no answer",
                        args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        return builder.AddTimeout(options.AttemptTimeout).Build();
    }

    private string ObjectName(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || path.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new ModelStoreException(ModelStoreErrorKind.Refused, $"'{path}' is not a valid store path (use relative '/'-separated segments without '.' or '..').");
        }

        return _root + path;
    }

    private static string? FormatGeneration(StorageObject metadata) => metadata.Generation?.ToString(CultureInfo.InvariantCulture);

    private static MemoryStream AsStream(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Integrity check against the MD5 that Cloud Storage records, not a security boundary.")]
    private static string Md5Base64(ReadOnlySpan<byte> content) => Convert.ToBase64String(MD5.HashData(content));
}
