using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using SkillInference.Monitoring;

namespace SkillInference.Host.Monitoring;

/// <summary>
/// Delivers monitoring notices: each is a log event at once and, when <c>SkillInference:Monitoring:Webhook:Url</c> is
/// set, a Slack-compatible JSON post (<c>text</c>, plus the structured fields) from a background queue, retried with
/// exponential backoff (Polly), never on the request path. De-duplicated: a notice that repeats the last state of its
/// kind, skill and version is dropped (another evaluation that finds the same state says nothing new).
/// </summary>
internal sealed class WebhookMonitoringNotifier : BackgroundService, IMonitoringNotifier
{
    /// <summary>The named HTTP client the webhook is posted with.</summary>
    public const string HttpClientName = "skillinference-monitoring-webhook";

    private const int QueueCapacity = 1_000;
    private readonly Channel<MonitoringNotice> _queue = Channel.CreateBounded<MonitoringNotice>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly ConcurrentDictionary<(string Kind, string Skill, string Version), string> _lastState = new();
    private readonly IHttpClientFactory _http;
    private readonly WebhookOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public WebhookMonitoringNotifier(IHttpClientFactory http, IOptions<MonitoringOptions> options, TimeProvider time, ILogger<WebhookMonitoringNotifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options.Value.Webhook;
        _logger = logger;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (_options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode is 408 or 429 or >= 500),
            });
        }

        _pipeline = builder.AddTimeout(_options.Timeout).Build();
    }

    public void Publish(MonitoringNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var key = (notice.Kind, notice.Skill, notice.ModelVersion ?? "");
        if (_lastState.TryGetValue(key, out var last) && last == notice.State && notice.Kind != "rollout")
        {
            return;
        }

        _lastState[key] = notice.State;
        SkillInference.Monitoring.Log.Notice(_logger, notice.Kind, notice.Skill, notice.ModelVersion ?? "", notice.State, notice.Summary);
        if (_options.Url.Length > 0 && !_queue.Writer.TryWrite(notice))
        {
            SkillInference.Monitoring.Log.NoticeDropped(_logger, notice.Kind, notice.Skill, notice.State);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = _http.CreateClient(HttpClientName);
        try
        {
            await foreach (var notice in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await DeliverAsync(client, notice, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(HttpClient client, MonitoringNotice notice, CancellationToken stoppingToken)
    {
        var attempts = 0;
        var payload = WebhookPayload.From(notice);
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    return await client.PostAsJsonAsync(new Uri(_options.Url), payload, WebhookJsonContext.Default.WebhookPayload, ct).ConfigureAwait(false);
                },
                stoppingToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                SkillInference.Monitoring.Log.NoticeDelivered(_logger, notice.Kind, notice.Skill, notice.State);
            }
            else
            {
                SkillInference.Monitoring.Log.NoticeNotDelivered(_logger, null, notice.Kind, notice.Skill, notice.State, attempts);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            SkillInference.Monitoring.Log.NoticeNotDelivered(_logger, ex, notice.Kind, notice.Skill, notice.State, attempts);
        }
    }
}
