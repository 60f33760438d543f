namespace SkillInference.Monitoring;

/// <summary>The kinds of alert (one model for all of them) and their states.</summary>
internal static class AlertKinds
{
    public const string Correlation = "correlation";
    public const string Drift = "drift";
    public const string Latency = "latency";
    public const string ModelLoad = "model_load";

    /// <summary>An alert that has fired and not cleared.</summary>
    public const string Open = "open";

    /// <summary>An alert that cleared.</summary>
    public const string Cleared = "cleared";
}
