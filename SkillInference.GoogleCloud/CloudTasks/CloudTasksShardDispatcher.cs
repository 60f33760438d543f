using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using SkillInference.Batch;

namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>
/// Queues each shard as a Cloud Tasks HTTP task through the REST API (<c>projects.locations.queues.tasks.create</c>):
/// a POST of the shard's JSON to <see cref="CloudTasksOptions.TargetUrl"/> with an OIDC token. Each task is named after
/// its run and shard, so dispatching a shard again is deduplicated by Cloud Tasks (409 ALREADY_EXISTS counts as queued).
/// Transient refusals (408, 429, 5xx) and broken connections are retried through the Polly pipeline
/// <c>SkillInference.CloudTasks.Create</c> (exponential from <see cref="CloudTasksOptions.RetryDelay"/>).
/// </summary>
public sealed class CloudTasksShardDispatcher : IShardDispatcher
{
    /// <summary>The name stored with runs dispatched this way.</summary>
    public const string DispatcherName = "cloud-tasks";

    private readonly HttpClient _http;
    private readonly ICloudTasksTokenSource _tokens;
    private readonly CloudTasksOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retries;
    private static readonly ResiliencePropertyKey<ShardTask> ShardKey = new("SkillInference.Shard");

    /// <summary>Creates the dispatcher.</summary>
    /// <param name="http">The client that calls the API (its handler is where tests observe requests).</param>
    /// <param name="tokens">Access tokens for the API.</param>
    /// <param name="options">The queue and target.</param>
    /// <param name="timeProvider">Time, for retry delays.</param>
    /// <param name="logger">The logger.</param>
    public CloudTasksShardDispatcher(HttpClient http, ICloudTasksTokenSource tokens, IOptions<CloudTasksOptions> options, TimeProvider? timeProvider = null, ILogger<CloudTasksShardDispatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _tokens = tokens;
        _options = options.Value;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _retries = BuildRetries(_time);
    }

    /// <inheritdoc />
    public string Name => DispatcherName;

    /// <inheritdoc />
    public async Task<DispatchOutcome> DispatchAsync(IReadOnlyList<ShardTask> shards, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var created = 0;
        var existing = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelCreates, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(shards, parallel, async (shard, ct) =>
        {
            if (await CreateAsync(shard, ct).ConfigureAwait(false))
            {
                Interlocked.Increment(ref created);
            }
            else
            {
                Interlocked.Increment(ref existing);
            }
        }).ConfigureAwait(false);

        if (shards.Count > 0)
        {
            Log.Queued(_logger, created, shards[0].RunId, _options.QueuePath, existing);
        }

        return DispatchOutcome.Enqueued;
    }

    /// <summary>
    /// The task's id: a short hash first (Cloud Tasks asks for ids that do not share a sequential prefix), then the run
    /// and the shard, so the same shard always gets the same name.
    /// </summary>
    public static string TaskId(Guid runId, int shard)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"run-{runId:N}-shard-{shard:D6}");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 4));
        return $"{hash}-{key}";
    }

    /// <summary>The JSON body of the <c>tasks.create</c> call for a shard.</summary>
    internal byte[] CreateRequestBody(ShardTask shard)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("task");
            json.WriteString("name", $"{_options.QueuePath}/tasks/{TaskId(shard.RunId, shard.Shard)}");
            json.WriteString("dispatchDeadline", string.Create(CultureInfo.InvariantCulture, $"{(long)_options.DispatchDeadline.TotalSeconds}s"));
            json.WriteStartObject("httpRequest");
            json.WriteString("url", _options.TargetUrl);
            json.WriteString("httpMethod", "POST");
            json.WriteStartObject("headers");
            json.WriteString("Content-Type", "application/json");
            json.WriteEndObject();
            json.WriteBase64String("body", ShardTaskJson.Serialize(shard));
            if (_options.ServiceAccountEmail.Length > 0)
            {
                json.WriteStartObject("oidcToken");
                json.WriteString("serviceAccountEmail", _options.ServiceAccountEmail);
                json.WriteString("audience", _options.Audience.Length > 0 ? _options.Audience : _options.TargetUrl);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task<bool> CreateAsync(ShardTask shard, CancellationToken cancellationToken)
    {
        var uri = new Uri(new Uri(_options.ApiEndpoint), $"v2/{_options.QueuePath}/tasks");
        var body = CreateRequestBody(shard);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ShardKey, shard);
        var attempts = 0;
        try
        {
            return await _retries.ExecuteAsync(
                async (ctx, state) =>
                {
                    attempts++;
                    return await state.Dispatcher.CreateOnceAsync(state.Shard, state.Uri, state.Body, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                (Dispatcher: this, Shard: shard, Uri: uri, Body: body)).ConfigureAwait(false);
        }
        catch (RefusedResponseException refused)
        {
            throw new CloudTasksException(
                refused.Transient ? CloudTasksErrorKind.Transient : CloudTasksErrorKind.Permanent,
                refused.Status,
                $"Cloud Tasks refused the task for shard {shard.Shard} of run {shard.RunId} in {_options.QueuePath} after {attempts} attempt(s): HTTP {refused.Status}: {refused.Detail}");
        }
        catch (Exception ex) when (CloudTasksErrors.IsTransient(ex, cancellationToken))
        {
            throw new CloudTasksException(CloudTasksErrorKind.Transient, null, $"Cloud Tasks could not be reached to queue shard {shard.Shard} of run {shard.RunId} after {attempts} attempt(s): {ex.Message}", ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One <c>tasks.create</c> call: true when created, false when the task exists; a refusal is thrown.</summary>
    private async Task<bool> CreateOnceAsync(ShardTask shard, Uri uri, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _tokens.GetAccessTokenAsync(cancellationToken).ConfigureAwait(false));
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            // ALREADY_EXISTS: this shard was queued before (or ran recently); Cloud Tasks deduplicated it.
            Log.AlreadyQueued(_logger, shard.Shard, shard.RunId);
            return false;
        }

        throw new RefusedResponseException((int)response.StatusCode, CloudTasksErrors.IsTransient(response.StatusCode), await ErrorMessageAsync(response, cancellationToken).ConfigureAwait(false));
    }

    private ResiliencePipeline BuildRetries(TimeProvider time)
    {
        var pipeline = new ResiliencePipelineBuilder { Name = "SkillInference.CloudTasks.Create", TimeProvider = time };
        if (_options.MaxCreateAttempts > 1)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxCreateAttempts - 1,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception switch
                {
                    RefusedResponseException refused => refused.Transient,
                    { } ex => CloudTasksErrors.IsTransient(ex, args.Context.CancellationToken),
                    null => false,
                }),
                OnRetry = args =>
                {
                    var shard = args.Context.Properties.GetValue(ShardKey, null!);
                    var reason = args.Outcome.Exception is RefusedResponseException refused
                        ? string.Create(CultureInfo.InvariantCulture, $"HTTP {refused.Status}")
                        : args.Outcome.Exception!.GetType().Name;
                    Log.Retrying(_logger, shard.Shard, shard.RunId, args.AttemptNumber + 1, reason, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        return pipeline.Build();
    }

    /// <summary>A non-success answer of the API inside the retry pipeline (turned into a <see cref="CloudTasksException"/> once retries end).</summary>
    private sealed class RefusedResponseException(int status, bool transient, string detail) : Exception($"HTTP {status}")
    {
        public int Status { get; } = status;

        public bool Transient { get; } = transient;

        public string Detail { get; } = detail;
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message))
            {
                return message.GetString() ?? text;
            }
        }
        catch (JsonException)
        {
            // Not Google's error JSON: show the start of the body.
        }

        return text.Length <= 300 ? text : text[..300];
    }
}
