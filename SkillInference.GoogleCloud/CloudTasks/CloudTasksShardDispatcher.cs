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
using SkillInference.Batch;

namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>
/// Queues each shard as a Cloud Tasks HTTP task through the REST API (<c>projects.locations.queues.tasks.create</c>):
/// a POST of the shard's JSON to <see cref="CloudTasksOptions.TargetUrl"/> with an OIDC token. Each task is named after
/// its run and shard, so dispatching a shard again is deduplicated by Cloud Tasks (409 ALREADY_EXISTS counts as queued).
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
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            try
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

                var status = (int)response.StatusCode;
                var detail = await ErrorMessageAsync(response, cancellationToken).ConfigureAwait(false);
                if (!CloudTasksErrors.IsTransient(response.StatusCode) || attempt >= _options.MaxCreateAttempts)
                {
                    throw new CloudTasksException(
                        CloudTasksErrors.IsTransient(response.StatusCode) ? CloudTasksErrorKind.Transient : CloudTasksErrorKind.Permanent,
                        status,
                        $"Cloud Tasks refused the task for shard {shard.Shard} of run {shard.RunId} in {_options.QueuePath} after {attempt} attempt(s): HTTP {status}: {detail}");
                }

                reason = $"HTTP {status}";
            }
            catch (Exception ex) when (CloudTasksErrors.IsTransient(ex, cancellationToken))
            {
                if (attempt >= _options.MaxCreateAttempts)
                {
                    throw new CloudTasksException(CloudTasksErrorKind.Transient, null, $"Cloud Tasks could not be reached to queue shard {shard.Shard} of run {shard.RunId} after {attempt} attempt(s): {ex.Message}", ex);
                }

                reason = ex.GetType().Name;
            }

            var delay = _options.RetryDelay * Math.Pow(2, attempt - 1);
            Log.Retrying(_logger, shard.Shard, shard.RunId, attempt, reason, delay.TotalMilliseconds);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
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
