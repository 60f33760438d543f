namespace SkillInference.Monitoring;

/// <summary>
/// Monitoring's rules and defaults (configuration section <c>SkillInference:Monitoring</c>): validation against teacher
/// ratings, drift of live traffic against the bundles' reference histograms, the latency budget, and alerting.
/// </summary>
internal sealed class MonitoringOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "SkillInference:Monitoring";

    /// <summary>The correlation alert fires when Pearson r falls below this.</summary>
    /// <value>Defaults to 0.50.</value>
    public double CorrelationThreshold { get; set; } = 0.50;

    /// <summary>The fewest rated pairs that are judged; below this the state is <c>insufficient_data</c>, never <c>ok</c>.</summary>
    /// <value>Defaults to 30.</value>
    public int MinimumPairs { get; set; } = 30;

    /// <summary>An open alert clears after this many consecutive evaluations on the good side of its threshold.</summary>
    /// <value>Defaults to 2.</value>
    public int ClearAfterEvaluations { get; set; } = 2;

    /// <summary>A rating is paired with the assessment of the same student and skill closest in time, within this window.</summary>
    /// <value>Defaults to 30 days.</value>
    public TimeSpan MatchWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The host runs the validation job this often (zero or negative: never on a schedule, on demand only).</summary>
    /// <value>Defaults to 1 hour.</value>
    public TimeSpan ValidationInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The rolling window of the online drift counters.</summary>
    /// <value>Defaults to 24 hours.</value>
    public TimeSpan DriftWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The drift counters' time bucket: the window rolls forward one bucket at a time.</summary>
    /// <value>Defaults to 1 hour.</value>
    public TimeSpan DriftBucket { get; set; } = TimeSpan.FromHours(1);

    /// <summary>PSI at or above this is worth watching (state <c>watch</c>).</summary>
    /// <value>Defaults to 0.1.</value>
    public double PsiWatch { get; set; } = 0.1;

    /// <summary>PSI at or above this raises a drift alert.</summary>
    /// <value>Defaults to 0.25.</value>
    public double PsiAlert { get; set; } = 0.25;

    /// <summary>Drift is judged only when the window holds at least this many scored rows.</summary>
    /// <value>Defaults to 500.</value>
    public int DriftMinimumSample { get; set; } = 500;

    /// <summary>The host evaluates drift and latency alerts this often.</summary>
    /// <value>Defaults to 1 minute.</value>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The latency alert fires when the p99 of a skill, version and variant over the drift window exceeds this.</summary>
    /// <value>Defaults to 50 ms.</value>
    public TimeSpan LatencyP99Budget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Latency is judged only above this many requests in the window.</summary>
    /// <value>Defaults to 100.</value>
    public int LatencyMinimumSample { get; set; } = 100;

    /// <summary>The webhook alerts and rollout notices are posted to.</summary>
    public WebhookOptions Webhook { get; set; } = new();

    /// <summary>The problems in these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (CorrelationThreshold is < -1 or > 1 || double.IsNaN(CorrelationThreshold))
        {
            problems.Add("CorrelationThreshold must be between -1 and 1.");
        }

        if (MinimumPairs < 4)
        {
            problems.Add("MinimumPairs must be at least 4 (the Fisher-z interval needs n > 3).");
        }

        if (ClearAfterEvaluations < 1)
        {
            problems.Add("ClearAfterEvaluations must be at least 1.");
        }

        if (MatchWindow <= TimeSpan.Zero)
        {
            problems.Add("MatchWindow must be positive.");
        }

        if (DriftBucket <= TimeSpan.Zero || DriftWindow < DriftBucket)
        {
            problems.Add("DriftBucket must be positive and DriftWindow at least one bucket.");
        }

        if (DriftWindow.Ticks / Math.Max(1, DriftBucket.Ticks) > 10_000)
        {
            problems.Add("DriftWindow / DriftBucket must be at most 10000 buckets.");
        }

        if (PsiWatch <= 0 || PsiAlert < PsiWatch)
        {
            problems.Add("PsiWatch must be positive and PsiAlert at least PsiWatch.");
        }

        if (DriftMinimumSample < 1 || LatencyMinimumSample < 1)
        {
            problems.Add("DriftMinimumSample and LatencyMinimumSample must be at least 1.");
        }

        if (EvaluationInterval <= TimeSpan.Zero)
        {
            problems.Add("EvaluationInterval must be positive.");
        }

        if (LatencyP99Budget <= TimeSpan.Zero)
        {
            problems.Add("LatencyP99Budget must be positive.");
        }

        if (!string.IsNullOrEmpty(Webhook.Url) && !Uri.TryCreate(Webhook.Url, UriKind.Absolute, out _))
        {
            problems.Add("Webhook:Url must be an absolute URL.");
        }

        if (Webhook.MaxAttempts < 1)
        {
            problems.Add("Webhook:MaxAttempts must be at least 1.");
        }

        return problems;
    }
}
