namespace SkillInference.Monitoring;

/// <summary>The monitoring webhook (Slack-compatible: a JSON body with <c>text</c>).</summary>
internal sealed class WebhookOptions
{
    /// <summary>The URL notices are posted to; empty: notices are only logged.</summary>
    /// <value>Defaults to empty.</value>
    public string Url { get; set; } = "";

    /// <summary>Attempts per notice (the first and the retries), with exponential backoff.</summary>
    /// <value>Defaults to 5.</value>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first retry's delay; each next one doubles (with jitter).</summary>
    /// <value>Defaults to 1 second.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Each attempt's timeout.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
